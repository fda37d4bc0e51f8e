using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Hub.Tests.Infrastructure;
using static Hub.Tests.Infrastructure.ReferralExamples;
using Task = System.Threading.Tasks.Task;

namespace Hub.Tests.Intake;

/// <summary>The edges of the FHIR HTTP surface, as raw HTTP: what the specifications say a server must accept (FHIR
/// references.html, RFC 8259 §8.1, http.html) and how it must refuse what it does not serve.</summary>
public sealed class FhirConformanceTests(TestHub hub) : IClassFixture<TestHub>
{
    private static readonly FhirSerializer Fhir = new();

    private static ByteArrayContent Body(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    private static async Task<(HttpStatusCode Status, Resource Resource)> ReadAsync(HttpResponseMessage response)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(bytes.Length > 0, $"{(int)response.StatusCode} with no body");
        var parsed = Fhir.ParseJson(bytes);
        Assert.True(parsed.Succeeded, Encoding.UTF8.GetString(bytes));
        return (response.StatusCode, parsed.Resource!);
    }

    private static byte[] WithBom(byte[] body) => [0xEF, 0xBB, 0xBF, .. body];

    [Theory]
    [InlineData(FhirMediaTypes.Json)]
    [InlineData(FhirMediaTypes.Xml)]
    public async Task A_body_with_a_UTF8_byte_order_mark_is_read(string contentType)
    {
        using var client = hub.HttpClient(await hub.KeyForAsync("bom-" + contentType.Length, Practice));
        var body = contentType == FhirMediaTypes.Json ? Json(ServiceRequest()) : Xml(ServiceRequest());

        var response = await client.PostAsync("ServiceRequest", Body(WithBom(body), contentType));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Contained_resources_referenced_as_hash_id_are_part_of_the_referral()
    {
        using var client = hub.HttpClient(await hub.KeyForAsync("contained", Practice));
        var sr = ServiceRequest();
        sr.Contained =
        [
            new Patient { Id = "p", Identifier = [new Identifier(FhirCodes.NhsNumberSystem, ValidNhsNumber)], Name = [new HumanName { Family = "Smith", Given = ["Richard"] }] },
            new Organization { Id = "org", Identifier = [new Identifier(FhirCodes.OdsSystem, Practice)], Name = "Riverside Surgery" },
            new PractitionerRole { Id = "role", Organization = new ResourceReference("#org") },
        ];
        sr.Subject = new ResourceReference("#p");
        sr.Requester = new ResourceReference("#role");

        var (status, created) = await ReadAsync(await client.PostAsync("ServiceRequest", Body(Json(sr), FhirMediaTypes.Json)));

        Assert.Equal(HttpStatusCode.Created, status);
        var stored = Assert.IsType<ServiceRequest>(created);
        Assert.Equal("#p", stored.Subject.Reference);
        Assert.Equal(3, stored.Contained.Count);
    }

    [Fact]
    public async Task A_hash_reference_to_nothing_and_a_wrong_contained_NHS_number_are_named_to_the_element()
    {
        using var client = hub.HttpClient(await hub.KeyForAsync("contained-bad", Practice));
        var dangling = ServiceRequest();
        dangling.Subject = new ResourceReference("#nobody");
        var wrong = ServiceRequest();
        wrong.Contained = [new Patient { Id = "p", Identifier = [new Identifier("https://example.org/mrn", "1"), new Identifier(FhirCodes.NhsNumberSystem, "9912003889")] }];
        wrong.Subject = new ResourceReference("#p");

        var (danglingStatus, danglingOutcome) = await ReadAsync(await client.PostAsync("ServiceRequest", Body(Json(dangling), FhirMediaTypes.Json)));
        var (wrongStatus, wrongOutcome) = await ReadAsync(await client.PostAsync("ServiceRequest", Body(Json(wrong), FhirMediaTypes.Json)));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, danglingStatus);
        Assert.Contains("ServiceRequest.subject.reference", ((OperationOutcome)danglingOutcome).Issue.SelectMany(i => i.Expression));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrongStatus);
        Assert.Contains("ServiceRequest.contained[0].ofType(Patient).identifier[1].value", ((OperationOutcome)wrongOutcome).Issue.SelectMany(i => i.Expression));
    }

    [Theory]
    [InlineData("GET", "Nope/1", HttpStatusCode.NotFound, OperationOutcome.IssueType.NotFound)]
    [InlineData("GET", "Patient?identifier=x", HttpStatusCode.NotFound, OperationOutcome.IssueType.NotFound)]
    [InlineData("GET", "", HttpStatusCode.MethodNotAllowed, OperationOutcome.IssueType.NotSupported)]
    [InlineData("GET", "_history", HttpStatusCode.MethodNotAllowed, OperationOutcome.IssueType.NotSupported)]
    [InlineData("POST", "$validate", HttpStatusCode.MethodNotAllowed, OperationOutcome.IssueType.NotSupported)]
    [InlineData("DELETE", "Task/abc", HttpStatusCode.MethodNotAllowed, OperationOutcome.IssueType.NotSupported)]
    [InlineData("GET", "Task/abc/_history", HttpStatusCode.MethodNotAllowed, OperationOutcome.IssueType.NotSupported)]
    [InlineData("PATCH", "ServiceRequest/abc", HttpStatusCode.MethodNotAllowed, OperationOutcome.IssueType.NotSupported)]
    public async Task What_the_hub_does_not_serve_is_an_OperationOutcome_never_an_empty_404(string method, string path, HttpStatusCode status, OperationOutcome.IssueType code)
    {
        using var client = hub.HttpClient(await hub.KeyForAsync("unserved", Practice));

        var (answered, resource) = await ReadAsync(await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)));

        Assert.Equal(status, answered);
        Assert.Equal(code, Assert.IsType<OperationOutcome>(resource).Issue.Single().Code);
    }

    [Theory]
    [InlineData("ServiceRequest?_count=abc", "_count")]
    [InlineData("ServiceRequest?_count=0", "_count")]
    [InlineData("ServiceRequest?_lastUpdated=yesterday", "_lastUpdated")]
    [InlineData("ServiceRequest?identifier=no-system", "identifier")]
    [InlineData("Task?status=nearly-done", "status")]
    [InlineData("ServiceRequest?_cursor=k1.AAAA.BBBB", "_cursor")]
    public async Task A_search_parameter_the_hub_cannot_read_is_a_400_naming_it(string query, string parameter)
    {
        using var client = hub.HttpClient(await hub.KeyForAsync("bad-search", Practice));

        var (status, resource) = await ReadAsync(await client.GetAsync(query));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(parameter, Assert.IsType<OperationOutcome>(resource).Issue.Single().Expression.Single());
    }

    [Fact]
    public async Task Search_by_post_takes_a_form_and_refuses_anything_else()
    {
        using var client = hub.HttpClient(await hub.KeyForAsync("post-search", Practice));

        var form = await client.PostAsync("ServiceRequest/_search", new FormUrlEncodedContent([new("_count", "1")]));
        var json = await client.PostAsync("ServiceRequest/_search", Body(Encoding.UTF8.GetBytes("{}"), "application/json"));

        var (status, bundle) = await ReadAsync(form);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("_count=1", Assert.IsType<Bundle>(bundle).SelfLink.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await ReadAsync(json)).Status);
    }

    [Theory]
    [InlineData("identifier=only-a-value")]
    [InlineData("identifier=a|b&status=active")]
    public async Task A_conditional_create_on_a_condition_the_hub_cannot_match_is_refused_and_stores_nothing(string condition)
    {
        using var client = hub.HttpClient(await hub.KeyForAsync("conditional-bad", Practice));
        var before = await hub.CountRowsAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "ServiceRequest") { Content = Body(Json(ServiceRequest()), FhirMediaTypes.Json) };
        request.Headers.TryAddWithoutValidation("If-None-Exist", condition);

        var (status, resource) = await ReadAsync(await client.SendAsync(request));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("If-None-Exist", Assert.IsType<OperationOutcome>(resource).Issue.Single().Expression.Single());
        Assert.Equal(before, await hub.CountRowsAsync());
    }

    [Fact]
    public async Task A_transaction_breaking_a_rule_is_refused_whole_and_stores_nothing()
    {
        using var client = hub.HttpClient(await hub.KeyForAsync("transaction-bad", Practice));
        var transaction = ReferralBundle();
        ((ServiceRequest)transaction.Entry[0].Resource!).AuthoredOnElement = null;
        var before = await hub.CountRowsAsync();

        var (status, resource) = await ReadAsync(await client.PostAsync("", Body(Json(transaction), FhirMediaTypes.Json)));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("Bundle.entry[0].resource.ofType(ServiceRequest).authoredOn", Assert.IsType<OperationOutcome>(resource).Issue.SelectMany(i => i.Expression));
        Assert.Equal(before, await hub.CountRowsAsync());
    }

    [Fact]
    public async Task A_transaction_entry_with_ifNoneExist_is_a_conditional_create()
    {
        using var client = hub.HttpClient(await hub.KeyForAsync("transaction-conditional", Practice));
        var first = ReferralBundle();
        var created = (Bundle)(await ReadAsync(await client.PostAsync("", Body(Json(first), FhirMediaTypes.Json)))).Resource;
        var identifier = ((ServiceRequest)first.Entry[0].Resource!).Identifier.Single();
        var other = ReferralBundle();
        other.Entry[0].Request.IfNoneExist = $"identifier={identifier.System}|{identifier.Value}";

        var (status, resource) = await ReadAsync(await client.PostAsync("", Body(Json(other), FhirMediaTypes.Json)));

        Assert.Equal(HttpStatusCode.OK, status);
        var matched = Assert.IsType<Bundle>(resource).Entry[0];
        Assert.Equal("200 OK", matched.Response.Status);
        Assert.Equal(created.Entry[0].Response.Location, matched.Response.Location);
    }
}

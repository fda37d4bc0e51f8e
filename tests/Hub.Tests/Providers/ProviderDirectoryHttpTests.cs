using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Hub.Platform.Fhir;
using Hub.Providers;
using Hub.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Hub.Tests.Providers;

/// <summary>The sample directory plus one paused provider, loaded once for the FHIR read tests (which change nothing).</summary>
public sealed class SampleDirectoryHub : TestHub
{
    public const string PausedId = "moortown-community-choir";

    protected override void Setup(HubSetup hub) =>
        hub.WithProviderSeed().OnStarted(async started =>
        {
            var directory = started.Get<ProviderDirectory>();
            await directory.ImportAsync(ProviderSamples.All());
            await directory.SaveAsync(ProviderExamples.Provider(PausedId, "Moortown Community Choir", [ActivityCategories.Arts], ["LS17"], status: ProviderStatus.Paused));
        });
}

/// <summary>GP systems look the directory up as FHIR HealthcareServices through the real triggers.</summary>
public sealed class ProviderDirectoryHttpTests(SampleDirectoryHub hub) : IClassFixture<SampleDirectoryHub>
{
    private const string Base = "http://localhost:7071/api/fhir";

    private async Task<HttpAnswer> GetAsync(string path, bool withKey, Func<ProviderDirectoryHttp, HttpRequest, Task<IActionResult>> trigger,
        string? query = null, string? accept = null)
    {
        var key = withKey ? await hub.KeyForAsync("directory-reader", "A81001") : null;
        var request = HttpCall.Request("GET", path, apiKey: key, query: query, accept: accept);
        return await TestHub.CallAsync(request, r => trigger(hub.Function<ProviderDirectoryHttp>(), r));
    }

    private Task<HttpAnswer> SearchAsync(string? query, string? accept = null, bool withKey = true) =>
        GetAsync("/api/fhir/HealthcareService", withKey, (f, r) => f.Search(r), query, accept);

    private Task<HttpAnswer> ReadAsync(string id, string? accept = null, bool withKey = true) =>
        GetAsync($"/api/fhir/HealthcareService/{id}", withKey, (f, r) => f.Read(r, id), accept: accept);

    [Fact]
    public async System.Threading.Tasks.Task Searching_by_category_finds_the_providers_that_offer_it_as_a_searchset()
    {
        var answer = await SearchAsync("?category=befriending");

        Assert.Equal(200, answer.Status);
        Assert.StartsWith(FhirMediaTypes.Json, answer.ContentType, StringComparison.Ordinal);
        var bundle = answer.As<Bundle>();
        Assert.Equal(Bundle.BundleType.Searchset, bundle.Type);
        Assert.Equal(1, bundle.Total);
        Assert.Equal($"{Base}/HealthcareService?category=befriending&_count=20", bundle.SelfLink?.ToString());
        var entry = Assert.Single(bundle.Entry);
        Assert.Equal($"{Base}/HealthcareService/north-leeds-befriending", entry.FullUrl);
        Assert.Equal(Bundle.SearchEntryMode.Match, entry.Search?.Mode);

        var service = Assert.IsType<HealthcareService>(entry.Resource);
        Assert.Equal("north-leeds-befriending", service.Id);
        Assert.Equal("North Leeds Befriending", service.Name);
        Assert.True(service.Active);
        Assert.StartsWith("Volunteer befrienders", service.Comment, StringComparison.Ordinal);
        Assert.Equal(["befriending", "community-group"], service.Category.Select(c => c.Coding.Single().Code));
        Assert.All(service.Category, c => Assert.Equal(ActivityCategories.System, c.Coding.Single().System));
        Assert.Equal("Befriending", service.Category[0].Coding[0].Display);
        Assert.Equal(ActivityCategories.ProviderIdSystem, service.Identifier.Single().System);
        Assert.Contains(service.Telecom, t => t.System == ContactPoint.ContactPointSystem.Email && t.Value == "referrals@northleedsnetwork.example.org");
        Assert.Contains(service.Telecom, t => t.System == ContactPoint.ContactPointSystem.Phone && t.Value == "0113 496 0123");
        Assert.Contains(service.Telecom, t => t.System == ContactPoint.ContactPointSystem.Url);
        Assert.Equal(["LS16", "LS17", "LS18"], service.CoverageArea.Select(a => a.Display));
        Assert.Equal("Ages 55 and over. People aged 55 and over who live alone or feel isolated.", service.Eligibility.Single().Comment);

        Assert.Equal("#organization", service.ProvidedBy?.Reference);
        var organization = service.Contained.OfType<Organization>().Single();
        Assert.Equal("North Leeds Neighbourhood Network", organization.Name);
        Assert.Equal(("1098765", ProviderFhir.CharityNumberSystem), (organization.Identifier.Single().Value, organization.Identifier.Single().System));
        Assert.Equal(["area-LS16", "area-LS17", "area-LS18"], service.Contained.OfType<Location>().Select(l => l.Id));
    }

    [Fact]
    public async System.Threading.Tasks.Task The_providing_organisation_carries_its_ODS_code()
    {
        var service = (await ReadAsync("aire-valley-care-farm")).As<HealthcareService>();

        var organization = service.Contained.OfType<Organization>().Single();
        Assert.Equal([(FhirCodes.OdsSystem, "8JK12")], organization.Identifier.Select(i => (i.System, i.Value)));
        Assert.Equal(2, service.Telecom.Count(t => t.System == ContactPoint.ContactPointSystem.Email));
        Assert.Equal("Cost: Free for referred participants", service.ExtraDetails);
    }

    [Fact]
    public async System.Threading.Tasks.Task Without_a_category_every_provider_is_listed_in_directory_order()
    {
        var bundle = (await SearchAsync(null)).As<Bundle>();

        Assert.Equal(ProviderSamples.All().Count + 1, bundle.Total);
        Assert.Equal(
            ["aire-valley-care-farm", "bradford-advice-centre", "chapeltown-arts-collective", "leeds-money-matters", "leeds-link-workers",
             SampleDirectoryHub.PausedId, "north-leeds-befriending", "roundhay-walking-group", "shipley-mens-shed"],
            bundle.Entry.Select(e => e.Resource!.Id));
        Assert.Equal($"{Base}/HealthcareService?_count=20", bundle.SelfLink?.ToString());
    }

    [Theory]
    [InlineData("?category=arts,walking", new[] { "chapeltown-arts-collective", SampleDirectoryHub.PausedId, "roundhay-walking-group" })]
    [InlineData("?category=community-group&category=arts", new[] { "chapeltown-arts-collective" })]
    [InlineData("?category=https://social-prescribing-hub.nhs.example/CodeSystem/activity-category|debt-advice", new[] { "bradford-advice-centre", "leeds-money-matters" })]
    [InlineData("?category=http://snomed.info/sct|debt-advice", new string[0])]
    [InlineData("?category=knitting", new string[0])]
    [InlineData("?category=arts&active=true", new[] { "chapeltown-arts-collective", SampleDirectoryHub.PausedId })]
    public async System.Threading.Tasks.Task Category_tokens_combine_as_FHIR_search_does(string query, string[] ids)
    {
        var bundle = (await SearchAsync(query)).As<Bundle>();

        Assert.Equal(ids, bundle.Entry.Select(e => e.Resource!.Id));
        Assert.Equal(ids.Length, bundle.Total);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_paused_provider_is_shown_as_not_taking_referrals()
    {
        var service = (await ReadAsync(SampleDirectoryHub.PausedId)).As<HealthcareService>();

        Assert.True(service.Active);
        Assert.Equal("Not taking new referrals at the moment.", service.NotAvailable.Single().Description);
    }

    [Fact]
    public async System.Threading.Tasks.Task Search_and_read_answer_in_XML_when_asked()
    {
        var search = await SearchAsync("?category=gardening", accept: FhirMediaTypes.Xml);
        Assert.Equal(200, search.Status);
        Assert.StartsWith(FhirMediaTypes.Xml, search.ContentType, StringComparison.Ordinal);
        Assert.StartsWith("<Bundle", search.Body.TrimStart(), StringComparison.Ordinal);
        Assert.Equal("aire-valley-care-farm", search.As<Bundle>().Entry.Single().Resource!.Id);

        var read = await ReadAsync("shipley-mens-shed", accept: FhirMediaTypes.Xml);
        Assert.StartsWith(FhirMediaTypes.Xml, read.ContentType, StringComparison.Ordinal);
        var service = read.As<HealthcareService>();
        Assert.Equal("Shipley Men's Shed", service.Name);
        Assert.True(service.IsExactly((await ReadAsync("shipley-mens-shed")).As<HealthcareService>()));
    }

    [Fact]
    public async System.Threading.Tasks.Task Callers_without_a_hub_API_key_are_refused()
    {
        foreach (var answer in new[] { await SearchAsync("?category=befriending", withKey: false), await ReadAsync("shipley-mens-shed", withKey: false) })
        {
            Assert.Equal(401, answer.Status);
            Assert.Equal(OperationOutcome.IssueType.Login, answer.Outcome.Issue.Single().Code);
            Assert.DoesNotContain("Shed", answer.Body, StringComparison.Ordinal);
        }

        var request = HttpCall.Request("GET", "/api/fhir/HealthcareService", apiKey: "sph_nope_wrong");
        Assert.Equal(401, (await TestHub.CallAsync(request, r => hub.Function<ProviderDirectoryHttp>().Search(r))).Status);
    }

    [Theory]
    [InlineData("no-such-provider")]
    [InlineData("bad#id")]
    public async System.Threading.Tasks.Task An_unknown_provider_is_404_with_an_OperationOutcome(string id)
    {
        var answer = await ReadAsync(id);

        Assert.Equal(404, answer.Status);
        Assert.Equal(OperationOutcome.IssueType.NotFound, answer.Outcome.Issue.Single().Code);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_bad_active_parameter_is_400()
    {
        var answer = await SearchAsync("?active=maybe");

        Assert.Equal(400, answer.Status);
        Assert.Equal(["active"], answer.Expressions);
    }

    [Fact]
    public async System.Threading.Tasks.Task The_directory_pages_with_next_links_the_client_follows_and_answers_post_search()
    {
        var client = hub.FhirClient(await hub.KeyForAsync("directory-pager", "A81001"));

        var page = await client.SearchAsync<HealthcareService>(new SearchParams().LimitTo(2));
        var seen = new List<string>();
        var pages = 0;
        while (page is not null)
        {
            pages++;
            Assert.InRange(page.Entry.Count, 1, 2);
            Assert.Equal(ProviderSamples.All().Count + 1, page.Total);
            seen.AddRange(page.Entry.Select(e => e.Resource!.Id!));
            page = await client.ContinueAsync(page);
        }

        var whole = (await SearchAsync(null)).As<Bundle>().Entry.Select(e => e.Resource!.Id!).ToList();
        Assert.Equal(whole, seen);
        Assert.Equal((whole.Count + 1) / 2, pages);

        var posted = await client.SearchUsingPostAsync<HealthcareService>(new SearchParams().Add("category", "arts").Add("active", "true").LimitTo(1));
        Assert.Equal(2, posted!.Total);
        Assert.Equal("chapeltown-arts-collective", posted.Entry.Single().Resource!.Id);
        Assert.Equal($"{Base}/HealthcareService?category=arts&active=true&_count=1", posted.SelfLink!.ToString());
        var second = await client.ContinueAsync(posted);
        Assert.Equal(SampleDirectoryHub.PausedId, second!.Entry.Single().Resource!.Id);
        Assert.Null(second.NextLink);

        // A page link is tied to its search: edited to another category, it is refused.
        var edited = new Uri(posted.NextLink!.ToString().Replace("category=arts", "category=walking", StringComparison.Ordinal));
        var refused = await Assert.ThrowsAsync<FhirOperationException>(() => client.GetAsync(edited));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("_cursor", refused.Outcome.Issue.Single().Expression.Single());
    }
}

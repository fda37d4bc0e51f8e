using System.Net;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Intake;
using Hub.Platform.Fhir;
using Hub.Platform.Storage;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using static Hub.Tests.Infrastructure.ReferralExamples;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.Intake;

/// <summary>A GP system posts referrals over HTTP and reads them back.</summary>
public sealed class HttpIntakeTests(TestHub hub) : IClassFixture<TestHub>
{
    private Task<HttpAnswer> PostAsync(string path, byte[] body, string contentType, string? key, string? accept = null)
    {
        var intake = hub.Function<ReferralIntakeHttp>();
        var request = HttpCall.Request("POST", path, body, contentType, key, accept);
        Func<HttpRequest, Task<Microsoft.AspNetCore.Mvc.IActionResult>> trigger = path switch
        {
            "/api/fhir/ServiceRequest" => r => intake.PostServiceRequest(r, hub.Durable),
            "/api/fhir/$process-message" => r => intake.ProcessMessage(r, hub.Durable),
            _ => r => intake.PostBundle(r, hub.Durable),
        };
        return TestHub.CallAsync(request, trigger);
    }

    private Task<HttpAnswer> GetAsync(string path, string? key, Func<ReferralReadHttp, HttpRequest, Task<Microsoft.AspNetCore.Mvc.IActionResult>> trigger, string? query = null, string? accept = null)
    {
        var request = HttpCall.Request("GET", path, apiKey: key, query: query, accept: accept);
        return TestHub.CallAsync(request, r => trigger(hub.Function<ReferralReadHttp>(), r));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_valid_referral_is_created_with_its_task_and_orchestration_and_reads_back()
    {
        var key = await hub.KeyForAsync("practice-a", Practice);

        var created = await PostAsync("/api/fhir/ServiceRequest", Json(ServiceRequest()), FhirMediaTypes.Json, key);

        Assert.Equal(201, created.Status);
        var sr = created.As<ServiceRequest>();
        Assert.False(string.IsNullOrEmpty(sr.Id));
        Assert.NotNull(sr.Meta?.LastUpdated);
        Assert.Equal($"http://localhost:7071/api/fhir/ServiceRequest/{sr.Id}/_history/1", created.Headers.Location.ToString());
        Assert.Equal("W/\"1\"", created.Headers.ETag.ToString());
        var taskId = created.Headers["X-Task-Id"].ToString();
        var id = sr.Id!;
        Assert.False(string.IsNullOrEmpty(taskId));
        Assert.StartsWith("application/fhir+json", created.ContentType);

        var read = await GetAsync($"/api/fhir/ServiceRequest/{sr.Id}", key, (f, r) => f.ReadServiceRequest(r, id));
        Assert.Equal(200, read.Status);
        Assert.True(sr.IsExactly(read.As<ServiceRequest>()));

        var task = (await GetAsync($"/api/fhir/Task/{taskId}", key, (f, r) => f.ReadTask(r, taskId))).As<FhirTask>();
        Assert.Equal(FhirTask.TaskStatus.Requested, task.Status);
        Assert.NotNull(task.BusinessStatus);
        Assert.NotNull(task.Focus);
        Assert.Equal("received", task.BusinessStatus.Coding.Single().Code);
        Assert.Equal($"ServiceRequest/{sr.Id}", task.Focus.Reference);
        Assert.Equal($"ServiceRequest/{sr.Id}", task.BasedOn.Single().Reference);

        var search = (await TestHub.CallAsync(HttpCall.Request("GET", "/api/fhir/Task", apiKey: key, query: $"?focus=ServiceRequest/{sr.Id}"), r => hub.Function<ReferralSearchHttp>().SearchTask(r))).As<Bundle>();
        Assert.Equal(1, search.Total);
        Assert.Equal(taskId, search.Entry.Single().Resource?.Id);

        // The orchestration runs under the referral's id and records that it started.
        var instance = await hub.Durable.WaitForInstanceStartAsync(id, new CancellationTokenSource(TimeSpan.FromSeconds(Eventually.DefaultTimeoutSeconds)).Token);
        Assert.Equal(OrchestrationRuntimeStatus.Running, instance.RuntimeStatus);
        var audit = await Eventually.ValueAsync(() => hub.Get<AuditTrail>().ReadAsync(id), a => a.Any(e => e.Event == "chase-planned"));
        Assert.Equal(["referral-received", "orchestration-started", "chase-planned"], audit.Select(e => e.Event).Take(3));
        Assert.All(audit, e => Assert.DoesNotContain(ValidNhsNumber, e.Actor + e.Outcome));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_bundle_around_the_UK_Core_patient_is_accepted_in_JSON_and_in_XML()
    {
        var key = await hub.KeyForAsync("practice-a-bundles", Practice);

        var json = await PostAsync("/api/fhir", Json(ReferralExamples.ReferralBundle(null)), FhirMediaTypes.Json, key);
        var xml = await PostAsync("/api/fhir", Xml(ReferralExamples.ReferralBundle(type: Hl7.Fhir.Model.Bundle.BundleType.Collection)), FhirMediaTypes.Xml, key, accept: FhirMediaTypes.Xml);

        Assert.True(json.Created, json.ToString());
        Assert.Equal(201, xml.Status);
        Assert.StartsWith("application/fhir+xml", xml.ContentType);
        Assert.StartsWith("<ServiceRequest", xml.Body);
        Assert.NotEqual(json.Referral.Id, xml.As<ServiceRequest>().Id);

        // The whole submission is kept: the UK Core Patient comes back from storage unchanged.
        var record = await hub.Get<ReferralStore>().GetAsync(Practice, xml.As<ServiceRequest>().Id!);
        var stored = (Bundle)new FhirSerializer().ParseJson(TestHub.Utf8((await hub.Get<ReferralStore>().ReadSubmissionAsync(record!))!)).Resource!;
        var patient = stored.Entry.Select(e => e.Resource).OfType<Patient>().Single();
        var original = new FhirSerializer().ParseXml(File.ReadAllBytes(FixturePath("uk-core", "UKCore-Patient-RichardSmith-Example.xml"))).Resource!;
        Assert.True(original.IsExactly(patient));
        Assert.Single(stored.Entry.Select(e => e.Resource).OfType<Consent>());
    }

    [Fact]
    public async System.Threading.Tasks.Task Posting_the_same_referral_again_returns_the_original_and_makes_nothing_new()
    {
        var key = await hub.KeyForAsync("practice-a-repeat", Practice);
        var body = Json(ServiceRequest("repeat-1"));

        var first = await PostAsync("/api/fhir/ServiceRequest", body, FhirMediaTypes.Json, key);
        var second = await PostAsync("/api/fhir/ServiceRequest", body, FhirMediaTypes.Json, key);
        // The same referral in XML, from a re-minted message, is still the same referral.
        var third = await PostAsync("/api/fhir/ServiceRequest", Xml(ServiceRequest("repeat-1")), FhirMediaTypes.Xml, key);

        Assert.Equal(201, first.Status);
        Assert.Equal(200, second.Status);
        Assert.Equal(200, third.Status);
        Assert.Equal(first.As<ServiceRequest>().Id, second.As<ServiceRequest>().Id);
        Assert.Equal(first.As<ServiceRequest>().Id, third.As<ServiceRequest>().Id);
        Assert.Equal(first.Headers["X-Task-Id"].ToString(), second.Headers["X-Task-Id"].ToString());
    }

    [Fact]
    public async System.Threading.Tasks.Task A_resent_bundle_with_fresh_uuids_is_the_same_referral_but_a_changed_note_is_not()
    {
        var key = await hub.KeyForAsync("practice-a-resend", Practice);

        // Each call mints new urn:uuids for every entry, as integration engines do on a resend.
        var first = await PostAsync("/api/fhir", Json(ReferralExamples.ReferralBundle("resend-1")), FhirMediaTypes.Json, key);
        var resent = await PostAsync("/api/fhir", Json(ReferralExamples.ReferralBundle("resend-1")), FhirMediaTypes.Json, key);
        var changedBundle = ReferralExamples.ReferralBundle("resend-1");
        ((ServiceRequest)changedBundle.Entry[0].Resource!).Note[0].Text = "Prefers afternoon visits.";
        var changed = await PostAsync("/api/fhir", Json(changedBundle), FhirMediaTypes.Json, key);

        Assert.True(first.Created, first.ToString());
        Assert.Equal(200, resent.Status);
        Assert.False(resent.Created);
        Assert.Equal(first.Referral.Id, resent.Referral.Id);
        Assert.Equal(409, changed.Status);
    }

    [Fact]
    public async System.Threading.Tasks.Task The_same_identifier_with_different_content_is_a_conflict()
    {
        var key = await hub.KeyForAsync("practice-a-conflict", Practice);
        await PostAsync("/api/fhir/ServiceRequest", Json(ServiceRequest("conflict-1")), FhirMediaTypes.Json, key);
        var changed = ServiceRequest("conflict-1", nhsNumber: AnotherValidNhsNumber);

        var answer = await PostAsync("/api/fhir/ServiceRequest", Json(changed), FhirMediaTypes.Json, key);

        Assert.Equal(409, answer.Status);
        var issue = answer.Outcome.Issue.Single();
        Assert.NotNull(issue.Details);
        Assert.Equal(OperationOutcome.IssueType.Conflict, issue.Code);
        Assert.Equal("REC_CONFLICT", issue.Details.Coding.Single().Code);
        Assert.Equal("ServiceRequest.identifier", issue.Expression.Single());
    }

    [Fact]
    public async System.Threading.Tasks.Task Twenty_copies_at_the_same_instant_make_one_referral_and_one_orchestration()
    {
        var key = await hub.KeyForAsync("practice-a-burst", Practice);
        var body = Json(ServiceRequest("burst-1"));
        var before = await hub.CountOrchestrationsAsync();

        using var start = new ManualResetEventSlim();
        var posts = Enumerable.Range(0, 20).Select(_ => System.Threading.Tasks.Task.Run(async () =>
        {
            start.Wait();
            return await PostAsync("/api/fhir/ServiceRequest", body, FhirMediaTypes.Json, key);
        })).ToList();
        start.Set();
        var answers = await System.Threading.Tasks.Task.WhenAll(posts);

        Assert.Equal(1, answers.Count(a => a.Status == 201));
        Assert.Equal(19, answers.Count(a => a.Status == 200));
        Assert.Single(answers.Select(a => a.As<ServiceRequest>().Id).Distinct());
        Assert.Equal(before + 1, await hub.CountOrchestrationsAsync());
        var rows = 0;
        await foreach (var row in (await hub.Get<HubTables>().GetAsync(ReferralStore.Table)).QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == Practice))
        {
            rows += row.GetString("IdentifierValue") == "burst-1" ? 1 : 0;
        }

        Assert.Equal(1, rows);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_caller_may_post_and_read_only_for_its_own_practices()
    {
        var mine = await hub.KeyForAsync("practice-a-scope", Practice);
        var theirs = await hub.KeyForAsync("practice-b-scope", OtherPractice);
        var before = await hub.CountRowsAsync();

        var forbidden = await PostAsync("/api/fhir/ServiceRequest", Json(ServiceRequest(practice: OtherPractice)), FhirMediaTypes.Json, mine);
        Assert.Equal(403, forbidden.Status);
        Assert.Equal("REC_FORBIDDEN", forbidden.Outcome.Issue.Single().Details!.Coding.Single().Code);
        Assert.Equal("ServiceRequest.requester.identifier.value", forbidden.Expressions.Single());
        Assert.Equal(before, await hub.CountRowsAsync());

        var created = (await PostAsync("/api/fhir/ServiceRequest", Json(ServiceRequest()), FhirMediaTypes.Json, mine)).As<ServiceRequest>();
        var id = created.Id!;
        var unknown = await GetAsync("/api/fhir/ServiceRequest/nope", theirs, (f, r) => f.ReadServiceRequest(r, "nope"));
        var notTheirs = await GetAsync($"/api/fhir/ServiceRequest/{created.Id}", theirs, (f, r) => f.ReadServiceRequest(r, id));
        var search = await TestHub.CallAsync(HttpCall.Request("GET", "/api/fhir/Task", apiKey: theirs, query: $"?focus=ServiceRequest/{created.Id}"), r => hub.Function<ReferralSearchHttp>().SearchTask(r));

        // Another practice's referral is indistinguishable from one that does not exist.
        Assert.Equal(404, notTheirs.Status);
        Assert.Equal(unknown.Status, notTheirs.Status);
        Assert.Equal(unknown.Body.Replace("nope", id, StringComparison.Ordinal).Length, notTheirs.Body.Length);
        Assert.Equal(0, search.As<Bundle>().Total);
    }

    [Fact]
    public async System.Threading.Tasks.Task Missing_wrong_revoked_and_rotated_keys()
    {
        var keys = hub.Get<ApiKeys>();
        var key = await hub.KeyForAsync("practice-a-keys", Practice);
        var keyId = key.Split('_')[1];

        Assert.Equal(401, (await PostAsync("/api/fhir/ServiceRequest", Json(ServiceRequest()), FhirMediaTypes.Json, null)).Status);
        // A wrong key: the right one with its last two characters changed (to ones it does not already end with).
        Assert.Equal(401, (await PostAsync("/api/fhir/ServiceRequest", Json(ServiceRequest()), FhirMediaTypes.Json, key[..^2] + (key.EndsWith("00", StringComparison.Ordinal) ? "11" : "00"))).Status);

        var rotated = await keys.RotateAsync(keyId, TimeSpan.FromHours(1));
        Assert.NotNull(rotated);
        Assert.Equal(201, (await PostAsync("/api/fhir/ServiceRequest", Json(ServiceRequest()), FhirMediaTypes.Json, key)).Status);
        Assert.Equal(201, (await PostAsync("/api/fhir/ServiceRequest", Json(ServiceRequest()), FhirMediaTypes.Json, rotated.ApiKey)).Status);

        Assert.True(await keys.RevokeAsync(keyId));
        var revoked = await PostAsync("/api/fhir/ServiceRequest", Json(ServiceRequest()), FhirMediaTypes.Json, key);
        Assert.Equal(401, revoked.Status);
        Assert.Equal(OperationOutcome.IssueType.Login, revoked.Outcome.Issue.Single().Code);
        Assert.Equal(201, (await PostAsync("/api/fhir/ServiceRequest", Json(ServiceRequest()), FhirMediaTypes.Json, rotated.ApiKey)).Status);
    }

    [Fact]
    public async System.Threading.Tasks.Task The_capability_statement_lists_what_is_implemented()
    {
        var answer = await TestHub.CallAsync(HttpCall.Request("GET", "/api/fhir/metadata"), r => System.Threading.Tasks.Task.FromResult(hub.Function<ReferralReadHttp>().Metadata(r)));

        var capabilities = answer.As<CapabilityStatement>();
        var rest = capabilities.Rest.Single();
        Assert.Equal(["ServiceRequest", "Task", "HealthcareService", "Observation", "QuestionnaireResponse", "Questionnaire", "CodeSystem", "MeasureReport", "CarePlan", "Goal"], rest.Resource.Select(r => r.Type));
        Assert.Equal(["create", "read", "vread", "update", "search-type"], rest.Resource[0].Interaction.Select(i => i.CodeElement.JsonValue));
        Assert.Equal(["read", "search-type", "update", "patch"], rest.Resource[1].Interaction.Select(i => i.CodeElement.JsonValue));
        Assert.Equal(["identifier", "based-on", "_id", "_lastUpdated"], rest.Resource[0].SearchParam.Select(p => p.Name));
        Assert.Equal(["focus", "part-of", "owner", "status", "_lastUpdated"], rest.Resource[1].SearchParam.Select(p => p.Name));
        Assert.True(rest.Resource[0].ConditionalCreate);
        Assert.Equal("process-message", rest.Operation.Single().Name);
    }
}

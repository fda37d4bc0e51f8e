using System.Text;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Chase;
using Hub.Intake;
using Hub.Platform.Fhir;
using Hub.Tests.Infrastructure;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.Chase;

/// <summary>A chase slow enough for a provider's system to act on an offer (reminders and escalation minutes away).</summary>
public sealed class ProviderApiHub : TestHub
{
    protected override void Setup(HubSetup hub) => hub.FastChase()
        .Set("Chase:Reminders:0", "00:02:00")
        .Set("Chase:Reminders:1", "00:02:30")
        .Set("Chase:EscalateAfter", "00:03:00")
        .Set("Links:Lifetime", "00:10:00");
}

/// <summary>The provider API: keys scoped to a provider's own HealthcareServices; its work by search; the referral in
/// full only once accepted; the Task moved only by the performer's transitions, through the links' own code.</summary>
public sealed class ProviderApiTests(ProviderApiHub hub) : IClassFixture<ProviderApiHub>
{
    private async Task<string> ProviderKeyAsync(string providerId)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"clientId": "{{providerId}}-system-{{Guid.NewGuid():N}}", "name": "{{providerId}}'s system", "role": "provider", "providerIds": ["{{providerId}}"]}""");
        var answer = await TestHub.CallAsync(HttpCall.Request("POST", "/api/manage/clients", body, "application/json"), r => hub.Function<ApiKeysAdminHttp>().SaveClient(r));
        Assert.Equal(201, answer.Status);
        Assert.Contains($"\"{providerId}\"", answer.Body, StringComparison.Ordinal);
        return System.Text.Json.JsonDocument.Parse(answer.Body).RootElement.GetProperty("apiKey").GetString()!;
    }

    private Task<HttpAnswer> ReadTaskAsync(string key, string taskId) =>
        TestHub.CallAsync(HttpCall.Request("GET", $"/api/fhir/Task/{taskId}", apiKey: key), r => hub.Function<ReferralReadHttp>().ReadTask(r, taskId));

    private Task<HttpAnswer> ReadReferralAsync(string key, string referralId) =>
        TestHub.CallAsync(HttpCall.Request("GET", $"/api/fhir/ServiceRequest/{referralId}", apiKey: key), r => hub.Function<ReferralReadHttp>().ReadServiceRequest(r, referralId));

    private Task<HttpAnswer> SearchAsync(string key, string query) =>
        TestHub.CallAsync(HttpCall.Request("GET", "/api/fhir/Task", apiKey: key, query: query), r => hub.Function<ReferralSearchHttp>().SearchTask(r));

    private Task<HttpAnswer> PutAsync(string key, string taskId, string status, string? ifMatch, string? reasonCode = null)
    {
        var task = new FhirTask { Id = taskId, Status = Hl7.Fhir.Utility.EnumUtility.ParseLiteral<FhirTask.TaskStatus>(status), Intent = FhirTask.TaskIntent.Order };
        if (reasonCode is not null)
        {
            task.StatusReason = new CodeableConcept("https://example.org/reasons", reasonCode, reasonCode);
        }

        var request = HttpCall.Request("PUT", $"/api/fhir/Task/{taskId}", Encoding.UTF8.GetBytes(new FhirSerializer().Serialize(task, FhirFormat.Json)), "application/fhir+json", apiKey: key);
        if (ifMatch is not null)
        {
            request.Headers.IfMatch = ifMatch;
        }

        return TestHub.CallAsync(request, r => hub.Function<ProviderTaskHttp>().Update(r, taskId, hub.Durable));
    }

    /// <summary>PUT with the version just read (read again if a reminder moved the Task in between).</summary>
    private async Task<HttpAnswer> MoveAsync(string key, string taskId, string status, string? reasonCode = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var read = await ReadTaskAsync(key, taskId);
            Assert.Equal(200, read.Status);
            var answer = await PutAsync(key, taskId, status, read.Headers.ETag.ToString(), reasonCode);
            if (answer.Status != 412 || attempt == 3)
            {
                return answer;
            }
        }
    }

    [Fact]
    public async System.Threading.Tasks.Task A_provider_key_finds_and_reads_only_what_is_offered_to_it_and_a_practice_key_cannot_act_as_a_provider()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        await hub.OfferAsync("alpha", referralId);
        var alpha = await ProviderKeyAsync("alpha");
        var beta = await ProviderKeyAsync("beta");

        var work = (await SearchAsync(alpha, "?owner=HealthcareService/alpha&status=received,accepted,in-progress&_count=100")).As<Bundle>();
        Assert.Contains(work.Entry, e => e.Resource.Id == taskId);
        var page = await Eventually.ValueAsync(() => SearchAsync(alpha, "?owner=HealthcareService/alpha&_lastUpdated=gt2020-01-01&_count=100"), a => a.Status == 200);
        Assert.Contains(page.As<Bundle>().Entry, e => e.Resource.Id == taskId);

        // Another provider, or another provider's owner: the same 404 and nothing found.
        Assert.DoesNotContain((await SearchAsync(beta, "?_count=100")).As<Bundle>().Entry, e => e.Resource.Id == taskId);
        Assert.Empty((await SearchAsync(beta, "?owner=HealthcareService/alpha")).As<Bundle>().Entry);
        var notFound = await ReadTaskAsync(beta, taskId);
        Assert.Equal(404, notFound.Status);
        Assert.Equal(404, (await ReadReferralAsync(beta, referralId)).Status);
        Assert.IsType<OperationOutcome>(notFound.Resource);

        // Offered, not accepted: only what the offer email carries.
        var offered = await ReadReferralAsync(alpha, referralId);
        Assert.Equal(200, offered.Status);
        Assert.Equal("Richard", offered.As<ServiceRequest>().Subject.Display);
        foreach (var secret in new[] { "SMITH", "9912003888", "Sandmoor", "01131231234", "1970" })
        {
            Assert.DoesNotContain(secret, offered.Body, StringComparison.Ordinal);
        }

        // A provider key reads no practice's referrals by search; a practice key cannot move a Task.
        var practice = await hub.KeyForAsync(Journey.PracticeClient, ReferralExamples.Practice);
        Assert.Equal(404, (await PutAsync(practice, taskId, "accepted", "W/\"1\"")).Status);
        var everything = await TestHub.CallAsync(HttpCall.Request("GET", "/api/fhir/ServiceRequest", apiKey: alpha), r => hub.Function<ReferralSearchHttp>().SearchServiceRequest(r));
        Assert.Equal(400, everything.Status);
        Assert.Equal("_id", everything.As<OperationOutcome>().Issue[0].Expression.Single());

        // A provider key with practices is refused at the admin endpoint.
        var mixed = Encoding.UTF8.GetBytes("""{"clientId": "mixed", "role": "provider", "providerIds": ["alpha"], "practiceOdsCodes": ["A81001"]}""");
        Assert.Equal(400, (await TestHub.CallAsync(HttpCall.Request("POST", "/api/manage/clients", mixed, "application/json"), r => hub.Function<ApiKeysAdminHttp>().SaveClient(r))).Status);
    }

    [Fact]
    public async System.Threading.Tasks.Task Accepted_through_the_API_the_provider_reads_in_full_and_moves_only_the_performers_transitions()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        await hub.OfferAsync("alpha", referralId);
        var alpha = await ProviderKeyAsync("alpha");

        // Before acceptance only accepted or rejected; never a requester's status.
        var early = await MoveAsync(alpha, taskId, "in-progress");
        Assert.Equal(409, early.Status);
        Assert.Equal(412, (await PutAsync(alpha, taskId, "accepted", "W/\"999\"")).Status);
        Assert.Equal(428, (await PutAsync(alpha, taskId, "accepted", null)).Status);

        var accepted = await MoveAsync(alpha, taskId, "accepted");
        Assert.Equal(200, accepted.Status);
        await hub.AuditWithAsync(referralId, "accepted");
        await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.InProgress);

        var full = await Eventually.ValueAsync(() => ReadReferralAsync(alpha, referralId), a => a.Status == 200);
        Assert.Equal(referralId, full.As<ServiceRequest>().Id);
        var viewed = await hub.AuditWithAsync(referralId, "handover-viewed");
        Assert.Contains(viewed, a => a.Event == "handover-viewed" && a.Actor == "provider:alpha");

        // The requester's transition: 409 naming it. A stop without a reason: 422.
        var requested = await MoveAsync(alpha, taskId, "requested");
        Assert.Equal(409, requested.Status);
        Assert.Contains("requested", requested.Outcome.Issue[0].Diagnostics, StringComparison.Ordinal);
        var noReason = await MoveAsync(alpha, taskId, "failed");
        Assert.Equal(422, noReason.Status);
        Assert.Contains("statusReason", noReason.Outcome.Issue[0].Diagnostics, StringComparison.Ordinal);

        var started = await MoveAsync(alpha, taskId, "in-progress");
        Assert.Equal(200, started.Status);
        Assert.Equal(FhirTask.TaskStatus.InProgress, started.As<FhirTask>().Status);
        await hub.AuditWithAsync(referralId, "progress-reported");

        var found = (await SearchAsync(alpha, "?owner=HealthcareService/alpha&status=in-progress&_count=100")).As<Bundle>();
        Assert.Contains(found.Entry, e => e.Resource.Id == taskId);

        // PATCH (a JSON merge patch of status and statusReason): stopped, with the coded reason.
        var version = (await ReadTaskAsync(alpha, taskId)).Headers.ETag.ToString();
        var patch = HttpCall.Request("PATCH", $"/api/fhir/Task/{taskId}",
            Encoding.UTF8.GetBytes("""{"status":"failed","statusReason":{"coding":[{"code":"moved-away"}],"text":"Moved away"}}"""),
            "application/merge-patch+json", apiKey: alpha);
        patch.Headers.IfMatch = version;
        var stopped = await TestHub.CallAsync(patch, r => hub.Function<ProviderTaskHttp>().Patch(r, taskId, hub.Durable));
        Assert.Equal(200, stopped.Status);
        Assert.Equal(FhirTask.TaskStatus.Failed, stopped.As<FhirTask>().Status);
        Assert.Equal("moved-away", stopped.As<FhirTask>().StatusReason.Coding[0].Code);
    }

    [Fact]
    public async System.Threading.Tasks.Task Link_and_API_racing_to_accept_one_wins_and_the_orchestration_hears_one_answer()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        var offer = await hub.OfferAsync("alpha", referralId);
        var alpha = await ProviderKeyAsync("alpha");
        var read = await ReadTaskAsync(alpha, taskId);

        var link = hub.ConfirmAsync(ProviderLinks.Find(offer, "Accept")!);
        var api = PutAsync(alpha, taskId, "accepted", read.Headers.ETag.ToString());
        await System.Threading.Tasks.Task.WhenAll(link, api);

        Assert.Contains("Referral accepted", (await link).Body, StringComparison.Ordinal);
        Assert.True((await api).Status is 200 or 412, (await api).ToString());
        var audit = await hub.AuditWithAsync(referralId, "accepted");
        Assert.Single(audit, a => a.Event == "provider-accepted");
        Assert.Single(audit, a => a.Event == "accepted");

        // Declining afterwards through either is refused: the first answer stands.
        var decline = await MoveAsync(alpha, taskId, "rejected", "no-capacity");
        Assert.Equal(409, decline.Status);
        await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.InProgress);
    }
    [Fact]
    public async System.Threading.Tasks.Task Link_decline_and_API_accept_racing_one_wins_the_loser_is_told_and_one_decision_is_audited()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        var offer = await hub.OfferAsync("alpha", referralId);
        var alpha = await ProviderKeyAsync("alpha");
        var read = await ReadTaskAsync(alpha, taskId);

        var link = hub.ConfirmAsync(ProviderLinks.Find(offer, "Decline")!, ("reason", "no-capacity"));
        var api = PutAsync(alpha, taskId, "accepted", read.Headers.ETag.ToString());
        await System.Threading.Tasks.Task.WhenAll(link, api);

        var page = (await link).Body;
        var answer = await api;
        var audit = await hub.AuditWhenAsync(referralId, a => a.Any(e => e.Event is "provider-accepted" or "provider-declined") && a.Any(e => e.Event is "accepted" or "declined"),
            "one decision in the audit");
        var decisions = audit.Where(a => a.Event is "provider-accepted" or "provider-declined").ToList();
        Assert.Single(decisions);
        if (decisions[0].Event == "provider-accepted")
        {
            // The API won: the link's page says what was decided, not that the decline went through.
            Assert.Equal(200, answer.Status);
            Assert.Matches("Referral accepted|Your acceptance is recorded", page);
            Assert.DoesNotContain("declined", page, StringComparison.OrdinalIgnoreCase);
            await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.InProgress);
        }
        else
        {
            // The link won: the API is told, by a 409 naming the transition and what was decided (or 412: the Task moved).
            Assert.Matches("Referral declined|Your decline is recorded", page);
            Assert.True(answer.Status is 409 or 412, answer.ToString());
            if (answer.Status == 409)
            {
                Assert.Contains("rejected", answer.Outcome.Issue[0].Diagnostics, StringComparison.Ordinal);
            }
        }

        var settled = await hub.AuditWithAsync(referralId, decisions[0].Event == "provider-accepted" ? "accepted" : "declined");
        Assert.DoesNotContain(settled, a => a.Event == (decisions[0].Event == "provider-accepted" ? "declined" : "accepted") && a.Actor == "provider:alpha");
    }
    private async Task<(int Scanned, int Indexed)> IndexOwnersAsync(string query = "?count=50")
    {
        var (scanned, indexed) = (0, 0);
        for (var next = (string?)null; ;)
        {
            var answer = await TestHub.CallAsync(HttpCall.Request("POST", "/api/manage/tasks/index-owners", query: next is null ? query : $"{query}&continuation={Uri.EscapeDataString(next)}"),
                r => hub.Function<ProviderTaskHttp>().IndexOwners(r));
            Assert.Equal(200, answer.Status);
            var body = System.Text.Json.JsonDocument.Parse(answer.Body).RootElement;
            scanned += body.GetProperty("scanned").GetInt32();
            indexed += body.GetProperty("indexed").GetInt32();
            next = body.GetProperty("next").ValueKind == System.Text.Json.JsonValueKind.Null ? null : body.GetProperty("next").GetString();
            if (next is null)
            {
                return (scanned, indexed);
            }
        }
    }

    [Fact]
    public async System.Threading.Tasks.Task A_Task_offered_before_the_owner_index_existed_is_found_after_the_operators_backfill_run_any_number_of_times()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        await hub.OfferAsync("alpha", referralId);
        var alpha = await ProviderKeyAsync("alpha");
        Assert.Equal(200, (await ReadTaskAsync(alpha, taskId)).Status);

        // As before the index: no row for the Task.
        var owners = await hub.Get<Hub.Platform.Storage.HubTables>().GetAsync(Hub.Referrals.TaskStore.OwnersTable);
        await owners.DeleteEntityAsync("alpha", taskId);
        Assert.Equal(404, (await ReadTaskAsync(alpha, taskId)).Status);
        Assert.DoesNotContain((await SearchAsync(alpha, "?owner=HealthcareService/alpha&_count=100")).As<Bundle>().Entry, e => e.Resource.Id == taskId);

        var first = await IndexOwnersAsync();
        Assert.True(first.Scanned >= 1 && first.Indexed >= 1, first.ToString());
        Assert.Equal(200, (await ReadTaskAsync(alpha, taskId)).Status);
        var page = await Eventually.ValueAsync(() => SearchAsync(alpha, "?owner=HealthcareService/alpha&_count=100"), a => a.As<Bundle>().Entry.Any(e => e.Resource.Id == taskId));
        Assert.Single(page.As<Bundle>().Entry, e => e.Resource.Id == taskId);

        // Again: nothing changes, nothing doubles.
        await IndexOwnersAsync("?count=7");
        var again = (await SearchAsync(alpha, "?owner=HealthcareService/alpha&_count=100")).As<Bundle>();
        Assert.Single(again.Entry, e => e.Resource.Id == taskId);
        Assert.Equal(404, (await ReadTaskAsync(await ProviderKeyAsync("beta"), taskId)).Status);

        var bad = await TestHub.CallAsync(HttpCall.Request("POST", "/api/manage/tasks/index-owners", query: "?count=0"), r => hub.Function<ProviderTaskHttp>().IndexOwners(r));
        Assert.Equal(400, bad.Status);
    }

    private Task<HttpAnswer> SearchReferralAsync(string key, string query) =>
        TestHub.CallAsync(HttpCall.Request("GET", "/api/fhir/ServiceRequest", apiKey: key, query: query), r => hub.Function<ReferralSearchHttp>().SearchServiceRequest(r));

    [Fact]
    public async System.Threading.Tasks.Task The_accepting_providers_system_gets_the_referrals_bundled_resources_by_include_and_an_offered_one_only_the_minimum()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        await hub.OfferAsync("alpha", referralId);
        var alpha = await ProviderKeyAsync("alpha");
        var beta = await ProviderKeyAsync("beta");

        // Offered: the offer's minimum matches, and nothing is included however it is asked.
        var offered = await SearchReferralAsync(alpha, $"?_id={referralId}&_include=*");
        Assert.Equal(200, offered.Status);
        var offeredBundle = offered.As<Bundle>();
        Assert.Equal(referralId, Assert.Single(offeredBundle.Entry).Resource.Id);
        Assert.DoesNotContain("Sandmoor", offered.Body, StringComparison.Ordinal);
        Assert.Empty((await SearchReferralAsync(beta, $"?_id={referralId}&_include=*")).As<Bundle>().Entry);
        Assert.Equal(400, (await SearchReferralAsync(alpha, $"?_id={referralId}&_include=ServiceRequest:performer")).Status);

        Assert.Equal(200, (await MoveAsync(alpha, taskId, "accepted")).Status);
        await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.InProgress);

        // Accepted: the referral with the person (address, phone) and the referrer, marked as included.
        var full = await SearchReferralAsync(alpha, $"?_id={referralId}&_include=ServiceRequest:subject&_include=ServiceRequest:requester");
        Assert.Equal(200, full.Status);
        var bundle = full.As<Bundle>();
        Assert.Equal(referralId, Assert.Single(bundle.Entry, e => e.Search.Mode == Bundle.SearchEntryMode.Match).Resource.Id);
        var patient = Assert.IsType<Patient>(Assert.Single(bundle.Entry, e => e.Resource is Patient).Resource);
        Assert.Equal(Bundle.SearchEntryMode.Include, bundle.Entry.Single(e => e.Resource is Patient).Search.Mode);
        Assert.Contains("Sandmoor", full.Body, StringComparison.Ordinal);
        Assert.Equal("9912003888", patient.Identifier.Single(i => i.System == "https://fhir.nhs.uk/Id/nhs-number").Value);
        Assert.Contains(bundle.Entry, e => e.Search.Mode == Bundle.SearchEntryMode.Include && e.Resource is not Patient);
        Assert.Equal(1, bundle.Total);
        Assert.Contains(await hub.AuditWithAsync(referralId, "handover-viewed"), a => a.Actor == "provider:alpha");
    }
}

using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Hub.Tests.Infrastructure;
using Hub.WriteBack;

namespace Hub.Tests.WriteBack;

/// <summary>A chase and a practice FHIR server, with progress write-backs retried in seconds.</summary>
public sealed class ProgressWriteBackHub : TestHub
{
    protected override void Setup(HubSetup hub) => hub.FastChase().WithPracticeFhirServer()
        .Set("WriteBack:ProgressFirstRetryAfter", "00:00:00.500")
        .Set("WriteBack:ProgressLongestRetryAfter", "00:00:01");
}

/// <summary>The provider's declined, started and finished go into the GP record as coded entries, through the outcome
/// write-back's conditional transaction; without consent codes only; retried while the practice's server is down.</summary>
public sealed class ProgressWriteBackTests(ProgressWriteBackHub hub) : IClassFixture<ProgressWriteBackHub>
{
    private static readonly string[] Narrative = ["Richard", "SMITH", "Smith", "Sandmoor", "01131231234", "richard.smith@example.com", "reports that"];

    private async Task<(string ReferralId, string Link)> AcceptedAsync(Action<Bundle>? change = null)
    {
        var (referralId, _, _) = await hub.AcceptedAsync(change);
        var link = ProviderLinks.Find(await hub.OfferAsync("alpha", referralId), "Accept")!;
        await hub.AuditWithAsync(referralId, "accepted", "follow-up-planned");
        return (referralId, link);
    }

    private async System.Threading.Tasks.Task ReportAsync(string link, params (string Name, string Value)[] fields) =>
        Assert.Equal(200, (await ProviderLinks.ReportProgressAsync(hub, link, fields)).Answer.Status);

    private List<Observation> Written(string referralId) =>
        hub.Practice.All<Observation>().Where(o => o.Identifier.Any(i => i.System == GpProgressResources.IdSystem && i.Value.StartsWith(referralId, StringComparison.Ordinal))).ToList();

    private Task<List<Observation>> WrittenAsync(string referralId, int count) =>
        Eventually.ValueAsync(async () =>
        {
            await hub.Get<GpProgressWrites>().RunAsync();
            return Written(referralId);
        }, w => w.Count >= count, what: $"{count} progress entries in the GP record of {referralId}");

    [Fact]
    public async System.Threading.Tasks.Task Declined_is_written_to_the_GP_record_as_social_prescribing_declined_with_the_providers_note_under_consent()
    {
        var (referralId, link) = await AcceptedAsync();
        await ReportAsync(link, ("report", "declined"));

        var declined = Assert.Single(await WrittenAsync(referralId, 1));
        Assert.Equal((FhirCodes.Snomed, "871711000000103"), (declined.Code.Coding[0].System, declined.Code.Coding[0].Code));
        Assert.Equal(FhirCodes.NhsNumberSystem, declined.Subject.Identifier.System);
        Assert.NotNull(declined.BasedOn.Single().Identifier);
        Assert.Contains("declined", Assert.Single(declined.Note).Text, StringComparison.Ordinal);
        var audit = await hub.AuditWithAsync(referralId, "written-back");
        Assert.Contains(audit, a => a.Event == "written-back" && a.Outcome == "progress-declined");

        // Once: the timer again, or the same report applied again, writes nothing more.
        await hub.Get<GpProgressWrites>().RunAsync();
        Assert.Single(Written(referralId));
        Assert.Equal(Hub.FollowUp.WriteBackState.Written, await hub.Get<GpProgressWrites>().StateAsync(referralId, GpProgressPoint.Declined));
    }

    [Fact]
    public async System.Threading.Tasks.Task Without_consent_started_and_finished_go_as_codes_only()
    {
        var (referralId, link) = await AcceptedAsync(b =>
        {
            b.Entry.RemoveAll(e => e.Resource is Consent);
            b.Entry.Select(e => e.Resource).OfType<ServiceRequest>().Single().SupportingInfo.Clear();
        });
        await ReportAsync(link, ("report", "first-session"), ("day", "1"), ("month", "12"), ("year", "2026"));
        await ReportAsync(link, ("report", "finished"), ("outcome", "goals-met"));

        var written = await WrittenAsync(referralId, 2);
        // The hub's own concepts: the referral's code is what GP systems count once per episode (the PCN indicator).
        Assert.All(written, o => Assert.Equal(GpProgressResources.StatusSystem, o.Code.Coding.Single().System));
        Assert.All(written, o => Assert.DoesNotContain(FhirCodes.ReferralToSocialPrescribing, o.Code.Coding.Select(c => c.Code)));
        Assert.All(written, o => Assert.Empty(o.Note));
        Assert.All(written, o => Assert.Null(o.Text));
        var started = written.Single(o => o.Code.Coding[0].Code == "started");
        Assert.Equal("2026-12-01", ((FhirDateTime)started.Effective).Value[..10]);
        var finished = written.Single(o => o.Code.Coding[0].Code == "finished");
        Assert.Equal("goals-met", ((CodeableConcept)finished.Component.Single().Value).Coding[0].Code);

        var sent = string.Join('\n', hub.Practice.Requests.Select(r => r.Body).Where(b => b.Contains(GpProgressResources.IdSystem, StringComparison.Ordinal) && b.Contains(referralId, StringComparison.Ordinal)));
        foreach (var text in Narrative)
        {
            Assert.DoesNotContain(text, sent, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async System.Threading.Tasks.Task A_practice_server_that_is_down_gets_the_entry_once_it_is_back()
    {
        var (referralId, link) = await AcceptedAsync();
        await hub.Get<GpProgressWrites>().RunAsync();
        hub.Practice.GoDown(2);
        await ReportAsync(link, ("report", "declined"));

        Assert.Single(await WrittenAsync(referralId, 1));
        Assert.Contains(hub.Practice.Requests, r => r.Answered == 503 && r.Body.Contains(GpProgressResources.IdSystem, StringComparison.Ordinal) && r.Body.Contains(referralId, StringComparison.Ordinal));
        await hub.Get<GpProgressWrites>().RunAsync();
        Assert.Single(Written(referralId));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_refused_point_is_listed_for_the_operator_and_its_retry_writes_it_once_when_the_practice_takes_it()
    {
        var (referralId, link) = await AcceptedAsync();
        await hub.Get<GpProgressWrites>().RunAsync();
        var operations = hub.Function<Hub.Operations.ProgressWriteBackHttp>();
        Task<HttpAnswer> RetryAsync(string point = "declined") =>
            TestHub.CallAsync(HttpCall.Request("POST", $"/api/manage/write-backs/{referralId}/progress/{point}/retry"), r => operations.Retry(r, referralId, point));
        Task<HttpAnswer> ListAsync() => TestHub.CallAsync(HttpCall.Request("GET", "/api/manage/write-backs/progress"), r => operations.List(r));

        hub.Practice.Refuse(true);
        try
        {
            await ReportAsync(link, ("report", "declined"));
            await Eventually.ValueAsync(async () =>
            {
                await hub.Get<GpProgressWrites>().RunAsync();
                return await hub.Get<GpProgressWrites>().StateAsync(referralId, GpProgressPoint.Declined);
            }, s => s == Hub.FollowUp.WriteBackState.Refused, what: "the declined point to be refused");

            // The operator sees it, with the server's reasons.
            var listed = await ListAsync();
            Assert.Equal(200, listed.Status);
            using (var parked = System.Text.Json.JsonDocument.Parse(listed.Body))
            {
                var mine = parked.RootElement.GetProperty("parked").EnumerateArray().Single(p => p.GetProperty("referralId").GetString() == referralId);
                Assert.Equal(("declined", "refused"), (mine.GetProperty("point").GetString(), mine.GetProperty("state").GetString()));
                Assert.Contains("not registered", mine.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }

            // Retried before the cause is fixed: refused again, and audited again.
            var early = await RetryAsync();
            Assert.Equal(202, early.Status);
            Assert.Contains("\"state\": \"refused\"", early.Body, StringComparison.Ordinal);
            Assert.Equal(2, (await hub.AuditWithAsync(referralId, "write-back-parked")).Count(a => a.Event == "write-back-parked" && a.Outcome == "progress-declined:refused"));
        }
        finally
        {
            hub.Practice.Refuse(false);
        }

        var retried = await RetryAsync();
        Assert.Equal(202, retried.Status);
        Assert.Contains("\"state\": \"written\"", retried.Body, StringComparison.Ordinal);
        Assert.Single(Written(referralId));
        Assert.Contains(await hub.AuditWithAsync(referralId, "written-back"), a => a.Event == "written-back" && a.Outcome == "progress-declined");

        // Sent again, or the timer again: nothing more is written, and nothing is listed.
        Assert.Equal(409, (await RetryAsync()).Status);
        await hub.Get<GpProgressWrites>().RunAsync();
        Assert.Single(Written(referralId));
        Assert.DoesNotContain(referralId, (await ListAsync()).Body, StringComparison.Ordinal);
        Assert.Equal(404, (await RetryAsync("started")).Status);
        Assert.Equal(400, (await RetryAsync("half-way")).Status);
    }
}

using Hl7.Fhir.Model;
using Hub.FollowUp;
using Hub.LinkWork;
using Hub.Platform.Fhir;
using Hub.Tests.Infrastructure;
using static Hub.Tests.LinkWork.EpisodeJourney;

namespace Hub.Tests.LinkWork;

/// <summary>A link-work hub with a practice FHIR server to write the discharge to, retried in seconds.</summary>
public sealed class EpisodeWriteBackHub : TestHub
{
    /// <summary>Every span and log line, as an exporter would see them.</summary>
    public TelemetryCapture Telemetry { get; } = new();

    protected override void Setup(HubSetup hub) => hub.FastChase().WithPracticeFhirServer().Set("Links:Lifetime", "00:30:00")
        .Set("WriteBack:ProgressFirstRetryAfter", "00:00:00.500")
        .Set("WriteBack:ProgressLongestRetryAfter", "00:00:01")
        .CaptureTelemetry(Telemetry);
}

/// <summary>Closing the episode writes the discharge to the GP record as coded entries: the close reason with what was
/// offered and taken up, each goal and its status, the link worker's assessments as the follow-up's Observations; a
/// narrative only with consent; once however often it runs; a refusal kept for operators.</summary>
public sealed class EpisodeWriteBackTests(EpisodeWriteBackHub hub) : IClassFixture<EpisodeWriteBackHub>
{
    private static readonly string[] Words = ["allotment", "grandson", "Meet people", "Walk to the shops", "Tuesday lunch", "Lonely", "Richard", "SMITH"];

    private List<Observation> Discharge(string referralId) =>
        [.. hub.Practice.All<Observation>().Where(o => o.Identifier.Any(i => i.System == EpisodeGpEntries.IdSystem && i.Value.StartsWith(referralId, StringComparison.Ordinal)))];

    private List<Observation> Assessments(string referralId) =>
        [.. hub.Practice.All<Observation>().Where(o => o.Identifier.Any(i => i.System == OutcomeResources.OutcomeIdSystem && i.Value.StartsWith($"{referralId}-lw", StringComparison.Ordinal)))];

    private Task<List<Observation>> WrittenAsync(string referralId, int count) =>
        Eventually.ValueAsync(async () =>
        {
            await hub.Get<EpisodeWriteBacks>().RunAsync();
            return Discharge(referralId);
        }, w => w.Count >= count, what: $"{count} discharge entries in the GP record of {referralId}");

    private static async System.Threading.Tasks.Task AssessAsync(TestHub hub, string link)
    {
        var day = Yesterday;
        Assert.Equal(200, (await RecordAsync(hub, link, "assessment", ("assessment-day", $"{day.Day}"), ("assessment-month", $"{day.Month}"), ("assessment-year", $"{day.Year}"),
            ("assessment-ons4-1", "6"), ("assessment-ons4-2", "7"), ("assessment-ons4-3", "5"), ("assessment-ons4-4", "4"))).Answer.Status);
    }

    private static CodeableConcept Value(Observation o) => (CodeableConcept)o.Value!;

    private static int Component(Observation o, string code) => ((Integer)o.Component.Single(c => c.Code.Coding[0].Code == code).Value).Value!.Value;

    [Fact]
    public async System.Threading.Tasks.Task The_discharge_goes_to_the_GP_record_as_coded_entries_with_the_narrative_under_consent_and_once()
    {
        var (referralId, _, link) = await hub.LinkWorkerAcceptedAsync();
        await RecordPlanAsync(hub, link);
        await AssessAsync(hub, link);
        await RecordAsync(hub, link, "action-status", ("status-action", "1.1"), ("action-status", "completed"));
        await RecordAsync(hub, link, "goal-progress", ("progress-goal", "1"), ("progress", "achieved"));
        Assert.Equal(200, (await RecordAsync(hub, link, "close", ("close-reason", "goals-met"))).Answer.Status);

        var written = await WrittenAsync(referralId, 3);
        var closed = written.Single(o => o.Code.Coding[0].Code == "episode-closed");
        Assert.Equal(EpisodeGpEntries.System, closed.Code.Coding[0].System);
        Assert.Equal((EpisodeCodes.CloseReasonSystem, "goals-met"), (Value(closed).Coding[0].System, Value(closed).Coding[0].Code));
        Assert.Equal((1, 1, 1, 0, 0), (Component(closed, "contacts"), Component(closed, "plan-actions"), Component(closed, "plan-actions-done"),
            Component(closed, "connections-offered"), Component(closed, "connections-taken-up")));
        Assert.Equal(FhirCodes.NhsNumberSystem, closed.Subject.Identifier.System);
        Assert.Null(closed.BasedOn.Single().Reference);
        Assert.NotNull(closed.BasedOn.Single().Identifier);
        Assert.Contains("allotment", Assert.Single(closed.Note).Text, StringComparison.Ordinal);

        var goals = written.Where(o => o.Code.Coding[0].Code == "plan-goal").OrderBy(o => o.Identifier[0].Value, StringComparer.Ordinal).ToList();
        Assert.Equal(["achieved", "in-progress"], goals.Select(g => Value(g).Coding[0].Code));
        Assert.Equal((9, 4), (Component(goals[0], "goal-importance"), Component(goals[0], "goal-confidence")));
        Assert.Equal("Meet people weekly", goals[0].Note.Single().Text);
        Assert.All(written, o => Assert.DoesNotContain(FhirCodes.ReferralToSocialPrescribing, o.Code.Coding.Select(c => c.Code)));

        // The assessment as the follow-up's: a QuestionnaireResponse and one Observation per ONS4 item, the link worker's.
        var assessed = Assessments(referralId);
        Assert.Equal(4, assessed.Count);
        Assert.All(assessed, o => Assert.Equal("Organization", o.Performer.Single().Type));
        Assert.Single(hub.Practice.All<QuestionnaireResponse>(), r => r.Identifier?.Value == $"{referralId}-lw1");
        var validator = FhirValidation.NewValidator();
        foreach (var observation in written.Concat(assessed))
        {
            FhirValidation.AssertValid(validator, observation);
        }

        Assert.Equal(WriteBackState.Written, (await hub.Get<EpisodeWriteBacks>().StateAsync(referralId))!.Value.State);
        var audit = await hub.AuditWithAsync(referralId, "written-back");
        Assert.Single(audit, a => a.Event == "written-back" && a.Outcome == EpisodeWriteBacks.Kind);

        // Once: the timer again, and the close sent again, write nothing more.
        var count = Discharge(referralId).Count;
        await hub.Get<EpisodeWriteBacks>().RunAsync();
        Assert.Equal(count, Discharge(referralId).Count);
        Assert.Equal(4, Assessments(referralId).Count);
    }

    [Fact]
    public async System.Threading.Tasks.Task Without_consent_the_GP_record_gets_codes_and_numbers_only()
    {
        var (referralId, _, link) = await hub.LinkWorkerAcceptedAsync(b => b.Entry.Select(e => e.Resource).OfType<Consent>().Single().Provision = new Consent.provisionComponent { Type = Consent.ConsentProvisionType.Deny });
        await RecordPlanAsync(hub, link);
        Assert.Equal(200, (await RecordAsync(hub, link, "close", ("close-reason", "could-not-engage"))).Answer.Status);

        var written = await WrittenAsync(referralId, 3);
        Assert.Equal("could-not-engage", Value(written.Single(o => o.Code.Coding[0].Code == "episode-closed")).Coding[0].Code);
        Assert.All(written, o => Assert.Empty(o.Note));
        var sent = string.Join('\n', hub.Practice.Requests.Select(r => r.Body).Where(b => b.Contains(EpisodeGpEntries.IdSystem, StringComparison.Ordinal) && b.Contains(referralId, StringComparison.Ordinal)));
        Assert.NotEmpty(sent);
        foreach (var word in Words)
        {
            Assert.DoesNotContain(word, sent, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async System.Threading.Tasks.Task A_refused_discharge_is_kept_with_the_servers_reason_shown_to_operators_and_written_on_their_retry()
    {
        var (referralId, _, link) = await hub.LinkWorkerAcceptedAsync();
        hub.Practice.Refuse(true);
        try
        {
            Assert.Equal(200, (await RecordAsync(hub, link, "close", ("close-reason", "moved-away"))).Answer.Status);
            var state = await Eventually.ValueAsync(async () =>
            {
                await hub.Get<EpisodeWriteBacks>().RunAsync();
                return await hub.Get<EpisodeWriteBacks>().StateAsync(referralId);
            }, s => s?.State == WriteBackState.Refused, what: $"the discharge of {referralId} refused");
            Assert.Contains("not registered at this practice", state!.Value.Detail, StringComparison.Ordinal);
            var audit = await hub.AuditWithAsync(referralId, "write-back-parked");
            Assert.Contains(audit, a => a.Event == "write-back-parked" && a.Outcome == $"{EpisodeWriteBacks.Kind}:refused");
            Assert.Empty(Discharge(referralId));
            Assert.Equal(409, (await RetryAsync(Guid.NewGuid().ToString())).Status);

            // Fixed at the practice: the operator's retry writes it.
            hub.Practice.Refuse(false);
            var retried = await RetryAsync(referralId);
            Assert.Equal(202, retried.Status);
            Assert.Single(await WrittenAsync(referralId, 1), o => o.Code.Coding[0].Code == "episode-closed");
            Assert.Equal(WriteBackState.Written, (await hub.Get<EpisodeWriteBacks>().StateAsync(referralId))!.Value.State);
            Assert.Equal(409, (await RetryAsync(referralId)).Status);
        }
        finally
        {
            hub.Practice.Refuse(false);
        }
    }

    private Task<HttpAnswer> RetryAsync(string referralId) =>
        TestHub.CallAsync(HttpCall.Request("POST", $"/api/manage/episodes/{referralId}/write-back/retry"), r => hub.Function<EpisodeWriteBackRetryHttp>().Retry(r, referralId));
}

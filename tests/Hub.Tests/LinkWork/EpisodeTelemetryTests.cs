using Hub.LinkWork;
using Hub.Tests.Infrastructure;
using static Hub.Tests.LinkWork.EpisodeJourney;

namespace Hub.Tests.LinkWork;

/// <summary>A link-work hub whose spans and log lines are all kept, as an exporter would see them.</summary>
public sealed class EpisodeTelemetryHub : TestHub
{
    public TelemetryCapture Telemetry { get; } = new();

    protected override void Setup(HubSetup hub) => hub.FastChase().Set("Links:Lifetime", "00:30:00").CaptureTelemetry(Telemetry);
}

/// <summary>The episode's paths (page, provider API, FHIR read, assessment and its Observations, review reminder, close) leave nothing personal in logs or
/// traces: neither the person's details nor the link worker's record of their words.</summary>
public sealed class EpisodeTelemetryTests(EpisodeTelemetryHub hub) : IClassFixture<EpisodeTelemetryHub>
{
    [Fact]
    public async Task The_episode_from_first_contact_to_close_logs_and_traces_nothing_personal()
    {
        var (referralId, _, link) = await hub.LinkWorkerAcceptedAsync();
        await RecordPlanAsync(hub, link);
        var today = DateOnly.FromDateTime(DateTime.UtcNow).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        await RecordAsync(hub, link, "review-date", ("review-date", today));
        Assert.Equal(200, (await RecordAsync(hub, link, "assessment", ("assessment-date", today), ("assessment-ons4-1", "6"), ("assessment-ons4-2", "7"), ("assessment-ons4-3", "5"), ("assessment-ons4-4", "4"))).Answer.Status);
        await hub.Get<EpisodeReviews>().RunAsync();

        var key = await hub.ProviderKeyAsync("alpha");
        Assert.Equal(200, (await TestHub.CallAsync(HttpCall.Request("GET", $"/api/provider/episodes/{referralId}", apiKey: key), r => hub.Function<EpisodeApiHttp>().Read(r, referralId))).Status);
        var practice = await hub.KeyForAsync(Journey.PracticeClient, ReferralExamples.Practice);
        Assert.Equal(200, (await TestHub.CallAsync(HttpCall.Request("GET", $"/api/fhir/CarePlan/{referralId}", apiKey: practice), r => hub.Function<CarePlanReadHttp>().ReadCarePlan(r, referralId))).Status);
        Assert.Equal(200, (await TestHub.CallAsync(HttpCall.Request("GET", "/api/fhir/Observation", query: $"?based-on=ServiceRequest/{referralId}", apiKey: practice),
            r => hub.Function<Hub.FollowUp.OutcomeReadHttp>().SearchObservation(r))).Status);
        Assert.Equal(200, (await RecordAsync(hub, link, "close", ("close-reason", "goals-met"))).Answer.Status);
        await hub.AuditWithAsync(referralId, EpisodeAudit.Closed, EpisodeAudit.ReviewReminded);

        var exported = string.Join('\n', hub.Telemetry.Spans.Select(s => $"{s.DisplayName} {string.Join(' ', s.TagObjects.Select(t => $"{t.Key}={t.Value}"))} {string.Join(' ', s.Events.Select(e => e.Name))}"))
                       + '\n' + string.Join('\n', hub.Telemetry.LogLines);
        Assert.Contains(hub.Telemetry.LogLines, l => l.Contains(referralId, StringComparison.Ordinal)); // the capture really sees the hub's logs
        foreach (var personal in new[] { ReferralExamples.ValidNhsNumber, "Richard", "Smith", "@", "Sandmoor", "allotment", "grandson", "Lonely", "Meet people", "Walk to the shops", "lunch club" })
        {
            Assert.DoesNotContain(personal, exported, StringComparison.OrdinalIgnoreCase);
        }

        // Nor the audit trail.
        var audit = string.Join('\n', (await hub.Get<Hub.Referrals.AuditTrail>().ReadAsync(referralId)).Select(a => $"{a.Event} {a.Actor} {a.Outcome}"));
        Assert.DoesNotContain("allotment", audit, StringComparison.Ordinal);
        Assert.DoesNotContain("Meet people", audit, StringComparison.Ordinal);
    }
}

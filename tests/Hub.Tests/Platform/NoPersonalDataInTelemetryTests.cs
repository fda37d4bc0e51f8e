using Hl7.Fhir.Model;
using Hub.Platform.Telemetry;
using Hub.Tests.Infrastructure;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.Platform;

/// <summary>A follow-up hub (the whole life in seconds) whose spans and log lines are all kept, as an exporter would see them.</summary>
public sealed class TelemetryHub : TestHub
{
    public TelemetryCapture Telemetry { get; } = new();

    protected override void Setup(HubSetup hub) => hub.FastChase().FastFollowUp().CaptureTelemetry(Telemetry)
        // The journey test reports progress and waits for the webhook and the GP record before the person answers: the
        // surveys stay open long enough for that on a busy machine (the follow-up survey replaces the baseline when it
        // goes, so it goes later too; nothing here waits for a window to close).
        .Set("FollowUp:FollowUpAfter", "00:00:15").Set("FollowUp:BaselineWindow", "00:02:00").Set("FollowUp:SurveyWindow", "00:02:00")
        .Set("ProviderWebhooks:AllowHttp", "true").Set("ProviderWebhooks:FirstRetryAfter", "00:00:00.200").Set("ProviderWebhooks:LongestRetryAfter", "00:00:00.500");
}

public sealed class NoPersonalDataInTelemetryTests(TelemetryHub hub) : IClassFixture<TelemetryHub>
{
    [Fact]
    public async System.Threading.Tasks.Task A_referrals_whole_journey_to_write_back_is_one_trace_tagged_with_its_id_and_nothing_personal()
    {
        // Beta's system takes webhooks: its first notification is refused once (the retry's log line is checked too).
        await hub.SeedProvidersAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.FailNext(1);
        var webhook = HttpCall.Request("PUT", "/api/manage/providers/beta/webhook", TestHub.Utf8($$"""{"endpoint": "{{receiver.Endpoint}}"}"""), "application/json");
        Assert.Equal(200, (await TestHub.CallAsync(webhook, r => hub.Function<Hub.Chase.ProviderWebhookHttp>().Save(r, "beta"))).Status);
        var (referralId, taskId, _) = await hub.ReferAsync(Journey.GiveEmail);
        var first = await hub.OfferAsync("alpha", referralId);
        await hub.ConfirmAsync(ProviderLinks.Find(first, "Decline")!, ("reason", "other"), ("note", "Mrs Jones's sister already visits on Tuesdays"));
        var second = await hub.OfferAsync("beta", referralId);
        await hub.ConfirmAsync(ProviderLinks.Find(second, "Accept")!);
        // The handover: opened with the accept link, and a fresh link asked for with an expired one.
        await hub.AuditWithAsync(referralId, "accepted");
        var baseline = await hub.SurveyEmailAsync(referralId, e => e.Subject!.StartsWith("Before you start", StringComparison.Ordinal));
        await SurveyLinks.SendAsync(hub, SurveyLinks.Survey(baseline)!, Journey.BaselineAnswers);
        var handover = await hub.OpenAsync(ProviderLinks.Find(second, "Accept")!);
        Assert.Contains("Sandmoor", handover.Body, StringComparison.Ordinal);
        var expired = hub.Get<Hub.Access.SignedLinks>().Create("provider", referralId, "beta", "accept", TimeSpan.FromSeconds(-1));
        var (_, cookie, csrf) = await ProviderLinks.OpenFormAsync(hub, $"http://localhost:7071/api/provider/respond?t={Uri.EscapeDataString(expired)}");
        var ask = HttpCall.Request("POST", "/api/provider/handover", TestHub.Utf8($"t={Uri.EscapeDataString(expired)}&csrf={csrf}"), "application/x-www-form-urlencoded");
        ask.Headers.Cookie = cookie;
        Assert.Equal(200, (await TestHub.CallAsync(ask, r => hub.Function<Hub.Chase.ProviderHandoverHttp>().RequestLink(r))).Status);
        // A progress report from the handover page, as the provider sends it (the form's sequence number and anti-forgery).
        async System.Threading.Tasks.Task ReportProgressAsync(string fields)
        {
            var accept = ProviderLinks.Find(second, "Accept")!;
            var (page, pageCookie, pageCsrf) = await ProviderLinks.OpenFormAsync(hub, accept);
            var sequence = System.Text.RegularExpressions.Regex.Match(page.Body, "name=\"n\" value=\"(\\d+)\"").Groups[1].Value;
            var report = HttpCall.Request("POST", "/api/provider/progress",
                TestHub.Utf8($"{fields}&n={sequence}&t={Uri.EscapeDataString(ProviderLinks.Token(accept))}&csrf={pageCsrf}"), "application/x-www-form-urlencoded");
            report.Headers.Cookie = pageCookie;
            Assert.Equal(200, (await TestHub.CallAsync(report, r => hub.Function<Hub.Chase.ProviderProgressHttp>().Report(r))).Status);
        }

        // Could not contact (the referrer's email path), then the first session (a coded entry for the GP record, under
        // consent with the hub's note).
        await ReportProgressAsync("report=could-not-contact");
        await ReportProgressAsync("report=first-session&day=1&month=12&year=2026");
        await Eventually.ValueAsync(async () =>
        {
            await hub.Get<Hub.WriteBack.GpProgressWrites>().RunAsync();
            return await hub.Get<Hub.WriteBack.GpProgressWrites>().StateAsync(referralId, Hub.WriteBack.GpProgressPoint.Started);
        }, s => s == Hub.FollowUp.WriteBackState.Written, what: "the first session in the GP record");
        await Eventually.ValueAsync(async () =>
        {
            await hub.Get<Hub.Chase.ProviderWebhookOutbox>().RunAsync();
            return receiver.Accepted.Count;
        }, c => c >= 2, what: "beta's webhook told of the offer and the acceptance");
        var survey = await hub.SurveyEmailAsync(referralId, e => e.Subject!.StartsWith("How are you doing?", StringComparison.Ordinal));
        await SurveyLinks.SendAsync(hub, SurveyLinks.Survey(survey)!, Journey.FollowUpAnswers);
        await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.Completed);

        // A span is exported when it ends: follow-up.end ends after the Task it completes was written, so wait for it.
        string[] steps = ["chase.plan", "chase.offer", "chase.decline", "chase.accept", "follow-up.plan", "follow-up.survey", "follow-up.write-back", "follow-up.end"];
        var spans = await hub.Telemetry.SpansWhenAsync(HubTelemetry.ReferralIdTag, referralId, found => steps.All(step => found.Any(s => s.DisplayName == step)));
        var intake = Assert.Single(spans, s => s.DisplayName == "referral.intake");
        foreach (var step in steps)
        {
            Assert.Contains(spans, s => s.DisplayName == step);
        }

        Assert.All(spans, s => Assert.Equal(intake.TraceId, s.TraceId));

        var exported = string.Join('\n', hub.Telemetry.Spans.Select(s => $"{s.DisplayName} {string.Join(' ', s.TagObjects.Select(t => $"{t.Key}={t.Value}"))} {string.Join(' ', s.Events.Select(e => e.Name))}"))
                       + '\n' + string.Join('\n', hub.Telemetry.LogLines);
        Assert.Contains(hub.Telemetry.LogLines, l => l.Contains(referralId, StringComparison.Ordinal)); // the capture really sees the hub's logs
        foreach (var personal in new[] { ReferralExamples.ValidNhsNumber, "Richard", "Smith", "@", "Lives alone", "sister already visits", "Okafor", "LS17", "Sandmoor", "01131231234", "1970-09-11" })
        {
            Assert.DoesNotContain(personal, exported, StringComparison.OrdinalIgnoreCase);
        }
    }
}

using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Chase;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.Chase;

/// <summary>The accepting provider reports progress on the handover page: each report moves the Task (Gravity's
/// performer statuses, the hub's businessStatus, statusReason where required) and the audit trail, the referrer is told at
/// the points that matter, and a stale or replayed form does nothing twice.</summary>
public sealed class ProgressTests(ChaseHub hub) : IClassFixture<ChaseHub>
{
    /// <summary>Accepted by Alpha, the follow-up settled (waiting for its date), and the accept link that opens the handover.</summary>
    private async Task<(string ReferralId, string TaskId, string Reference, string Link)> AcceptedAsync()
    {
        var (referralId, taskId, reference) = await hub.AcceptedAsync();
        var link = ProviderLinks.Find(await hub.OfferAsync("alpha", referralId), "Accept")!;
        await hub.AuditWithAsync(referralId, "accepted", "follow-up-planned");
        await hub.SettledAsync();
        return (referralId, taskId, reference, link);
    }

    /// <summary>Opens the handover page and sends its progress form with <paramref name="fields"/>.</summary>
    private async Task<(HttpAnswer Answer, string Form)> ReportAsync(string link, params (string Name, string Value)[] fields)
    {
        var (answer, form, cookie) = await ProviderLinks.ReportProgressAsync(hub, link, fields);
        return (answer, $"{cookie}\n{form}");
    }

    private Task<HttpAnswer> PostAsync(string form, string cookie) => ProviderLinks.PostProgressAsync(hub, form, cookie);

    private Task<HttpAnswer> ReplayAsync(string saved) => PostAsync(saved.Split('\n')[1], saved.Split('\n')[0]);

    private static string Business(FhirTask task) => task.BusinessStatus.Coding[0].Code!;

    [Fact]
    public async System.Threading.Tasks.Task Contacted_first_session_sessions_and_finished_each_move_the_Task_and_the_audit_and_the_referrer_hears_the_end()
    {
        var (referralId, taskId, reference, link) = await AcceptedAsync();

        Assert.Equal(200, (await ReportAsync(link, ("report", "contacted"))).Answer.Status);
        var contacted = await hub.TaskAsync(taskId);
        Assert.Equal((FhirTask.TaskStatus.InProgress, "person-contacted"), (contacted.Status!.Value, Business(contacted)));

        var (first, _) = await ReportAsync(link, ("report", "first-session"), ("day", "1"), ("month", "12"), ("year", "2026"));
        Assert.Contains("Update recorded", first.Body, StringComparison.Ordinal);
        var started = await hub.TaskAsync(taskId);
        Assert.Equal("first-session-attended", Business(started));
        Assert.Equal("2026-12-01", ((Date)started.Output.Single(o => o.Type.Text == "first-session").Value).Value);

        await ReportAsync(link, ("report", "sessions"), ("sessions", "4"));
        var attending = await hub.TaskAsync(taskId);
        Assert.Equal((FhirTask.TaskStatus.InProgress, "attending"), (attending.Status!.Value, Business(attending)));
        Assert.Equal(4, ((UnsignedInt)attending.Output.Single(o => o.Type.Text == "sessions-attended").Value).Value);

        await ReportAsync(link, ("report", "finished"), ("outcome", "goals-met"));
        var finished = await hub.TaskAsync(taskId);
        Assert.Equal((FhirTask.TaskStatus.Completed, "finished"), (finished.Status!.Value, Business(finished)));
        var outcome = (CodeableConcept)finished.Output.Single(o => o.Type.Text == "provider-outcome").Value;
        Assert.Equal((ProgressCodes.OutcomeSystem, "goals-met"), (outcome.Coding[0].System, outcome.Coding[0].Code));
        var told = await hub.Mail.WaitForEmailAsync(e => e.Subject?.Contains(reference, StringComparison.Ordinal) == true && e.Subject.Contains("finished working", StringComparison.Ordinal));
        Assert.Equal(["referrals@riverside.example.nhs.uk"], told.To);
        Assert.DoesNotContain("Richard", told.Body, StringComparison.Ordinal);

        var audit = await hub.AuditWithAsync(referralId, "progress-reported");
        Assert.Equal(["contacted", "first-session:2026-12-01", "sessions:4", "finished:goals-met"],
            audit.Where(a => a.Event == "progress-reported").Select(a => a.Outcome));
        Assert.All(audit.Where(a => a.Event == "progress-reported"), a => Assert.Equal("provider:alpha", a.Actor));

        // Ended: the page shows no form, and a forged later report changes nothing.
        var page = await hub.OpenAsync(link);
        Assert.Contains("recorded as ended", page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("/api/provider/progress", page.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async System.Threading.Tasks.Task Could_not_contact_three_times_puts_the_Task_on_hold_with_the_reason_and_tells_the_referrer()
    {
        var (_, taskId, reference, link) = await AcceptedAsync();

        await ReportAsync(link, ("report", "could-not-contact"));
        await ReportAsync(link, ("report", "could-not-contact"));
        var trying = await hub.TaskAsync(taskId);
        Assert.Equal((FhirTask.TaskStatus.InProgress, "contact-attempted"), (trying.Status!.Value, Business(trying)));
        Assert.DoesNotContain(hub.Mail.Emails, e => e.Subject?.Contains(reference, StringComparison.Ordinal) == true && e.Subject.Contains("could not contact", StringComparison.Ordinal));

        await ReportAsync(link, ("report", "could-not-contact"));
        var held = await hub.TaskAsync(taskId);
        Assert.Equal((FhirTask.TaskStatus.OnHold, "could-not-contact"), (held.Status!.Value, Business(held)));
        Assert.Equal("Could not contact the person after 3 tries", held.StatusReason.Text);
        await hub.Mail.WaitForEmailAsync(e => e.Subject?.Contains(reference, StringComparison.Ordinal) == true && e.Subject.Contains("could not contact", StringComparison.Ordinal));

        // Reached at last: back in progress.
        await ReportAsync(link, ("report", "contacted"));
        var reached = await hub.TaskAsync(taskId);
        Assert.Equal((FhirTask.TaskStatus.InProgress, "person-contacted"), (reached.Status!.Value, Business(reached)));
        Assert.Null(reached.StatusReason);
    }

    [Fact]
    public async System.Threading.Tasks.Task Declined_is_cancelled_with_the_SNOMED_declined_code_and_stopped_is_failed_with_its_reason()
    {
        var (_, declinedTask, reference, declinedLink) = await AcceptedAsync();
        await ReportAsync(declinedLink, ("report", "declined"));
        var declined = await hub.TaskAsync(declinedTask);
        Assert.Equal((FhirTask.TaskStatus.Cancelled, "person-declined"), (declined.Status!.Value, Business(declined)));
        Assert.Equal(("http://snomed.info/sct", "871711000000103", "Social prescribing declined"),
            (declined.StatusReason.Coding[0].System, declined.StatusReason.Coding[0].Code, declined.StatusReason.Coding[0].Display));
        await hub.Mail.WaitForEmailAsync(e => e.Subject?.Contains(reference, StringComparison.Ordinal) == true && e.Subject.Contains("declined the service", StringComparison.Ordinal));

        var (_, stoppedTask, _, stoppedLink) = await AcceptedAsync();
        await ReportAsync(stoppedLink, ("report", "stopped"), ("reason", "moved-away"));
        var stopped = await hub.TaskAsync(stoppedTask);
        Assert.Equal((FhirTask.TaskStatus.Failed, "stopped"), (stopped.Status!.Value, Business(stopped)));
        Assert.Equal((ProgressCodes.StopReasonSystem, "moved-away"), (stopped.StatusReason.Coding[0].System, stopped.StatusReason.Coding[0].Code));
    }

    [Fact]
    public async System.Threading.Tasks.Task The_same_form_sent_again_or_a_stale_page_does_nothing_twice()
    {
        var (referralId, taskId, _, link) = await AcceptedAsync();
        var (stalePage, staleCookie, staleCsrf) = await ProviderLinks.OpenFormAsync(hub, link);

        var (first, saved) = await ReportAsync(link, ("report", "sessions"), ("sessions", "2"));
        Assert.Equal(200, first.Status);
        var version = (await hub.TaskAsync(taskId)).Meta.VersionId;

        var replayed = await ReplayAsync(saved);
        var stale = await PostAsync($"report=contacted&t={Uri.EscapeDataString(ProviderLinks.Token(link))}&n={ProviderLinks.ProgressSequence(stalePage.Body)}&csrf={staleCsrf}", staleCookie);

        Assert.Equal(409, replayed.Status);
        Assert.Contains("This page was out of date", replayed.Body, StringComparison.Ordinal);
        Assert.Equal(409, stale.Status);
        Assert.Equal(version, (await hub.TaskAsync(taskId)).Meta.VersionId);
        Assert.Single(await hub.Get<AuditTrail>().ReadAsync(referralId), a => a.Event == "progress-reported");
    }

    [Fact]
    public async System.Threading.Tasks.Task Bad_input_gets_a_plain_page_naming_the_field_and_another_providers_link_changes_nothing()
    {
        var (referralId, taskId, _, link) = await AcceptedAsync();
        var version = (await hub.TaskAsync(taskId)).Meta.VersionId;

        var nothing = (await ReportAsync(link)).Answer;
        var future = (await ReportAsync(link, ("report", "first-session"), ("day", "1"), ("month", "1"), ("year", "2099"))).Answer;
        var sessions = (await ReportAsync(link, ("report", "sessions"), ("sessions", "lots"))).Answer;

        Assert.Equal(400, nothing.Status);
        Assert.Contains("Select what has happened", nothing.Body, StringComparison.Ordinal);
        Assert.Equal(400, future.Status);
        Assert.Contains("today or in the past", future.Body, StringComparison.Ordinal);
        Assert.Equal(400, sessions.Status);
        Assert.Contains("href=\"#sessions\"", sessions.Body, StringComparison.Ordinal);

        var (_, cookie, csrf) = await ProviderLinks.OpenFormAsync(hub, link);
        var beta = hub.Get<SignedLinks>().Create("provider", referralId, "beta", "handover");
        var foreign = await PostAsync($"report=contacted&t={Uri.EscapeDataString(beta)}&n=0&csrf={csrf}", cookie);
        Assert.Equal(404, foreign.Status);
        Assert.Equal(version, (await hub.TaskAsync(taskId)).Meta.VersionId);
        Assert.DoesNotContain(await hub.Get<AuditTrail>().ReadAsync(referralId), a => a.Event == "progress-reported");
    }
}

/// <summary>A hub whose progress nudges come seconds after acceptance.</summary>
public sealed class NudgeHub : TestHub
{
    protected override void Setup(HubSetup hub) => hub.FastChase().Set("Progress:RemindAfter", "00:00:01").Set("Progress:TellReferrerAfter", "00:00:03");
}

public sealed class ProgressNudgeTests(NudgeHub hub) : IClassFixture<NudgeHub>
{
    private List<RecordedEmail> Reminders(string referralId) =>
        hub.Mail.Emails.Where(e => e.Subject?.StartsWith("How is it going?", StringComparison.Ordinal) == true && Link(e) is { } url
                                   && hub.Get<SignedLinks>().Read(ProviderLinks.Token(url), "provider").Claims?.ReferralId == referralId).ToList();

    private static string? Link(RecordedEmail email) =>
        email.PlainText?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("Open: ", StringComparison.Ordinal))?[6..];

    private List<RecordedEmail> ReferrerTold(string reference) =>
        hub.Mail.Emails.Where(e => e.Subject?.Contains(reference, StringComparison.Ordinal) == true && e.Subject.Contains("No news yet", StringComparison.Ordinal)).ToList();

    [Fact]
    public async System.Threading.Tasks.Task A_provider_silent_after_accepting_is_reminded_once_with_a_handover_link_then_the_referrer_is_told_once()
    {
        var (referralId, _, reference) = await hub.AcceptedAsync();
        await hub.AuditWithAsync(referralId, "accepted");
        var nudges = hub.Get<ProgressNudges>();

        var reminders = await Eventually.ValueAsync(async () => { await nudges.RunAsync(); return Reminders(referralId); }, r => r.Count > 0, what: "the progress reminder");
        Assert.Equal(["alpha@providers.example.org"], reminders[0].To);
        Assert.DoesNotContain("Richard", reminders[0].Body, StringComparison.Ordinal);
        Assert.Contains("/api/provider/handover?t=", Link(reminders[0]), StringComparison.Ordinal);

        var told = await Eventually.ValueAsync(async () => { await nudges.RunAsync(); return ReferrerTold(reference); }, t => t.Count > 0, what: "the referrer told of the silence");
        Assert.Equal(["referrals@riverside.example.nhs.uk"], told[0].To);

        await nudges.RunAsync();
        Assert.Single(Reminders(referralId));
        Assert.Single(ReferrerTold(reference));
        var audit = await hub.AuditWithAsync(referralId, "progress-reminded", "progress-escalated");
        Assert.Single(audit, a => a.Event == "progress-reminded");
    }

    [Fact]
    public async System.Threading.Tasks.Task A_provider_that_reported_is_not_nudged()
    {
        var (referralId, _, reference) = await hub.AcceptedAsync();
        var accepted = (await hub.AuditWithAsync(referralId, "accepted")).First(a => a.Event == "accepted").At;
        var link = ProviderLinks.Find(await hub.OfferAsync("alpha", referralId), "Accept")!;
        await hub.SettledAsync();
        var (_, cookie, csrf) = await ProviderLinks.OpenFormAsync(hub, link);
        var request = HttpCall.Request("POST", "/api/provider/progress",
            TestHub.Utf8($"report=contacted&n=0&t={Uri.EscapeDataString(ProviderLinks.Token(link))}&csrf={csrf}"), "application/x-www-form-urlencoded");
        request.Headers.Cookie = cookie;
        Assert.Equal(200, (await TestHub.CallAsync(request, r => hub.Function<ProviderProgressHttp>().Report(r))).Status);

        // Passes until both times have gone by: nothing is sent for this referral.
        await Eventually.ValueAsync(async () => { await hub.Get<ProgressNudges>().RunAsync(); return hub.Get<TimeProvider>().GetUtcNow(); },
            now => now - accepted > TimeSpan.FromSeconds(4), what: "nudge passes past the referrer's time");
        await hub.Get<ProgressNudges>().RunAsync();
        Assert.DoesNotContain(await hub.Get<AuditTrail>().ReadAsync(referralId), a => a.Event is "progress-reminded" or "progress-escalated");
        Assert.Empty(Reminders(referralId));
        Assert.Empty(ReferrerTold(reference));
    }
}

/// <summary>The follow-up keeps its clock after a provider's end, and does not undo it.</summary>
public sealed class ProgressAndFollowUpTests
{
    [Theory]
    [Trait("Category", "Unit")]
    [InlineData(ProgressReport.Declined, FhirTask.TaskStatus.Cancelled)]
    [InlineData(ProgressReport.Stopped, FhirTask.TaskStatus.Failed)]
    [InlineData(ProgressReport.Finished, FhirTask.TaskStatus.Completed)]
    public void A_later_follow_up_step_records_its_business_status_and_keeps_the_providers_status_and_reason(ProgressReport report, FhirTask.TaskStatus ended)
    {
        var task = new FhirTask { Status = FhirTask.TaskStatus.InProgress };
        ProviderProgress.Move(task, report, ProgressState.None, FinishOutcome.GoalsMet, StopReason.MovedAway, onHold: false);
        var reason = task.StatusReason?.Coding.FirstOrDefault()?.Code;

        new TaskStep(FhirTask.TaskStatus.InProgress, TaskBusinessStatus.SurveySent).ApplyTo(task);
        new TaskStep(FhirTask.TaskStatus.Completed, TaskBusinessStatus.OutcomeRecorded).ApplyTo(task);

        Assert.Equal(ended, task.Status);
        Assert.Equal(reason, task.StatusReason?.Coding.FirstOrDefault()?.Code);
        Assert.Equal("outcome-recorded", task.BusinessStatus.Coding[0].Code);
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void A_withdrawal_still_cancels_a_Task_the_provider_ended()
    {
        var task = new FhirTask { Status = FhirTask.TaskStatus.InProgress };
        ProviderProgress.Move(task, ProgressReport.Stopped, ProgressState.None, null, StopReason.Health, onHold: false);

        ChaseTaskSteps.Withdrawn.ApplyTo(task);

        Assert.Equal(FhirTask.TaskStatus.Cancelled, task.Status);
    }
}

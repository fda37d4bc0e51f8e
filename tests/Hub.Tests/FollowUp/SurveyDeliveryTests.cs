using System.Runtime.CompilerServices;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Hub.FollowUp;
using Hub.Platform;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.FollowUp;

/// <summary>A follow-up whose survey goes 5 s after acceptance and whose reminders and window are far away, so an
/// answer that is not delivered is not overtaken by a reminder or the window closing; the reconciler takes every
/// undelivered event at once.</summary>
public sealed class SurveyDeliveryHub : TestHub
{
    public ProcessDeath DiesStoringAnswers { get; } = new(FollowUpStore.SurveyResponses);

    protected override void Setup(HubSetup hub) =>
        hub.FastChase().FastFollowUp()
            .Set("FollowUp:Reminders:0", "00:10:00")
            .Set("FollowUp:Reminders:1", "00:20:00")
            .Set("FollowUp:SurveyWindow", "00:30:00")
            .Set("FollowUp:BaselineWindow", "00:30:00")
            .Set("PendingEvents:GracePeriod", "00:00:00")
            .AddServices(s => s.Configure<TableClientOptions>("Default", o => o.AddPolicy(DiesStoringAnswers, HttpPipelinePosition.PerCall)));

    /// <summary>The process dies (for the calls made under <see cref="Armed"/> only) as it writes to one table: that write
    /// and every storage call after it fail, so nothing the dead request meant to undo can be undone.</summary>
    public sealed class ProcessDeath(string table) : HttpPipelineSynchronousPolicy
    {
        private readonly AsyncLocal<StrongBox<bool>?> _dying = new();

        /// <summary>Arms the death for the calls that flow from here (the test's own request, not the orchestrations').</summary>
        public void Armed() => _dying.Value = new StrongBox<bool>(false);

        public void Disarmed() => _dying.Value = null;

        public override void OnSendingRequest(HttpMessage message)
        {
            if (_dying.Value is not { } dead)
            {
                return;
            }

            if (message.Request.Method == RequestMethod.Post && message.Request.Uri.Path.Contains(table, StringComparison.Ordinal))
            {
                dead.Value = true;
            }

            if (dead.Value)
            {
                throw new IOException("The process died.");
            }
        }
    }
}

/// <summary>Answers stored are answers delivered: when the task hub cannot be reached as the answers (or an opt-out) are
/// raised, the page says they are saved, and the follow-up hears by the patient's second send or by the reconciler.</summary>
public sealed class SurveyDeliveryTests(SurveyDeliveryHub hub) : IClassFixture<SurveyDeliveryHub>
{
    [Fact]
    public async System.Threading.Tasks.Task Answers_the_follow_up_did_not_hear_are_delivered_when_the_form_is_sent_again()
    {
        var (referralId, taskId, _) = await hub.AcceptedAsync(Journey.GiveEmail);
        var url = await FollowUpSurveyAsync(referralId);

        var (cookie, csrf) = await SurveyLinks.OpenFormAsync(hub, url);
        var failed = await SurveyLinks.PostAsync(hub, UnreachableTaskHub.Over(hub.Durable), url, cookie, csrf, Journey.FollowUpAnswers);
        Assert.Equal(202, failed.Status);
        Assert.Contains("your answers are saved", failed.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("have been received", failed.Body, StringComparison.Ordinal);

        var again = await SurveyLinks.PostAsync(hub, hub.Durable, url, cookie, csrf, Journey.FollowUpAnswers);
        Assert.Contains("Thank you: your answers have been received", again.Body, StringComparison.Ordinal);

        await AnsweredOnceAsync(referralId, taskId);
    }

    [Fact]
    public async System.Threading.Tasks.Task Answers_whose_process_died_before_storing_them_are_recorded_when_the_form_is_sent_again()
    {
        var (referralId, taskId, _) = await hub.AcceptedAsync(Journey.GiveEmail);
        var url = await FollowUpSurveyAsync(referralId);
        var (cookie, csrf) = await SurveyLinks.OpenFormAsync(hub, url);

        hub.DiesStoringAnswers.Armed();
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => SurveyLinks.PostAsync(hub, hub.Durable, url, cookie, csrf, Journey.FollowUpAnswers));
        }
        finally
        {
            hub.DiesStoringAnswers.Disarmed();
        }

        Assert.Null(await hub.ResponseAsync(referralId, "follow-up"));
        // The person sends the form again once the hub is back: the answers are kept and told, not turned away as received.
        var again = await SurveyLinks.PostAsync(hub, hub.Durable, url, cookie, csrf, Journey.FollowUpAnswers);
        Assert.Contains("Thank you: your answers have been received", again.Body, StringComparison.Ordinal);
        Assert.NotNull(await hub.ResponseAsync(referralId, "follow-up"));

        await AnsweredOnceAsync(referralId, taskId);
    }

    [Fact]
    public async System.Threading.Tasks.Task Answers_sent_twice_at_once_are_kept_once_with_whole_resources()
    {
        var (referralId, taskId, _) = await hub.AcceptedAsync(Journey.GiveEmail);
        var url = await FollowUpSurveyAsync(referralId);
        var forms = await System.Threading.Tasks.Task.WhenAll(SurveyLinks.OpenFormAsync(hub, url), SurveyLinks.OpenFormAsync(hub, url));
        (string, string)[] other = [.. Journey.FollowUpAnswers.Select(a => a.Item1 == "sessions" ? (a.Item1, "2") : a)];

        var pages = await System.Threading.Tasks.Task.WhenAll(
            SurveyLinks.PostAsync(hub, hub.Durable, url, forms[0].Cookie, forms[0].Csrf, Journey.FollowUpAnswers),
            SurveyLinks.PostAsync(hub, hub.Durable, url, forms[1].Cookie, forms[1].Csrf, other));

        Assert.All(pages, p => Assert.Contains("your answers have been received", p.Body, StringComparison.Ordinal));
        await AnsweredOnceAsync(referralId, taskId);
        // The resources the row points to are the kept answers' own, whichever submission was kept.
        var kept = (await hub.ResponseAsync(referralId, "follow-up"))!;
        var resources = await hub.Get<SurveyRecorder>().ResourcesAsync(kept);
        var sessions = resources.OfType<Hl7.Fhir.Model.Observation>().Single(o => o.Code.Coding.Any(c => c.Code == "sessions-attended")).Value switch
        {
            Hl7.Fhir.Model.Quantity q => q.Value,
            Hl7.Fhir.Model.Integer i => i.Value,
            var value => throw new InvalidOperationException($"sessions-attended as {value?.TypeName}"),
        };
        Assert.Equal(kept.Measures["sessions-attended"], sessions);
    }

    [Fact]
    public async System.Threading.Tasks.Task Answers_the_follow_up_did_not_hear_are_delivered_by_the_reconciler()
    {
        var (referralId, taskId, _) = await hub.AcceptedAsync(Journey.GiveEmail);
        var url = await FollowUpSurveyAsync(referralId);
        Assert.Equal(202, (await SurveyLinks.SendAsync(hub, UnreachableTaskHub.Over(hub.Durable), url, Journey.FollowUpAnswers)).Status);

        await hub.Get<PendingEventsReconciler>().ReconcileAsync(hub.Durable);

        await AnsweredOnceAsync(referralId, taskId);
        // A second copy once the follow-up has ended finds no receiver and changes nothing.
        Assert.Equal(Hub.Platform.Durable.EventDelivery.NoReceiver,
            await hub.Get<Hub.Platform.Durable.PendingEvents>().SendAsync(hub.Durable, FollowUpOrchestration.InstanceId(referralId), FollowUpOrchestration.SurveySubmittedEvent, "duplicate-check", new SurveySubmitted(SurveyKind.FollowUp)));
        Assert.Equal(FhirTask.TaskStatus.Completed, (await hub.TaskAsync(taskId)).Status);
    }

    [Fact]
    public async System.Threading.Tasks.Task An_opt_out_the_follow_up_did_not_hear_is_delivered_by_the_reconciler()
    {
        var (referralId, taskId, _) = await hub.AcceptedAsync(Journey.GiveEmail);
        var baseline = await hub.SurveyEmailAsync(referralId, e => e.Subject!.StartsWith("Before you start", StringComparison.Ordinal));

        var stopped = await SurveyLinks.SendAsync(hub, UnreachableTaskHub.Over(hub.Durable), SurveyLinks.OptOut(baseline)!);
        Assert.Contains("You will not be contacted again", stopped.Body, StringComparison.Ordinal);

        await ReconciledAsync("the opt-out");

        var task = await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.Completed);
        Assert.Equal("opted-out", task.BusinessStatus.Coding[0].Code);
        Assert.Single(await hub.Get<AuditTrail>().ReadAsync(referralId), a => a.Event == "opted-out");
        Assert.Single(hub.SurveyEmails(referralId));
    }

    [Fact]
    public async System.Threading.Tasks.Task An_operators_retry_the_task_hub_did_not_take_is_delivered_by_the_reconciler()
    {
        var (referralId, taskId, _) = await hub.AcceptedAsync();
        var survey = await hub.SurveyEmailAsync(referralId, _ => true);
        hub.Practice.Refuse(true);
        try
        {
            await SurveyLinks.SendAsync(hub, SurveyLinks.Survey(survey)!, Journey.FollowUpAnswers);
            await hub.TaskWhenAsync(taskId, t => t.BusinessStatus?.Coding[0].Code == "write-back-parked");
            await Eventually.StepAsync(hub.Durable, FollowUpOrchestration.InstanceId(referralId), "write-back-parked");
        }
        finally
        {
            hub.Practice.Refuse(false);
        }

        var retry = await TestHub.CallAsync(HttpCall.Request("POST", $"/api/manage/write-backs/{referralId}/retry"),
            r => hub.Function<Hub.WriteBack.WriteBackRetryHttp>().Retry(r, referralId, UnreachableTaskHub.Over(hub.Durable)));
        Assert.Equal(202, retry.Status);
        Assert.Contains("\"delivered\": false", retry.Body, StringComparison.Ordinal);

        await ReconciledAsync("the retry");

        var task = await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.Completed);
        Assert.Equal("outcome-recorded", task.BusinessStatus.Coding[0].Code);
        Assert.Equal(409, (await TestHub.CallAsync(HttpCall.Request("POST", $"/api/manage/write-backs/{referralId}/retry"),
            r => hub.Function<Hub.WriteBack.WriteBackRetryHttp>().Retry(r, referralId, hub.Durable))).Status);
    }

    /// <summary>The reconciler's passes, as its timer runs them, until one delivers: a pass that could not deliver yet
    /// (the task hub slow to answer on a busy machine) leaves the event for the next.</summary>
    private Task<ReconcilePass> ReconciledAsync(string what) =>
        Eventually.ValueAsync(() => hub.Get<PendingEventsReconciler>().ReconcileAsync(hub.Durable), pass => pass.Delivered > 0, what: $"a reconciler pass that delivers {what}");

    private async Task<string> FollowUpSurveyAsync(string referralId) =>
        SurveyLinks.Survey(await hub.SurveyEmailAsync(referralId, e => e.Subject!.StartsWith("How are you doing?", StringComparison.Ordinal)))!;

    private async System.Threading.Tasks.Task AnsweredOnceAsync(string referralId, string taskId)
    {
        var task = await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.Completed);
        Assert.Equal("outcome-recorded", task.BusinessStatus.Coding[0].Code);
        var audit = await hub.Get<AuditTrail>().ReadAsync(referralId);
        Assert.Single(audit, a => a.Event == "survey-answered");
        Assert.DoesNotContain(audit, a => a.Event is "no-response");
    }
}

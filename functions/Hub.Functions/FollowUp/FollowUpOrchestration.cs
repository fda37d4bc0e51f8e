using Hub.Platform.Durable;
using Hub.Referrals;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace Hub.FollowUp;

/// <summary>The outcome follow-up of one accepted referral, run as a sub-orchestration of the referral's own (instance id
/// <c>{referralId}-follow-up</c>). It sends a baseline survey when the referral brought none, waits until the follow-up
/// date, sends the survey with reminders until the window closes, writes the answers back to the GP record, and
/// completes the Task. Deterministic: every time comes from the orchestration's clock, every I/O is an activity.</summary>
public static class FollowUpOrchestration
{
    public const string Name = ReferralInstances.FollowUpOrchestration;
    public const string SurveySubmittedEvent = "SurveySubmitted";
    public const string OptedOutEvent = "OptedOut";
    public const string RetryWriteBackEvent = "RetryWriteBack";

    public static string InstanceId(string referralId) => ReferralInstances.FollowUpInstanceId(referralId);

    [Function(Name)]
    public static async Task<string> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var input = context.GetInput<FollowUpInput>()
                    ?? throw new InvalidOperationException("A follow-up orchestration needs its referral's ids as input.");
        var retry = ActivityRetry.Backoff(TimeSpan.FromSeconds(30));
        var plan = await context.CallActivityAsync<FollowUpPlan>(FollowUpActivityNames.PlanFollowUp, input, retry);
        var run = new Run(context, input, plan);
        var acceptedAt = context.CurrentUtcDateTime;
        if (plan.AlreadyWithdrawn)
        {
            return await run.EndAsync(FollowUpOutcome.Withdrawn);
        }

        if (plan.SendBaselineSurvey)
        {
            await context.CallActivityAsync(FollowUpActivityNames.SendSurvey, new SurveyStep(input, SurveyKind.Baseline, SurveyStepName.FirstSend), retry);
        }

        var due = acceptedAt + plan.FollowUpAfter;
        context.SetCustomStatus(new ReferralProgress(ProgressStep.AwaitingFollowUp, "Waiting for the follow-up date.", due, input.ProviderId));
        var waited = await run.WaitAsync(due, answeredKind: null);
        if (waited is { } early)
        {
            return await run.EndAsync(early);
        }

        await context.CallActivityAsync(FollowUpActivityNames.SendSurvey, new SurveyStep(input, SurveyKind.FollowUp, SurveyStepName.FirstSend), retry);
        var sentAt = context.CurrentUtcDateTime;
        var steps = plan.Reminders.Select((after, n) => (Name: SurveyStepName.Reminder(n + 1), After: after)).Append((SurveyStepName.Closed, plan.SurveyWindow)).OrderBy(s => s.Item2);
        foreach (var (name, after) in steps)
        {
            context.SetCustomStatus(new ReferralProgress(ProgressStep.SurveySent, $"Survey sent; next: {name}.", sentAt + after, input.ProviderId));
            waited = await run.WaitAsync(sentAt + after, answeredKind: SurveyKind.FollowUp);
            if (waited == FollowUpOutcome.Answered)
            {
                await run.WriteBackAsync(SurveyKind.FollowUp);
                return await run.EndAsync(FollowUpOutcome.Answered);
            }

            if (waited is { } ended)
            {
                return await run.EndAsync(ended);
            }

            if (name == SurveyStepName.Closed)
            {
                return await run.EndAsync(FollowUpOutcome.NoResponse);
            }

            await context.CallActivityAsync(FollowUpActivityNames.SendSurvey, new SurveyStep(input, SurveyKind.FollowUp, name), retry);
        }

        return await run.EndAsync(FollowUpOutcome.NoResponse);
    }

    /// <summary>One follow-up's waits: the events that can end it (withdrawal, opt-out) are listened for throughout.</summary>
    private sealed class Run(TaskOrchestrationContext context, FollowUpInput input, FollowUpPlan plan)
    {
        private readonly Task<Withdrawal> _withdrawal = context.WaitForExternalEvent<Withdrawal>(ReferralInstances.WithdrawnEvent);
        private readonly Task<OptedOut> _optOut = context.WaitForExternalEvent<OptedOut>(OptedOutEvent);
        private readonly TaskOptions _retry = ActivityRetry.Backoff(TimeSpan.FromSeconds(30));
        private Task<SurveySubmitted> _submitted = context.WaitForExternalEvent<SurveySubmitted>(SurveySubmittedEvent);

        /// <summary>Waits until <paramref name="due"/>; a baseline answered meanwhile is written back as it comes.</summary>
        /// <returns>Null when the timer fired; otherwise answered (the awaited kind), withdrawn or opted out.</returns>
        public async Task<FollowUpOutcome?> WaitAsync(DateTime due, SurveyKind? answeredKind)
        {
            while (true)
            {
                using var cancelTimer = new CancellationTokenSource();
                var timer = context.CreateTimer(due, cancelTimer.Token);
                var winner = await Task.WhenAny(timer, _withdrawal, _optOut, _submitted);
                if (winner == timer)
                {
                    return null;
                }

                cancelTimer.Cancel();
                if (winner == _withdrawal)
                {
                    return FollowUpOutcome.Withdrawn;
                }

                if (winner == _optOut)
                {
                    return FollowUpOutcome.OptedOut;
                }

                var kind = _submitted.Result.Kind;
                _submitted = context.WaitForExternalEvent<SurveySubmitted>(SurveySubmittedEvent);
                if (kind == answeredKind)
                {
                    return FollowUpOutcome.Answered;
                }

                await WriteBackAsync(kind);
            }
        }

        /// <summary>Writes a survey's answers to the practice: retried with backoff for the configured period, then
        /// parked with its reason until an operator asks for another try.</summary>
        public async Task WriteBackAsync(SurveyKind kind)
        {
            var step = new WriteBackStep(input, kind);
            var writeRetry = ActivityRetry.Backoff(plan.WriteBackFirstRetry, plan.WriteBackRetryFor);
            while (true)
            {
                WriteBackOutcome outcome;
                try
                {
                    outcome = await context.CallActivityAsync<WriteBackOutcome>(FollowUpActivityNames.WriteBack, step, writeRetry);
                }
                catch (TaskFailedException failed)
                {
                    outcome = new WriteBackOutcome(WriteBackState.Unreachable, failed.FailureDetails.ErrorMessage);
                }

                if (outcome.State is WriteBackState.Written or WriteBackState.NoEndpoint)
                {
                    return;
                }

                await context.CallActivityAsync(FollowUpActivityNames.ParkWriteBack, new ParkedWriteBack(input, kind, outcome), _retry);
                context.SetCustomStatus(new ReferralProgress(ProgressStep.WriteBackParked, $"Writing the {kind.Spelling()} answers to the practice failed: {outcome.State.Spelling()}. Waiting for an operator.", null, input.ProviderId));
                await context.WaitForExternalEvent<WriteBackRetry>(RetryWriteBackEvent);
            }
        }

        public async Task<string> EndAsync(FollowUpOutcome outcome)
        {
            if (outcome == FollowUpOutcome.Withdrawn)
            {
                await context.CallActivityAsync(ReferralInstances.CancelReferral, new Cancellation(input.Referral, input.ProviderId), _retry);
            }

            await context.CallActivityAsync(FollowUpActivityNames.EndFollowUp, new FollowUpEnd(input, outcome), _retry);
            context.SetCustomStatus(new ReferralProgress(outcome.Progress(), "The follow-up has ended.", null, input.ProviderId));
            return outcome.Spelling();
        }
    }
}

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
        var steps = new ReferralSteps(context, input.Referral, context.InstanceId);
        var run = new Run(context, input, steps);
        steps.Interrupt = run.Withdrawal;
        var plan = await steps.CallAsync<FollowUpPlan>(FollowUpActivityNames.PlanFollowUp, input, retry);
        run.Plan = plan;
        steps.RetryEvery = plan.HoldRetryEvery > TimeSpan.Zero ? plan.HoldRetryEvery : HoldOptions.DefaultRetryEvery;
        var acceptedAt = plan.Resume?.AcceptedAt ?? context.CurrentUtcDateTime;
        if (plan.AlreadyWithdrawn)
        {
            return await run.EndAsync(FollowUpOutcome.Withdrawn);
        }

        if (plan.Resume is { } resume)
        {
            // Restarted over a follow-up that ran before: what its answers and opt-out already decided stands.
            if (resume.OptedOut)
            {
                return await run.EndAsync(FollowUpOutcome.OptedOut);
            }

            if (resume.Answered.Contains(SurveyKind.FollowUp))
            {
                return await run.EndAsync(await run.WriteBackAnswersAsync(SurveyKind.FollowUp) ?? FollowUpOutcome.Answered);
            }

            if (resume.Answered.Contains(SurveyKind.Baseline))
            {
                await run.StartWriteBackAsync(SurveyKind.Baseline);
            }
        }

        if (plan.SendBaselineSurvey && plan.Resume?.Answered.Contains(SurveyKind.Baseline) != true)
        {
            await steps.CallAsync(FollowUpActivityNames.SendSurvey, new SurveyStep(input, SurveyKind.Baseline, SurveyStepName.FirstSend), retry);
        }

        var due = acceptedAt + plan.FollowUpAfter;
        steps.SetStatus(new ReferralProgress(ProgressStep.AwaitingFollowUp, "Waiting for the follow-up date.", due, input.ProviderId));
        var waited = await run.WaitAsync(due, answeredKind: null);
        if (waited is { } early)
        {
            return await run.EndAsync(early);
        }

        await steps.CallAsync(FollowUpActivityNames.SendSurvey, new SurveyStep(input, SurveyKind.FollowUp, SurveyStepName.FirstSend), retry);
        var sentAt = context.CurrentUtcDateTime;
        var surveySteps = plan.Reminders.Select((after, n) => (Name: SurveyStepName.Reminder(n + 1), After: after)).Append((SurveyStepName.Closed, plan.SurveyWindow)).OrderBy(s => s.Item2);
        foreach (var (name, after) in surveySteps)
        {
            steps.SetStatus(new ReferralProgress(ProgressStep.SurveySent, $"Survey sent; next: {name}.", sentAt + after, input.ProviderId));
            waited = await run.WaitAsync(sentAt + after, answeredKind: SurveyKind.FollowUp);
            if (waited == FollowUpOutcome.Answered)
            {
                return await run.EndAsync(await run.WriteBackAnswersAsync(SurveyKind.FollowUp) ?? FollowUpOutcome.Answered);
            }

            if (waited is { } ended)
            {
                return await run.EndAsync(ended);
            }

            if (name == SurveyStepName.Closed)
            {
                return await run.EndAsync(FollowUpOutcome.NoResponse);
            }

            await steps.CallAsync(FollowUpActivityNames.SendSurvey, new SurveyStep(input, SurveyKind.FollowUp, name), retry);
        }

        return await run.EndAsync(FollowUpOutcome.NoResponse);
    }

    /// <summary>One follow-up's waits: the events that can end it (withdrawal, opt-out) are listened for throughout, and
    /// (for follow-ups started by this version) so are the write-backs in progress and an operator's retry of a parked one.</summary>
    private sealed class Run(TaskOrchestrationContext context, FollowUpInput input, ReferralSteps steps)
    {
        // Listened for in this order (withdrawal, opt-out, answers), as instances in flight have always done.
        public Task<Withdrawal> Withdrawal { get; } = context.WaitForExternalEvent<Withdrawal>(ReferralInstances.WithdrawnEvent);

        private readonly Task<OptedOut> _optOut = context.WaitForExternalEvent<OptedOut>(OptedOutEvent);
        private readonly TaskOptions _retry = ActivityRetry.Backoff(TimeSpan.FromSeconds(30));
        private readonly Dictionary<Task<WriteBackOutcome>, SurveyKind> _writing = [];
        private readonly List<SurveyKind> _parked = [];
        private readonly HashSet<SurveyKind> _handled = [];
        private Task<SurveySubmitted> _submitted = context.WaitForExternalEvent<SurveySubmitted>(SurveySubmittedEvent);
        private Task<WriteBackRetry>? _writeBackRetry;

        public FollowUpPlan Plan { get; set; } = null!;

        /// <summary>Waits until <paramref name="due"/>; a baseline answered meanwhile is written back as it comes.</summary>
        /// <returns>Null when the timer fired; otherwise answered (the awaited kind), withdrawn or opted out.</returns>
        public async Task<FollowUpOutcome?> WaitAsync(DateTime due, SurveyKind? answeredKind)
        {
            while (true)
            {
                using var cancelTimer = new CancellationTokenSource();
                var timer = context.CreateTimer(due, cancelTimer.Token);
                var waits = new List<Task> { timer, Withdrawal, _optOut, _submitted };
                waits.AddRange(WriteBackWaits());
                var winner = await Task.WhenAny(waits);
                if (winner == timer)
                {
                    return null;
                }

                cancelTimer.Cancel();
                if (winner == Withdrawal)
                {
                    return FollowUpOutcome.Withdrawn;
                }

                if (winner == _optOut)
                {
                    return FollowUpOutcome.OptedOut;
                }

                if (winner == _submitted)
                {
                    var kind = _submitted.Result.Kind;
                    _submitted = context.WaitForExternalEvent<SurveySubmitted>(SurveySubmittedEvent);
                    if (kind == answeredKind)
                    {
                        return FollowUpOutcome.Answered;
                    }

                    await StartWriteBackAsync(kind);
                    continue;
                }

                await OnWriteBackAsync(winner);
            }
        }

        /// <summary>Writes the awaited survey's answers back and waits until every write-back has settled: written, or
        /// (after a park) retried by an operator until written. A withdrawal meanwhile ends the follow-up.</summary>
        /// <returns>Null when every write-back settled; withdrawn when the practice withdrew meanwhile.</returns>
        public async Task<FollowUpOutcome?> WriteBackAnswersAsync(SurveyKind kind)
        {
            await StartWriteBackAsync(kind);
            return await SettleWriteBacksAsync();
        }

        private async Task<FollowUpOutcome?> SettleWriteBacksAsync()
        {
            while (_writing.Count > 0 || _parked.Count > 0)
            {
                var waits = new List<Task> { Withdrawal };
                waits.AddRange(WriteBackWaits());
                var winner = await Task.WhenAny(waits);
                if (winner == Withdrawal)
                {
                    return FollowUpOutcome.Withdrawn;
                }

                await OnWriteBackAsync(winner);
            }

            return null;
        }

        private IEnumerable<Task> WriteBackWaits()
        {
            foreach (var writing in _writing.Keys)
            {
                yield return writing;
            }

            if (_parked.Count > 0)
            {
                yield return _writeBackRetry ??= context.WaitForExternalEvent<WriteBackRetry>(RetryWriteBackEvent);
            }
        }

        /// <summary>Starts writing a survey's answers to the practice, once per survey (a repeated answer event is
        /// ignored): beside the waits for follow-ups started by this version, in their way for older ones.</summary>
        public async Task StartWriteBackAsync(SurveyKind kind)
        {
            if (!_handled.Add(kind) && input.WriteBackBeside)
            {
                return;
            }

            if (input.WriteBackBeside)
            {
                _writing[WriteAsync(kind)] = kind;
                return;
            }

            await BlockingWriteBackAsync(kind);
        }

        /// <summary>A write-back in progress finished, or an operator asked to retry the parked ones.</summary>
        private async Task OnWriteBackAsync(Task winner)
        {
            if (winner == _writeBackRetry)
            {
                _writeBackRetry = null;
                var parked = _parked.ToList();
                _parked.Clear();
                foreach (var kind in parked)
                {
                    _writing[WriteAsync(kind)] = kind;
                }

                return;
            }

            var done = (Task<WriteBackOutcome>)winner;
            var written = _writing[done];
            _writing.Remove(done);
            var outcome = done.Result;
            if (outcome.State is WriteBackState.Written or WriteBackState.NoEndpoint)
            {
                return;
            }

            await ParkAsync(written, outcome);
            _parked.Add(written);
        }

        /// <summary>One write-back, retried with backoff for the configured period; a failure after that is an outcome.</summary>
        private async Task<WriteBackOutcome> WriteAsync(SurveyKind kind)
        {
            try
            {
                return await context.CallActivityAsync<WriteBackOutcome>(FollowUpActivityNames.WriteBack, new WriteBackStep(input, kind),
                    ActivityRetry.Backoff(Plan.WriteBackFirstRetry, Plan.WriteBackRetryFor));
            }
            catch (TaskFailedException)
            {
                // The practice server's words are stored by the activity, not carried here (durable history is plain tables).
                return new WriteBackOutcome(WriteBackState.Unreachable, null);
            }
        }

        private async Task ParkAsync(SurveyKind kind, WriteBackOutcome outcome)
        {
            await steps.CallAsync(FollowUpActivityNames.ParkWriteBack, new ParkedWriteBack(input, kind, outcome with { Detail = null }), _retry);
            context.SetCustomStatus(new ReferralProgress(ProgressStep.WriteBackParked, $"Writing the {kind.Spelling()} answers to the practice failed: {outcome.State.Spelling()}. Waiting for an operator.", null, input.ProviderId));
        }

        /// <summary>The write-back of follow-ups started before <see cref="FollowUpInput.WriteBackBeside"/>: their history
        /// has this shape (write, park, wait for the operator, write again), so they keep it.</summary>
        private async Task BlockingWriteBackAsync(SurveyKind kind)
        {
            while (true)
            {
                var outcome = await WriteAsync(kind);
                if (outcome.State is WriteBackState.Written or WriteBackState.NoEndpoint)
                {
                    return;
                }

                await ParkAsync(kind, outcome);
                await context.WaitForExternalEvent<WriteBackRetry>(RetryWriteBackEvent);
            }
        }

        public async Task<string> EndAsync(FollowUpOutcome outcome)
        {
            if (outcome == FollowUpOutcome.Withdrawn)
            {
                await steps.CallAsync(ReferralInstances.CancelReferral, new Cancellation(input.Referral, input.ProviderId), _retry);
            }
            else if (input.WriteBackBeside && await SettleWriteBacksAsync() == FollowUpOutcome.Withdrawn)
            {
                // A parked baseline write-back still waiting when the follow-up ends: settled first, unless withdrawn.
                return await EndAsync(FollowUpOutcome.Withdrawn);
            }

            await steps.CallAsync(FollowUpActivityNames.EndFollowUp, new FollowUpEnd(input, outcome), _retry);
            steps.SetStatus(new ReferralProgress(outcome.Progress(), "The follow-up has ended.", null, input.ProviderId));
            return outcome.Spelling();
        }
    }
}

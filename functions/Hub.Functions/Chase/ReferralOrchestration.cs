using System.Text.Json;
using Hub.FollowUp;
using Hub.Platform.Durable;
using Hub.Referrals;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace Hub.Chase;

/// <summary>The durable life of one referral; its instance id is the referral id. It chases providers in turn until one
/// accepts, every one declines, or the practice withdraws the referral. Deterministic: all I/O is in activities, all
/// times come from the orchestration's clock, and the plan (providers, durations) is read once through an activity.</summary>
public static class ReferralOrchestration
{
    public const string Name = ReferralInstances.ChaseOrchestration;

    /// <summary>Version 1 only recorded the referral and waited for withdrawal; version 2 chases providers; version 3 hands
    /// an accepted referral to the outcome follow-up. Instances keep the version they started with, so each replays along
    /// the shape its history was written in (host.json's <c>defaultVersion</c> must say the same).</summary>
    public const string CurrentVersion = "3";

    public const string ProviderRespondedEvent = "ProviderResponded";

    [Function(Name)]
    public static async Task<string> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var input = context.GetInput<ReferralOrchestrationInput>()
                    ?? throw new InvalidOperationException("A referral orchestration needs its referral's ids as input.");
        // No step ends the referral Failed: one that runs out of retries is held and tried again (ReferralSteps).
        var steps = new ReferralSteps(context, input, context.InstanceId);

        // Retried like every other step: one storage hiccup here must not fail the whole chase.
        await steps.CallAsync(ChaseActivityNames.RecordReferralReceived, input, Retry(TimeSpan.FromSeconds(30)));

        if (context.Version is null or "" or "1")
        {
            return await VersionOneAsync(context, steps, input);
        }

        return await ChaseAsync(context, steps, input);
    }

    private static async Task<string> VersionOneAsync(TaskOrchestrationContext context, ReferralSteps steps, ReferralOrchestrationInput input)
    {
        steps.SetStatus(new ReferralProgress(ProgressStep.Received, "Waiting for the provider chase to start."));
        // Version 1 raised a plain string; version 2 raises a Withdrawal. Either ends it.
        await context.WaitForExternalEvent<JsonElement>(ReferralInstances.WithdrawnEvent);
        await steps.CallAsync(ReferralInstances.CancelReferral, new Cancellation(input, null), Retry(TimeSpan.FromSeconds(30)));
        steps.SetStatus(new ReferralProgress(ProgressStep.Withdrawn, "The practice withdrew the referral."));
        return ProgressStep.Withdrawn.Spelling();
    }

    private static async Task<string> ChaseAsync(TaskOrchestrationContext context, ReferralSteps steps, ReferralOrchestrationInput input)
    {
        var withdrawal = context.WaitForExternalEvent<Withdrawal>(ReferralInstances.WithdrawnEvent);
        steps.Interrupt = withdrawal;
        var plan = await steps.CallAsync<ChasePlan>(ChaseActivityNames.PlanChase, input, Retry(TimeSpan.FromSeconds(30)));
        steps.RetryEvery = plan.HoldRetryEvery > TimeSpan.Zero ? plan.HoldRetryEvery : HoldOptions.DefaultRetryEvery;
        var retry = Retry(plan.RetryFirstInterval);
        var declines = new List<Decline>();

        if (plan.ProviderIds.Count == 0)
        {
            await steps.CallAsync(ChaseActivityNames.EscalateNoProvider, new ChaseEnd(input, null, declines, null, ChaseEndReason.NoProvider), retry);
            steps.SetStatus(new ReferralProgress(ProgressStep.Escalated, "No provider with capacity matches this referral; the referrer was told."));
            await withdrawal;
            return await CancelAsync(steps, input, null, retry);
        }

        for (var i = 0; i < plan.ProviderIds.Count; i++)
        {
            var step = new ChaseStep(input, plan.ProviderIds[i], i + 1, ChaseStepName.Offer);
            // A restarted chase takes an answer the provider already gave instead of asking again.
            var answer = plan.Resume?.Answers.FirstOrDefault(a => a.ProviderId == step.ProviderId);
            if (answer is null)
            {
                var offer = await steps.CallAsync<OfferOutcome>(ChaseActivityNames.OfferToProvider, step, retry);
                if (offer == OfferOutcome.Bounced)
                {
                    declines.Add(new Decline(step.ProviderId, DeclineCode.EmailRejected, null));
                    await steps.CallAsync(ChaseActivityNames.EscalateToReferrer, step with { Step = ChaseStepName.EmailRejected }, retry);
                    continue;
                }

                var offeredAt = plan.Resume?.OfferedAt.TryGetValue(step.ProviderId, out var first) == true ? first : context.CurrentUtcDateTime;
                answer = await AwaitAnswerAsync(context, steps, plan, step, offeredAt, withdrawal, retry);
                if (withdrawal.IsCompleted)
                {
                    return await CancelAsync(steps, input, step.ProviderId, retry);
                }
            }

            if (answer is null)
            {
                declines.Add(new Decline(step.ProviderId, DeclineCode.NoResponse, null));
                await steps.CallAsync(ChaseActivityNames.RecordDecline, new ChaseEnd(input, step.ProviderId, declines, null, ChaseEndReason.NoResponse), retry);
                continue;
            }

            if (answer.Accepted)
            {
                await steps.CallAsync(ChaseActivityNames.AcceptReferral, new ChaseEnd(input, step.ProviderId, declines, answer, null), retry);
                if (input.ParentReferralId is not null)
                {
                    // An onward connection (LinkWork): the person is followed up once, from the link worker's acceptance
                    // of the parent referral, so this acceptance starts no second follow-up. It waits for a withdrawal
                    // (the practice's of the parent cascades here) to tell the provider holding it.
                    steps.SetStatus(new ReferralProgress(ProgressStep.Accepted, "Accepted; an onward connection, followed up with its parent referral.", null, step.ProviderId));
                    await withdrawal;
                    return await CancelAsync(steps, input, step.ProviderId, retry);
                }

                if (context.Version == "2")
                {
                    // Accepted under version 2, before the follow-up existed: it keeps waiting for a withdrawal, as it did.
                    steps.SetStatus(new ReferralProgress(ProgressStep.Accepted, "Accepted; the outcome follow-up starts from here.", null, step.ProviderId));
                    await withdrawal;
                    return await CancelAsync(steps, input, step.ProviderId, retry);
                }

                // The follow-up is its own instance with its own history: the chase's long history is not replayed
                // through months of survey waits. A withdrawal is raised on both instances (ReferralWithdrawal).
                steps.SetStatus(new ReferralProgress(ProgressStep.FollowingUp, "Accepted; the outcome follow-up is under way.", null, step.ProviderId));
                return await context.CallSubOrchestratorAsync<string>(FollowUpOrchestration.Name, new FollowUpInput(input, step.ProviderId, WriteBackBeside: true),
                    new SubOrchestrationOptions { InstanceId = FollowUpOrchestration.InstanceId(input.ReferralId) });
            }

            var code = answer.ReasonCode ?? DeclineCode.Unspecified;
            if (code == DeclineCode.EmailRejected)
            {
                // The mail service reported later (Event Webhook) that the offer bounced: the referrer hears of it, as
                // when the service refused the address at once.
                await steps.CallAsync(ChaseActivityNames.EscalateToReferrer, step with { Step = ChaseStepName.EmailRejected }, retry);
            }

            declines.Add(new Decline(step.ProviderId, code, answer.Note));
            await steps.CallAsync(ChaseActivityNames.RecordDecline, new ChaseEnd(input, step.ProviderId, declines, answer, null), retry);
        }

        await steps.CallAsync(ChaseActivityNames.RejectReferral, new ChaseEnd(input, null, declines, null, ChaseEndReason.AllDeclined), retry);
        steps.SetStatus(new ReferralProgress(ProgressStep.Rejected, $"No provider took the referral ({declines.Count} asked); the referrer was told."));
        return ProgressStep.Rejected.Spelling();
    }

    /// <summary>Waits for this provider's answer through the reminders, the escalation and the link's expiry.
    /// Null when the referral was withdrawn or the provider never answered.</summary>
    private static async Task<ProviderAnswer?> AwaitAnswerAsync(TaskOrchestrationContext context, ReferralSteps steps, ChasePlan plan, ChaseStep offer, DateTime offeredAt,
        Task<Withdrawal> withdrawal, TaskOptions retry)
    {
        var waits = plan.Reminders.Select((after, n) => (Name: ChaseStepName.Reminder(n + 1), After: after))
            .Append((ChaseStepName.Escalation, plan.EscalateAfter))
            .Append((ChaseStepName.Expired, plan.ExpireAfter))
            .OrderBy(s => s.Item2)
            .ToList();
        var answer = context.WaitForExternalEvent<ProviderAnswer>(ProviderRespondedEvent);
        foreach (var (name, after) in waits)
        {
            var due = offeredAt + after;
            if (plan.WorkingHoursOnly && name != ChaseStepName.Expired)
            {
                due = WorkingHours.NextOpen(due);
            }

            steps.SetStatus(new ReferralProgress(ProgressStep.AwaitingProvider, $"Offered to provider (attempt {offer.Attempt}); next: {name}.", due, offer.ProviderId));
            while (true)
            {
                using var cancelTimer = new CancellationTokenSource();
                var timer = context.CreateTimer(due, cancelTimer.Token);
                var winner = await Task.WhenAny(answer, withdrawal, timer);
                if (winner == timer)
                {
                    break;
                }

                cancelTimer.Cancel();
                if (winner == withdrawal)
                {
                    return null;
                }

                if (answer.Result.ProviderId == offer.ProviderId)
                {
                    return answer.Result;
                }

                // A late answer from a provider asked earlier: the page refuses those, but one can still race past it.
                answer = context.WaitForExternalEvent<ProviderAnswer>(ProviderRespondedEvent);
            }

            if (name == ChaseStepName.Expired)
            {
                return null;
            }

            var activity = name == ChaseStepName.Escalation ? ChaseActivityNames.EscalateToReferrer : ChaseActivityNames.RemindProvider;
            await steps.CallAsync(activity, offer with { Step = name }, retry);
        }

        return null;
    }

    private static async Task<string> CancelAsync(ReferralSteps steps, ReferralOrchestrationInput input, string? providerId, TaskOptions retry)
    {
        await steps.CallAsync(ReferralInstances.CancelReferral, new Cancellation(input, providerId), retry);
        steps.SetStatus(new ReferralProgress(ProgressStep.Withdrawn, "The practice withdrew the referral.", null, providerId));
        return ProgressStep.Withdrawn.Spelling();
    }

    private static TaskOptions Retry(TimeSpan firstInterval) => ActivityRetry.Backoff(firstInterval);
}

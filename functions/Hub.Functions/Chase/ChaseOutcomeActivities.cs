using Hl7.Fhir.Model;
using Hub.Platform.Telemetry;
using Hub.Providers;
using Hub.Referrals;
using Microsoft.Azure.Functions.Worker;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Chase;

/// <summary>The chase's turns and ends: escalation, a decline, acceptance, rejection by all, withdrawal. Each loads what it
/// needs, takes its words from <see cref="ReferrerUpdate"/>, <see cref="ChaseTaskSteps"/> and <see cref="ChaseAudit"/>,
/// and writes them; each is safe to repeat (emails and audit lines once per step, Task writes ETag-conditional).</summary>
public sealed class ChaseOutcomeActivities(
    ReferralDocuments documents,
    ProviderDirectory providers,
    ReferrerNews news,
    ChaseStore chases,
    ReferralTaskProgress tasks,
    AuditTrail audit,
    TimeProvider time)
{
    [Function(ChaseActivityNames.EscalateToReferrer)]
    public async System.Threading.Tasks.Task EscalateToReferrer([ActivityTrigger] ChaseStep step)
    {
        var referral = step.Referral;
        using var span = HubTelemetry.StartReferralStep("chase.escalate", referral.ReferralId, referral.TraceParent);
        var (record, document) = await LoadAsync(referral);
        if (await audit.WithholdContactAsync(record, ReferrerNews.EmailKey($"{step.Step.Value}-{step.ProviderId}")))
        {
            return;   // the referrer withdrew it and needs no news of it
        }

        var provider = await providers.GetAsync(step.ProviderId);
        var update = ReferrerUpdate.AboutProvider(step.Step, step.ProviderId, provider?.Name ?? step.ProviderId);
        await news.TellAsync(referral, document, update);
        await tasks.UpdateAsync(referral.PracticeOds, referral.TaskId, ChaseTaskSteps.Escalated(update).ApplyTo);
        await chases.SetAsync(referral.ReferralId, referral.PracticeOds, step.ProviderId, ChaseStage.At(step.Step));
        await audit.AppendAsync(referral.ReferralId, ChaseAudit.Escalated(step.ProviderId, step.Step));
        HubTelemetry.ReferralsEscalated.Add(1, new KeyValuePair<string, object?>("reason", step.Step.Value));
    }

    [Function(ChaseActivityNames.EscalateNoProvider)]
    public async System.Threading.Tasks.Task EscalateNoProvider([ActivityTrigger] ChaseEnd end)
    {
        var referral = end.Referral;
        using var span = HubTelemetry.StartReferralStep("chase.escalate", referral.ReferralId, referral.TraceParent);
        var (record, document) = await LoadAsync(referral);
        if (await audit.WithholdContactAsync(record, ReferrerNews.EmailKey(ChaseStage.NoProvider.Value)))
        {
            return;
        }

        await news.TellAsync(referral, document, ReferrerUpdate.NoProvider);
        await tasks.UpdateAsync(referral.PracticeOds, referral.TaskId, ChaseTaskSteps.NoProvider.ApplyTo);
        await chases.SetAsync(referral.ReferralId, referral.PracticeOds, null, ChaseStage.NoProvider);
        await audit.AppendAsync(referral.ReferralId, ChaseAudit.EscalatedNoProvider());
        HubTelemetry.ReferralsEscalated.Add(1, new KeyValuePair<string, object?>("reason", ChaseStage.NoProvider.Value));
    }

    [Function(ChaseActivityNames.RecordDecline)]
    public async System.Threading.Tasks.Task RecordDecline([ActivityTrigger] ChaseEnd end)
    {
        var referral = end.Referral;
        using var span = HubTelemetry.StartReferralStep("chase.decline", referral.ReferralId, referral.TraceParent);
        var decline = end.Declines[^1];
        // Between providers nobody holds the offer: the last provider's links now say the referral has moved on.
        await chases.SetAsync(referral.ReferralId, referral.PracticeOds, null, ChaseStage.DeclinedBy(decline.ProviderId));
        await tasks.UpdateAsync(referral.PracticeOds, referral.TaskId, ChaseTaskSteps.Declined(decline).ApplyTo);
        if (await chases.DeclineNoteAsync(referral.ReferralId, decline.ProviderId) is { } note)
        {
            // What the provider wrote for the referrer reaches them: on the Task, and by email.
            var name = (await providers.GetAsync(decline.ProviderId))?.Name ?? decline.ProviderId;
            var at = time.GetUtcNow();
            await tasks.UpdateAsync(referral.PracticeOds, referral.TaskId, task => ChaseTaskSteps.RecordProviderNote(task, decline.ProviderId, name, note, at));
            var (_, document) = await LoadAsync(referral);
            await news.TellAsync(referral, document, ReferrerUpdate.DeclinedWithNote(decline, name, note));
        }

        await audit.AppendAsync(referral.ReferralId, ChaseAudit.Declined(decline));
        HubTelemetry.ReferralsDeclined.Add(1, new KeyValuePair<string, object?>("reason", decline.ReasonCode.Value));
    }

    [Function(ChaseActivityNames.AcceptReferral)]
    public async System.Threading.Tasks.Task AcceptReferral([ActivityTrigger] ChaseEnd end)
    {
        var referral = end.Referral;
        using var span = HubTelemetry.StartReferralStep("chase.accept", referral.ReferralId, referral.TraceParent);
        var provider = await providers.GetAsync(end.ProviderId!);
        var owner = new ResourceReference($"HealthcareService/{end.ProviderId}") { Display = provider?.Name };
        var firstSession = end.Answer?.FirstSession;
        await tasks.UpdateAsync(referral.PracticeOds, referral.TaskId, task =>
        {
            ChaseTaskSteps.Accepted.ApplyTo(task);
            task.Owner = owner;
        });
        await tasks.UpdateAsync(referral.PracticeOds, referral.TaskId, task =>
        {
            if (referral.ParentReferralId is null)
            {
                // An onward connection has no follow-up of its own (its parent's is the person's): it stays accepted.
                ChaseTaskSteps.AwaitingFollowUp.ApplyTo(task);
            }

            task.Owner = owner;
            if (firstSession is { } first)
            {
                ChaseTaskSteps.RecordFirstSession(task, first);
            }
        });
        var (record, document) = await LoadAsync(referral);
        HubTelemetry.ReferralsAccepted.Add(1);
        HubTelemetry.HoursToAcceptance.Record((time.GetUtcNow() - record.LastUpdated).TotalHours);
        await news.TellAsync(referral, document, ReferrerUpdate.Accepted(provider?.Name, firstSession));
        await chases.SetAsync(referral.ReferralId, referral.PracticeOds, end.ProviderId, ChaseStage.Accepted);
        await audit.AppendAsync(referral.ReferralId, ChaseAudit.Accepted(end.ProviderId!, firstSession));
    }

    [Function(ChaseActivityNames.RejectReferral)]
    public async System.Threading.Tasks.Task RejectReferral([ActivityTrigger] ChaseEnd end)
    {
        var referral = end.Referral;
        using var span = HubTelemetry.StartReferralStep("chase.reject", referral.ReferralId, referral.TraceParent);
        var (record, document) = await LoadAsync(referral);
        if (record.IsWithdrawn())
        {
            // The practice withdrew it while the chase, not yet told, ran out of providers: it ends withdrawn, as the
            // practice asked, and nobody is told it was rejected.
            await CancelReferral(new Cancellation(referral, null));
            return;
        }

        await tasks.UpdateAsync(referral.PracticeOds, referral.TaskId, ChaseTaskSteps.Rejected(end.Declines).ApplyTo);
        await news.TellAsync(referral, document, ReferrerUpdate.Rejected(end.Declines));
        await chases.SetAsync(referral.ReferralId, referral.PracticeOds, null, ChaseStage.Rejected);
        await audit.AppendAsync(referral.ReferralId, ChaseAudit.Rejected(end.Declines));
    }

    [Function(ReferralInstances.CancelReferral)]
    public async System.Threading.Tasks.Task CancelReferral([ActivityTrigger] Cancellation end)
    {
        var referral = end.Referral;
        using var span = HubTelemetry.StartReferralStep("chase.cancel", referral.ReferralId, referral.TraceParent);
        await tasks.UpdateAsync(referral.PracticeOds, referral.TaskId, ChaseTaskSteps.Withdrawn.ApplyTo);
        if (end.ProviderId is { } providerId && await providers.GetAsync(providerId) is { } provider && provider.Emails.Count > 0)
        {
            var (_, document) = await LoadAsync(referral);
            await news.SendOnceAsync(referral.ReferralId, $"withdrawn-{providerId}", ChaseEmails.Withdrawn(provider.Emails[0], provider.Name, document));
        }

        await chases.SetAsync(referral.ReferralId, referral.PracticeOds, end.ProviderId, ChaseStage.Withdrawn);
        await audit.AppendAsync(referral.ReferralId, ChaseAudit.Withdrawn(end.ProviderId));
    }

    private Task<(ReferralRecord Record, ReferralDocument Document)> LoadAsync(ReferralOrchestrationInput input) =>
        documents.RequireAsync(input.PracticeOds, input.ReferralId);
}

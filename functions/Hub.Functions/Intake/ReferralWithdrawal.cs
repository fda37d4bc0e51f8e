using System.Net;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Platform.Durable;
using Hub.Platform.Fhir;
using Hub.Referrals;
using Microsoft.DurableTask.Client;

namespace Hub.Intake;

/// <summary>The practice withdraws a referral by updating its ServiceRequest to <c>revoked</c> or <c>entered-in-error</c>:
/// the stored referral gets a new version, and its orchestration stops cleanly (Task cancelled, provider told).</summary>
public sealed class ReferralWithdrawal(ReferralStore referrals, ReferralDocuments documents, FhirSerializer fhir, AuditTrail audit, PendingEvents pendingEvents, TimeProvider time,
    OnwardReferralIndex onward, TaskStore tasks)
{
    /// <summary>The pending event's key on each instance: one withdrawal per referral.</summary>
    public const string WithdrawnKey = ReferralInstances.WithdrawnEvent;

    public async Task<IntakeResult> UpdateAsync(string referralId, Resource body, string? ifMatch, Caller caller, DurableTaskClient durable, CancellationToken cancellationToken = default)
    {
        try
        {
            return await UpdateOnceAsync(referralId, body, ifMatch, caller, durable, cancellationToken);
        }
        catch (ReferralChangedException)
        {
            // Another request saved the referral between our read and our write (two withdrawals racing): read it again
            // and answer from what is stored now: the same withdrawal, or a failed If-Match.
            return await UpdateOnceAsync(referralId, body, ifMatch, caller, durable, cancellationToken);
        }
    }

    private async Task<IntakeResult> UpdateOnceAsync(string referralId, Resource body, string? ifMatch, Caller caller, DurableTaskClient durable, CancellationToken cancellationToken)
    {
        var record = await referrals.FindAsync(caller.PracticeOdsCodes, referralId, cancellationToken);
        if (record is null)
        {
            return IntakeResult.Refused(HttpStatusCode.NotFound, [new FhirProblem(OperationOutcome.IssueType.NotFound, $"ServiceRequest/{referralId} is not known to the hub.")]);
        }

        if (body is not ServiceRequest update)
        {
            return IntakeResult.Refused(HttpStatusCode.BadRequest, [FhirProblem.Invalid("resourceType", $"This endpoint takes a ServiceRequest, but the body is a {body.TypeName}.")]);
        }

        if (update.Id != referralId)
        {
            return IntakeResult.Refused(HttpStatusCode.BadRequest, [FhirProblem.Invalid("ServiceRequest.id", "ServiceRequest.id must be the id in the URL.")]);
        }

        var ods = ReferralRules.FindPracticeOds(new ReferralSubmission { ServiceRequest = update });
        if (ods is not null && ods != record.PracticeOds)
        {
            return IntakeResult.Refused(HttpStatusCode.Forbidden, [new FhirProblem(OperationOutcome.IssueType.Forbidden, "The requester of a referral cannot be changed.", "ServiceRequest.requester")]);
        }

        if (ifMatch is { Length: > 0 } && ifMatch.Trim() != $"W/\"{record.VersionId}\"" && ifMatch.Trim() != $"\"{record.VersionId}\"")
        {
            return IntakeResult.Refused(HttpStatusCode.PreconditionFailed, [new FhirProblem(OperationOutcome.IssueType.Conflict, $"The referral is at version {record.VersionId}, not {ifMatch}.")]);
        }

        if (Withdrawals.FromFhir(update.Status) is not { } withdrawal)
        {
            return IntakeResult.Refused(HttpStatusCode.UnprocessableEntity, [new FhirProblem(OperationOutcome.IssueType.NotSupported,
                "The hub takes one change to a referral: status 'revoked' or 'entered-in-error', which withdraws it. Post other changes as a new referral.", "ServiceRequest.status")]);
        }

        var (_, loaded) = await documents.LoadAsync(record, cancellationToken)
                          ?? throw new InvalidOperationException($"Referral {referralId} has no readable document.");
        var document = loaded.Bundle;
        var stored = loaded.ServiceRequest;
        if (record.IsWithdrawn())
        {
            // Withdrawn already: the same answer again, and the withdrawal delivered again unless it was, in case the
            // first request died between saving it and telling the orchestration (the audit entry is written once).
            var status = StoredSpelling.Parse<WithdrawalStatus>(record.Status);
            await audit.AppendAsync(referralId, LifecycleEvent.WithdrawnByPractice(caller.ClientId, status), cancellationToken);
            await DeliverAsync(durable, referralId, new Withdrawal(status, record.LastUpdated), cancellationToken);
            await WithdrawConnectionsAsync(referralId, status, caller, durable, cancellationToken);
            return new IntakeResult(HttpStatusCode.OK, stored, null) { TaskId = record.TaskId, PracticeOds = record.PracticeOds };
        }

        var now = time.GetUtcNow();
        stored.Status = withdrawal.ToFhir();
        stored.Meta!.VersionId = (record.VersionId + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        stored.Meta.LastUpdated = now;
        await referrals.SaveAsync(record with { Status = withdrawal.Spelling(), VersionId = record.VersionId + 1, LastUpdated = now }, fhir.Serialize(document, FhirFormat.Json), cancellationToken);
        await audit.AppendAsync(referralId, LifecycleEvent.WithdrawnByPractice(caller.ClientId, withdrawal), cancellationToken);

        await DeliverAsync(durable, referralId, new Withdrawal(withdrawal, now), cancellationToken);
        await WithdrawConnectionsAsync(referralId, withdrawal, caller, durable, cancellationToken);
        return new IntakeResult(HttpStatusCode.OK, stored, null) { TaskId = record.TaskId, PracticeOds = record.PracticeOds };
    }

    /// <summary>The parent's withdrawal reaches its onward connections (LinkWork): each one still open (its Task not ended)
    /// is saved withdrawn the same way and its chase told, which tells the provider holding it (the withdrawal email). A
    /// connection already ended (completed, failed, rejected by every provider) is left as it ended. Run on every withdrawal
    /// of the parent, the repeated one included, so a failure part-way is finished by the practice's retry.</summary>
    private async System.Threading.Tasks.Task WithdrawConnectionsAsync(string parentReferralId, WithdrawalStatus status, Caller caller, DurableTaskClient durable,
        CancellationToken cancellationToken)
    {
        foreach (var child in await onward.ChildrenAsync(parentReferralId, cancellationToken))
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await WithdrawConnectionAsync(child, status, caller, durable, cancellationToken);
                    break;
                }
                catch (ReferralChangedException) when (attempt < 2)
                {
                    // Saved by someone else between read and write: read it again and decide again.
                }
            }
        }
    }

    private async System.Threading.Tasks.Task WithdrawConnectionAsync(OnwardChild child, WithdrawalStatus status, Caller caller, DurableTaskClient durable, CancellationToken cancellationToken)
    {
        var record = await referrals.GetAsync(child.PracticeOds, child.ReferralId, cancellationToken);
        if (record is null)
        {
            return;
        }

        if (record.IsWithdrawn())
        {
            await DeliverAsync(durable, child.ReferralId, new Withdrawal(StoredSpelling.Parse<WithdrawalStatus>(record.Status), record.LastUpdated), cancellationToken);
            return;
        }

        var task = await tasks.GetAsync(record.PracticeOds, record.TaskId, cancellationToken);
        if (task is not null && fhir.ParseJson(System.Text.Encoding.UTF8.GetBytes(task.Json)).Resource is Hl7.Fhir.Model.Task { Status: { } taskStatus } && IsEnded(taskStatus))
        {
            return;
        }

        var (_, loaded) = await documents.LoadAsync(record, cancellationToken)
                          ?? throw new InvalidOperationException($"Referral {child.ReferralId} has no readable document.");
        var now = time.GetUtcNow();
        var stored = loaded.ServiceRequest;
        stored.Status = status.ToFhir();
        stored.Meta!.VersionId = (record.VersionId + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        stored.Meta.LastUpdated = now;
        await referrals.SaveAsync(record with { Status = status.Spelling(), VersionId = record.VersionId + 1, LastUpdated = now }, fhir.Serialize(loaded.Bundle, FhirFormat.Json), cancellationToken);
        await audit.AppendAsync(child.ReferralId, LifecycleEvent.WithdrawnByPractice(caller.ClientId, status), cancellationToken);
        await DeliverAsync(durable, child.ReferralId, new Withdrawal(status, now), cancellationToken);
    }

    private static bool IsEnded(Hl7.Fhir.Model.Task.TaskStatus status) => status is Hl7.Fhir.Model.Task.TaskStatus.Completed or Hl7.Fhir.Model.Task.TaskStatus.Failed
        or Hl7.Fhir.Model.Task.TaskStatus.Cancelled or Hl7.Fhir.Model.Task.TaskStatus.Rejected or Hl7.Fhir.Model.Task.TaskStatus.EnteredInError;

    /// <summary>The chase's instance, and the follow-up's once a provider has accepted: whichever is waiting stops. Each
    /// is a pending event, so a failure here is repaired by the practice's retry or the reconciler. A follow-up that does
    /// not exist yet is not sent one: the referral is saved as withdrawn before this looks, and a follow-up that starts
    /// later finds it so and ends at once.</summary>
    private async System.Threading.Tasks.Task DeliverAsync(DurableTaskClient durable, string referralId, Withdrawal withdrawal, CancellationToken cancellationToken)
    {
        var followUp = ReferralInstances.FollowUpInstanceId(referralId);
        var instances = await durable.GetInstanceAsync(followUp, cancellationToken) is null ? new[] { referralId } : [referralId, followUp];

        // All recorded before any is raised, so the reconciler can repair each whatever fails.
        var recorded = new List<(PendingEvent Event, bool First)>();
        foreach (var instanceId in instances)
        {
            recorded.Add(await pendingEvents.RecordAsync(instanceId, ReferralInstances.WithdrawnEvent, WithdrawnKey, withdrawal, cancellationToken));
        }

        foreach (var (pending, first) in recorded)
        {
            await pendingEvents.DeliverAsync(durable, pending, first ? withdrawal : null, cancellationToken);
        }
    }
}

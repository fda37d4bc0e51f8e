using System.Net;
using DurableTask.Core.Exceptions;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Chase;
using Hub.Platform.Fhir;
using Hub.Platform.Telemetry;
using Hub.Referrals;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hub.Intake;

/// <summary>Takes a referral in: reads it, checks it, stores it exactly once, creates its Task and starts its orchestration.
/// HTTP and queue intake both come through here.</summary>
public sealed partial class ReferralIntake(
    ReferralStore referrals,
    ReferralDocuments documents,
    TaskStore tasks,
    OnwardReferralIndex onward,
    AuditTrail audit,
    FhirSerializer fhir,
    IOptions<IntakeOptions> options,
    TimeProvider time,
    ILogger<ReferralIntake> logger)
{
    private readonly IntakeOptions _options = options.Value;

    public async Task<IntakeResult> SubmitAsync(Resource resource, IntakeRoute route, Caller caller, string channel, DurableTaskClient durable, CancellationToken cancellationToken = default)
    {
        var (incoming, refusal) = IncomingReferral.Read(resource, route, caller.MayActFor, _options.EffectiveAcceptedCodes, fhir);
        if (incoming is null)
        {
            return refusal!;
        }

        var gaps = PrsbGaps(incoming.Submission);
        if (gaps.Count > 0 && _options.RequirePrsbMandatory)
        {
            return IntakeResult.Refused(HttpStatusCode.UnprocessableEntity, gaps) with { PracticeOds = incoming.Facts.PracticeOds };
        }

        return await TakeAsync(incoming, gaps, caller, channel, durable, null, cancellationToken);
    }

    /// <summary>Takes in an onward connection: a referral a link-worker service makes, <c>basedOn</c> a referral it
    /// accepted (LinkWork builds the submission: the person and consent from the parent, the service as requester). The
    /// same rules (with the parent's practice), the same once-only storage on its identifier, its own Task
    /// (<c>partOf</c> the parent's), its own chase. PRSB gaps are warnings only: the parent carried the standard's items.</summary>
    public async Task<IntakeResult> SubmitOnwardAsync(ReferralSubmission submission, OnwardParent parent, string requesterId, Caller caller, string channel, DurableTaskClient durable,
        CancellationToken cancellationToken = default)
    {
        var (incoming, refusal) = IncomingReferral.ReadOnward(submission, parent.PracticeOds, _options.EffectiveAcceptedCodes);
        if (incoming is null)
        {
            return refusal!;
        }

        return await TakeAsync(incoming, PrsbGaps(incoming.Submission), caller, channel, durable, new Onward(parent, requesterId), cancellationToken);
    }

    /// <summary>The parent of an onward connection being stored, and the service that made it.</summary>
    private sealed record Onward(OnwardParent Parent, string RequesterId);

    private async Task<IntakeResult> TakeAsync(IncomingReferral incoming, IReadOnlyList<FhirProblem> gaps, Caller caller, string channel, DurableTaskClient durable, Onward? onwardOf,
        CancellationToken cancellationToken)
    {
        var facts = incoming.Facts;
        var now = time.GetUtcNow();
        var reservation = new IdentifierReservation(
            facts.PracticeOds,
            ReferralStore.IdentifierKey(facts.IdentifierSystem, facts.IdentifierValue),
            ReferralId: Guid.NewGuid().ToString(),
            TaskId: Guid.NewGuid().ToString(),
            ContentHash: incoming.ContentHash,
            Stored: false,
            ReservedAt: now,
            ClaimedAt: now,
            ETag: default);

        var existing = await referrals.TryReserveAsync(reservation, facts.IdentifierSystem, facts.IdentifierValue, cancellationToken);
        var result = existing is null
            ? await StoreAsync(reservation, incoming, caller, channel, durable, onwardOf, cancellationToken)
            : await RepeatAsync(existing, incoming, caller, channel, durable, onwardOf, cancellationToken);
        return result with
        {
            PracticeOds = facts.PracticeOds, IdentifierSystem = facts.IdentifierSystem, IdentifierValue = facts.IdentifierValue,
            Warnings = result.IsStored ? gaps : [],
        };
    }

    /// <summary>The PRSB mandatory items the submission lacks (README "PRSB Social Prescribing Information Standard"),
    /// each naming the element where the hub looks for it, in the submission's own paths.</summary>
    public static IReadOnlyList<FhirProblem> PrsbGaps(ReferralSubmission submission)
    {
        var handover = new ReferralHandover(submission.ServiceRequest, submission.Resolve, submission.Related.Select(r => r.Resource));
        var patientPath = handover.Patient is { } patient ? submission.PathOf(patient) : "Patient";
        return handover.MissingMandatory.Select(m => FhirProblem.Required(
            m.Expression.StartsWith("Patient.", StringComparison.Ordinal) ? patientPath + m.Expression["Patient".Length..]
            : m.Expression.StartsWith("ServiceRequest.", StringComparison.Ordinal) ? submission.ServiceRequestPath + m.Expression["ServiceRequest".Length..]
            : m.Expression,
            m.Diagnostics)).ToList();
    }

    /// <summary>The same identifier again: the same referral gets the stored one back (after waiting for a copy still
    /// being stored, or finishing the work of one that died); different content is a conflict.</summary>
    private async Task<IntakeResult> RepeatAsync(IdentifierReservation existing, IncomingReferral incoming,
        Caller caller, string channel, DurableTaskClient durable, Onward? onwardOf, CancellationToken cancellationToken)
    {
        if (existing.ContentHash != incoming.ContentHash)
        {
            LogConflict(logger, existing.ReferralId);
            return IntakeResult.Refused(HttpStatusCode.Conflict,
                [new FhirProblem(OperationOutcome.IssueType.Conflict,
                    $"A different referral with this identifier was already received (ServiceRequest/{existing.ReferralId}). The hub takes one change to a referral, its withdrawal (an update with status 'revoked' or 'entered-in-error'); post other changes as a new referral with a new identifier.",
                    $"{incoming.Submission.ServiceRequestPath}.identifier")]);
        }

        var deadline = time.GetUtcNow() + _options.DuplicateWait;
        var delay = TimeSpan.FromMilliseconds(50);
        var current = existing;
        while (true)
        {
            if (current.Stored)
            {
                // The reservation is marked stored side by side with the orchestration's start (StoreAsync), so a repeat
                // makes sure of the start before it answers: refused at once when it exists, as it nearly always does.
                var stored = await ReadStoredAsync(current, HttpStatusCode.OK, cancellationToken);
                await System.Threading.Tasks.Task.WhenAll(
                    StartOrchestrationAsync(durable, new ReferralOrchestrationInput(current.ReferralId, current.PracticeOds, current.TaskId, null, onwardOf?.Parent.ReferralId), cancellationToken),
                    audit.AppendAsync(current.ReferralId, LifecycleEvent.DuplicateReceived(caller.ClientId, channel), cancellationToken));
                return stored;
            }

            var now = time.GetUtcNow();
            if (now - current.ClaimedAt > _options.AbandonedAfter && await referrals.TryClaimAsync(current, now, cancellationToken))
            {
                LogTakeover(logger, current.ReferralId);
                return await StoreAsync(current, incoming, caller, channel, durable, onwardOf, cancellationToken);
            }

            if (now > deadline)
            {
                return IntakeResult.Refused(HttpStatusCode.ServiceUnavailable,
                    [new FhirProblem(OperationOutcome.IssueType.Transient, "An identical referral is still being stored; retry shortly.")]);
            }

            await System.Threading.Tasks.Task.Delay(delay, time, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
            current = await referrals.GetReservationAsync(current.PracticeOds, current.IdentifierKey, cancellationToken) ?? current;
        }
    }

    /// <summary>Stores the referral, its Task and audit entry, and starts its orchestration. Only the holder of the
    /// identifier reservation runs this, and every step is safe to repeat, so a takeover after a crash finishes the job.</summary>
    private async Task<IntakeResult> StoreAsync(IdentifierReservation reservation, IncomingReferral incoming,
        Caller caller, string channel, DurableTaskClient durable, Onward? onwardOf, CancellationToken cancellationToken)
    {
        var facts = incoming.Facts;
        using var span = HubTelemetry.StartReferralStep("referral.intake", reservation.ReferralId);
        span?.SetTag("referral.channel", channel);
        var (serviceRequest, document) = incoming.StoredForm(reservation.ReferralId, reservation.ReservedAt);
        var record = new ReferralRecord(reservation.ReferralId, facts.PracticeOds, reservation.TaskId, facts.IdentifierSystem, facts.IdentifierValue,
            reservation.ContentHash, "active", channel, VersionId: 1, reservation.ReservedAt, DocumentChunks: 0);
        var task = ReferralTasks.Create(reservation.TaskId, reservation.ReferralId, facts.PracticeOds, facts.NhsNumber, reservation.ReservedAt);

        // The referral row, its Task and the audit entry are three independent writes (three tables; none reads another):
        // written side by side, they cost one round trip of waiting instead of three. Each is safe to repeat, and nothing
        // is answered or started until all three are in: a failure leaves the reservation unfinished for a repeat to take
        // over, as a failure between sequential writes did.
        if (onwardOf is not null)
        {
            // An onward connection's Task is part of the link worker's Task (Gravity: the parent Task the GP follows).
            task.PartOf.Add(new ResourceReference($"Task/{onwardOf.Parent.TaskId}"));
            await onward.AddAsync(new OnwardChild(onwardOf.Parent.ReferralId, reservation.ReferralId, facts.PracticeOds, reservation.TaskId, onwardOf.RequesterId), cancellationToken);
        }

        // One note in the changes index for the three: the audit entry's, with the practice. A row whose entry failed
        // is unnoted, and uncounted either way (the evidence counts a referral from its received entry); the sender's
        // repeat takes the reservation over and writes both again.
        await System.Threading.Tasks.Task.WhenAll(
            referrals.SaveAsync(record, fhir.Serialize(document, FhirFormat.Json), noted: true, cancellationToken),
            tasks.CreateIfAbsentAsync(facts.PracticeOds, reservation.TaskId, reservation.ReferralId, fhir.Serialize(task, FhirFormat.Json), cancellationToken),
            audit.AppendAsync(reservation.ReferralId, facts.PracticeOds, LifecycleEvent.ReferralReceived(caller.ClientId, channel), cancellationToken));

        // The orchestration only once its Task exists (its first step moves that Task). The reservation is marked stored
        // side by side with the start (one round trip of waiting instead of two): whoever reads a stored reservation
        // (a repeat, a conditional create) makes sure of the start itself (EnsureStartedAsync), so a start that failed
        // after the mark is made good by the sender's retry, and one that succeeded before a failed mark is taken over
        // as before.
        await System.Threading.Tasks.Task.WhenAll(
            StartOrchestrationAsync(durable, new ReferralOrchestrationInput(reservation.ReferralId, facts.PracticeOds, reservation.TaskId, span?.Id, onwardOf?.Parent.ReferralId), cancellationToken),
            referrals.MarkStoredAsync(reservation, cancellationToken));
        HubTelemetry.ReferralsReceived.Add(1, new KeyValuePair<string, object?>("channel", channel));
        LogStored(logger, reservation.ReferralId, channel);
        return new IntakeResult(HttpStatusCode.Created, serviceRequest, null) { TaskId = reservation.TaskId, Document = document };
    }

    /// <summary>Makes sure a stored referral's orchestration was scheduled (for a match found through its stored
    /// reservation): one Durable call, refused at once when the instance exists.</summary>
    public static System.Threading.Tasks.Task EnsureStartedAsync(ReferralRecord record, DurableTaskClient durable, CancellationToken cancellationToken = default) =>
        StartOrchestrationAsync(durable, new ReferralOrchestrationInput(record.ReferralId, record.PracticeOds, record.TaskId), cancellationToken);

    private static async System.Threading.Tasks.Task StartOrchestrationAsync(DurableTaskClient durable, ReferralOrchestrationInput input, CancellationToken cancellationToken)
    {
        // Whatever state an instance with this id is in, intake never restarts or replaces it: the dedupe statuses refuse
        // an existing instance in one round trip (no read first; a start costs as much as a storage write or two).
        var options = new StartOrchestrationOptions(input.ReferralId) { Version = ReferralOrchestration.CurrentVersion }.WithDedupeStatuses(
            OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended,
            OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated);
        try
        {
            await durable.ScheduleNewOrchestrationInstanceAsync(ReferralOrchestration.Name, input, options, cancellationToken);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            // Started between the check and the call: one orchestration, as wanted.
        }
    }

    private async Task<IntakeResult> ReadStoredAsync(IdentifierReservation reservation, HttpStatusCode status, CancellationToken cancellationToken)
    {
        var record = await referrals.GetAsync(reservation.PracticeOds, reservation.ReferralId, cancellationToken)
                     ?? throw new InvalidOperationException($"Referral {reservation.ReferralId} is marked stored but has no row.");
        var document = (await documents.LoadAsync(record, cancellationToken))?.Document
                       ?? throw new InvalidOperationException($"Referral {reservation.ReferralId} has no readable document.");
        return new IntakeResult(status, document.ServiceRequest, null) { TaskId = record.TaskId, Document = document.Bundle };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Referral {ReferralId} stored from {Channel}")]
    private static partial void LogStored(ILogger logger, string referralId, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A post reused the identifier of referral {ReferralId} with different content")]
    private static partial void LogConflict(ILogger logger, string referralId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Referral {ReferralId} was left half-stored by an earlier attempt; finishing it")]
    private static partial void LogTakeover(ILogger logger, string referralId);
}

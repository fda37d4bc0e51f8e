using System.Text;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Platform.Fhir;
using Hub.Referrals;
using Microsoft.DurableTask.Client;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Chase;

/// <summary>How a provider key may see a Task: offered to it (the offer's minimum), or accepted by it (in full).</summary>
public enum ProviderSight
{
    Offered,
    Owned,
}

/// <summary>A Task a provider key may see, with what it may see of the referral behind it.</summary>
/// <param name="Referral">The referral in full: only when <see cref="ProviderSight.Owned"/>.</param>
public sealed record ProviderTask(string ProviderId, FhirTask Task, ProviderSight Sight, ReferralRecord Record, ReferralDocument Document);

/// <summary>What a provider's move of its Task came to.</summary>
/// <param name="Status">200 done (the Task as it stands), 404 not its Task, 409 an illegal transition or a decision already
/// taken otherwise, 412 a stale If-Match, 422 a transition missing what it needs (statusReason).</param>
public sealed record ProviderMove(int Status, FhirTask? Task, FhirProblem? Problem)
{
    public static ProviderMove Refused(int status, FhirProblem problem) => new(status, null, problem);
}

/// <summary>The provider API's rules, over the same code paths as the provider's email links: a provider key sees only
/// the Tasks whose owner is one of its HealthcareServices and whose chase it currently holds (offered, or accepted by it);
/// it reads the referral in full only once it has accepted (<see cref="ProviderHandovers"/>, audited as every handover
/// view), before that only what the offer email carries; and it moves the Task only through
/// <see cref="ProviderResponses"/> (accept, reject: whichever of link and API comes first wins, and the orchestration
/// receives the same answer either way) and <see cref="ProviderProgress"/> (in-progress, on-hold, completed, failed,
/// cancelled). Each call mints a short-lived link for the provider and the referral, as the email carries, so a provider
/// key and a link are told the same by the same code.</summary>
public sealed class ProviderWork(TaskStore tasks, ChaseStore chases, SignedLinks links, ProviderResponses responses, ProviderHandovers handovers, ProviderProgress progress,
    ProgressStore progressStore, ReferralStore referralStore, FhirSerializer fhir)
{
    private static readonly TimeSpan ApiLinkLifetime = TimeSpan.FromMinutes(5);

    /// <summary>The performer's statuses (Gravity SDOH closed loop); the rest are the requester's.</summary>
    public static readonly IReadOnlyList<string> PerformerStatuses = ["accepted", "rejected", "in-progress", "on-hold", "completed", "failed", "cancelled"];

    /// <summary>A Task of this key's by id: one point read of the owner index per HealthcareService of the key, then the
    /// Task and the chase. Null (the caller answers 404) for any Task not offered to or accepted by the key's services.</summary>
    public async Task<ProviderTask?> FindAsync(Caller caller, string taskId, CancellationToken cancellationToken = default)
    {
        foreach (var providerId in caller.Providers.Order(StringComparer.Ordinal))
        {
            if (await tasks.OwnedAsync(providerId, taskId, cancellationToken) is { } owned && await SeeAsync(owned, cancellationToken) is { } seen)
            {
                return seen;
            }
        }

        return null;
    }

    /// <summary>The Task of a referral of this key's, by the referral's id (one point read of the chase).</summary>
    public async Task<ProviderTask?> FindByReferralAsync(Caller caller, string referralId, CancellationToken cancellationToken = default)
    {
        var chase = await chases.GetAsync(referralId, cancellationToken);
        if (chase?.CurrentProviderId is not { } providerId || !caller.MayActForProvider(providerId))
        {
            return null;
        }

        var record = await ReadRecordAsync(chase.PracticeOds, referralId, cancellationToken);
        return record is null ? null : await SeeAsync(new OwnedTask(providerId, record.TaskId, chase.PracticeOds, referralId), cancellationToken);
    }

    /// <summary>One page of a HealthcareService's Tasks: one partition query of the owner index (at most
    /// <paramref name="count"/> rows), then per row a point read of the Task, the chase and the link use. Rows that no
    /// longer name this service, or fail <paramref name="keep"/>, are dropped, so a page may hold fewer than
    /// <paramref name="count"/> entries and still have a next.</summary>
    public async Task<(IReadOnlyList<FhirTask> Tasks, string? Continuation)> PageAsync(string providerId, int count, string? continuation, Func<FhirTask, bool> keep,
        CancellationToken cancellationToken = default)
    {
        var (rows, next) = await tasks.OwnedByAsync(providerId, count, continuation, cancellationToken);
        var found = new List<FhirTask>();
        foreach (var row in rows)
        {
            if (await SeeAsync(row, cancellationToken) is { } seen && keep(seen.Task))
            {
                found.Add(seen.Task);
            }
        }

        return (found, next);
    }

    /// <summary>The offered referral as the offer email carries it: the activity, the practice, the person's first name
    /// and the reason where the referrer shares it; nothing else of the person.</summary>
    public static ServiceRequest OfferMinimum(ProviderTask seen)
    {
        var full = seen.Document.ServiceRequest;
        var minimum = new ServiceRequest
        {
            Id = full.Id ?? seen.Record.ReferralId,
            Meta = new Meta { VersionId = full.Meta?.VersionId, LastUpdated = full.Meta?.LastUpdated },
            Status = full.Status,
            Intent = full.Intent,
            Category = [.. full.Category.Select(c => (CodeableConcept)c.DeepCopy())],
            Code = full.Code?.DeepCopy() as CodeableConcept ?? new CodeableConcept { Text = seen.Document.Activity },
            Subject = new ResourceReference { Display = seen.Document.PatientFirstName ?? "A patient" },
            Requester = new ResourceReference { Display = seen.Document.PracticeName },
        };
        if (seen.Document.ReasonIfShareable is { } reason)
        {
            minimum.ReasonCode.Add(new CodeableConcept { Text = reason });
        }

        return minimum;
    }

    /// <summary>Audits a full read by the accepting provider's system, as a handover view.</summary>
    public async Task<bool> OpenHandoverAsync(ProviderTask seen, CancellationToken cancellationToken = default) =>
        (await handovers.OpenAsync(Link(seen, ProviderHandovers.HandoverAction), cancellationToken)).State == HandoverState.Open;

    /// <summary>Moves the Task as the provider asks: <paramref name="ifMatch"/> must name its current version.</summary>
    public async Task<ProviderMove> MoveAsync(Caller caller, string taskId, FhirTask wanted, string? ifMatch, DurableTaskClient durable, CancellationToken cancellationToken = default)
    {
        var seen = await FindAsync(caller, taskId, cancellationToken);
        if (seen is null)
        {
            return ProviderMove.Refused(404, new FhirProblem(OperationOutcome.IssueType.NotFound, $"Task/{taskId} is not known."));
        }

        if (string.IsNullOrWhiteSpace(ifMatch))
        {
            return ProviderMove.Refused(428, FhirProblem.Required("If-Match", $"Send If-Match: W/\"{seen.Task.Meta?.VersionId}\" with the version of the Task you read."));
        }

        if (Version(ifMatch) != seen.Task.Meta?.VersionId)
        {
            return ProviderMove.Refused(412, new FhirProblem(OperationOutcome.IssueType.Conflict,
                $"Task/{taskId} is at version {seen.Task.Meta?.VersionId}, not {Version(ifMatch)}: read it again and decide on what it says now."));
        }

        var target = wanted.StatusElement?.JsonValue as string;
        var current = seen.Task.StatusElement?.JsonValue as string;
        if (target is null)
        {
            return ProviderMove.Refused(422, FhirProblem.Required("Task.status", "Task.status is required."));
        }

        if (!PerformerStatuses.Contains(target))
        {
            return ProviderMove.Refused(409, Illegal(current, target, $"'{target}' is the requester's status, not the performer's: a provider moves a Task only to {string.Join(", ", PerformerStatuses)}."));
        }

        var needsReason = target is "rejected" or "on-hold" or "failed" or "cancelled";
        var reasonCode = wanted.StatusReason?.Coding.FirstOrDefault()?.Code;
        if (needsReason && wanted.StatusReason is null)
        {
            return ProviderMove.Refused(422, FhirProblem.Required("Task.statusReason", $"Task.statusReason is required when the status is {target}."));
        }

        return seen.Sight == ProviderSight.Offered
            ? await AnswerAsync(seen, current, target, reasonCode, wanted.StatusReason?.Text, durable, cancellationToken)
            : await ReportAsync(seen, current, target, reasonCode, cancellationToken);
    }

    /// <summary>Accept or reject an offer: exactly the link's POST (<see cref="ProviderResponses.RespondAsync"/>).</summary>
    private async Task<ProviderMove> AnswerAsync(ProviderTask seen, string? current, string target, string? reasonCode, string? note, DurableTaskClient durable,
        CancellationToken cancellationToken)
    {
        if (target is not ("accepted" or "rejected"))
        {
            return ProviderMove.Refused(409, Illegal(current, target, "An offered Task is first accepted or rejected."));
        }

        var accept = target == "accepted";
        DeclineReason? reason = accept ? null : StoredSpelling.ParseOrNull<DeclineReason>(reasonCode) ?? DeclineReason.Other;
        var done = await responses.RespondAsync(Link(seen, accept ? "accept" : "decline"), reason, accept ? null : note, null, durable, cancellationToken);
        if (done.State != ResponseState.AlreadyDecided || done.Decision is null)
        {
            return ProviderMove.Refused(409, Illegal(current, target, $"The offer can no longer be answered ({done.State.ToString().ToLowerInvariant()})."));
        }

        if (done.Decision.Action != (accept ? "accept" : "decline"))
        {
            return ProviderMove.Refused(409, Illegal(current, target, $"This offer was already answered: {(done.Decision.Action == "accept" ? "accepted" : "rejected")}."));
        }

        return new ProviderMove(200, await ReadTaskAsync(seen, cancellationToken), null);
    }

    /// <summary>Progress after acceptance: exactly the handover page's report (<see cref="ProviderProgress.ReportAsync"/>).</summary>
    private async Task<ProviderMove> ReportAsync(ProviderTask seen, string? current, string target, string? reasonCode, CancellationToken cancellationToken)
    {
        if (target == "accepted" && current is not ("completed" or "failed" or "cancelled"))
        {
            return new ProviderMove(200, seen.Task, null);
        }

        ProgressEntry? entry = target switch
        {
            "in-progress" => new ProgressEntry(ProgressReport.Contacted),
            "on-hold" => new ProgressEntry(ProgressReport.CouldNotContact),
            "completed" => new ProgressEntry(ProgressReport.Finished, Outcome: StoredSpelling.ParseOrNull<FinishOutcome>(reasonCode) ?? FinishOutcome.Other),
            "failed" => new ProgressEntry(ProgressReport.Stopped, Reason: StoredSpelling.ParseOrNull<StopReason>(reasonCode) ?? StopReason.Other),
            "cancelled" => new ProgressEntry(ProgressReport.Declined),
            _ => null,
        };
        if (entry is null)
        {
            return ProviderMove.Refused(409, Illegal(current, target, "An accepted Task moves on to in-progress, on-hold, completed, failed or cancelled."));
        }

        var state = await progressStore.GetAsync(seen.Record.ReferralId, cancellationToken);
        var (result, _, _) = await progress.ReportAsync(Link(seen, ProviderHandovers.HandoverAction), state.Reports, entry, cancellationToken);
        return result switch
        {
            ProgressResult.Recorded => new ProviderMove(200, await ReadTaskAsync(seen, cancellationToken), null),
            ProgressResult.Ended => ProviderMove.Refused(409, Illegal(current, target, "The provider's work with this referral has ended: nothing more is taken.")),
            _ => ProviderMove.Refused(409, Illegal(current, target, "The Task changed meanwhile: read it again.")),
        };
    }

    private static FhirProblem Illegal(string? from, string to, string why) =>
        new(OperationOutcome.IssueType.BusinessRule, $"Task status {from ?? "(none)"} → {to} is not a transition this provider may make: {why}", "Task.status");

    private static string Version(string ifMatch) => ifMatch.Trim().TrimStart('W', 'w').TrimStart('/').Trim('"');

    private string Link(ProviderTask seen, string action) => links.Create(ChaseActivities.ProviderAudience, seen.Record.ReferralId, seen.ProviderId, action, ApiLinkLifetime);

    /// <summary>What a provider may see of an indexed Task: the Task names the service as owner, and the service holds
    /// the chase now (offered and undecided, or accepted by it); otherwise nothing.</summary>
    private async Task<ProviderTask?> SeeAsync(OwnedTask owned, CancellationToken cancellationToken)
    {
        var stored = await tasks.GetAsync(owned.PracticeOds, owned.TaskId, cancellationToken);
        if (stored is null || TaskStore.OwnerOf(stored.Json) != owned.ProviderId)
        {
            return null;
        }

        var chase = await chases.GetAsync(stored.ReferralId, cancellationToken);
        if (chase is null || chase.CurrentProviderId != owned.ProviderId)
        {
            return null;
        }

        var offered = await responses.ViewAsync(Link(owned.ProviderId, stored.ReferralId, "accept"), cancellationToken);
        if (offered.State == ResponseState.Ready && offered.Referral is { } offeredDocument)
        {
            return await Seen(owned, stored, ProviderSight.Offered, offeredDocument, cancellationToken);
        }

        var handover = await handovers.ReadAsync(Link(owned.ProviderId, stored.ReferralId, ProviderHandovers.HandoverAction), cancellationToken: cancellationToken);
        if (handover is { State: HandoverState.Open, Referral: { } document })
        {
            return await Seen(owned, stored, ProviderSight.Owned, document, cancellationToken);
        }

        // Accepted (by link or API) and not yet recorded by the chase: still the offer's minimum, and an answer to it
        // is told what was decided.
        return offered is { State: ResponseState.AlreadyDecided, Decision.Action: "accept", Referral: { } accepting } && handover.State == HandoverState.Recording
            ? await Seen(owned, stored, ProviderSight.Offered, accepting, cancellationToken)
            : null;
    }

    private async Task<ProviderTask?> Seen(OwnedTask owned, StoredTask stored, ProviderSight sight, ReferralDocument document, CancellationToken cancellationToken)
    {
        var record = await ReadRecordAsync(owned.PracticeOds, stored.ReferralId, cancellationToken);
        return record is null || Parse(stored.Json) is not { } task ? null : new ProviderTask(owned.ProviderId, task, sight, record, document);
    }

    private string Link(string providerId, string referralId, string action) => links.Create(ChaseActivities.ProviderAudience, referralId, providerId, action, ApiLinkLifetime);

    private async Task<ReferralRecord?> ReadRecordAsync(string practiceOds, string referralId, CancellationToken cancellationToken) =>
        await referralStore.GetAsync(practiceOds, referralId, cancellationToken);

    private async Task<FhirTask?> ReadTaskAsync(ProviderTask seen, CancellationToken cancellationToken) =>
        await tasks.GetAsync(seen.Record.PracticeOds, seen.Record.TaskId, cancellationToken) is { } stored ? Parse(stored.Json) : null;

    private FhirTask? Parse(string json) => fhir.ParseJson(Encoding.UTF8.GetBytes(json)).Resource as FhirTask;
}

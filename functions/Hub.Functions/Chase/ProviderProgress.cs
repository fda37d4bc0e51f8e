using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Hub.Platform.Storage;
using Hub.Providers;
using Hub.Referrals;
using Hub.WriteBack;
using Microsoft.Extensions.Options;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Chase;

/// <summary>What the accepting provider has reported so far (the Chases table's <c>progress</c> row): how many reports
/// (the form's sequence number, so a stale or replayed form does nothing twice), contact tries, sessions, the last report.</summary>
public sealed record ProgressState(int Reports, int ContactTries, int? Sessions, DateOnly? FirstSession, ProgressReport? Last, bool Applied, ETag ETag)
{
    public static ProgressState None { get; } = new(0, 0, null, null, null, true, default);

    public bool Ended => Last?.Ends() == true;
}

/// <summary>One report as the provider made it on the page (or through the API): checked, ids and codes only.</summary>
public sealed record ProgressEntry(ProgressReport Report, DateOnly? Date = null, int? Sessions = null, FinishOutcome? Outcome = null, StopReason? Reason = null);

/// <summary>Reads the accepting provider's reports so far (the Chases table's <c>progress</c> row).</summary>
public sealed class ProgressStore(HubTables tables)
{
    public const string Row = "progress";

    public async Task<ProgressState> GetAsync(string referralId, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(referralId))
        {
            return ProgressState.None;
        }

        var table = await tables.GetAsync(ChaseStore.Chases);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(referralId, Row, cancellationToken: cancellationToken);
        if (!row.HasValue)
        {
            return ProgressState.None;
        }

        var r = row.Value!;
        return new ProgressState(r.GetInt32("Reports") ?? 0, r.GetInt32("ContactTries") ?? 0, r.GetInt32("Sessions"),
            r.GetString("FirstSession") is { } first ? DateOnly.ParseExact(first, "O", CultureInfo.InvariantCulture) : null,
            StoredSpelling.ParseOrNull<ProgressReport>(r.GetString("Last")), r.GetBoolean("Applied") ?? true, r.ETag);
    }

}

public enum ProgressResult
{
    Recorded,
    /// <summary>The form was made before the last report (opened twice, or sent again): nothing changed.</summary>
    Stale,
    /// <summary>The provider's work with the person has ended: nothing more is taken.</summary>
    Ended,
    /// <summary>The link does not open the handover (see the view's state).</summary>
    Refused,
}

/// <summary>The accepting provider's reports after the handover. Each moves the Task (Gravity: the performer's
/// in-progress, on-hold, completed, failed, cancelled with statusReason; the finer step in businessStatus), adds an audit
/// line, and tells the referrer at the points that matter (could not contact, declined, finished, stopped). The follow-up
/// keeps its own clock. The report is recorded first (conditional on the state the form was made from), then applied;
/// each effect is safe to run again, so the same form sent again finishes an application a crash interrupted.</summary>
public sealed class ProviderProgress(HubTables tables, ProgressStore store, ProviderHandovers handovers, ReferralTaskProgress tasks, AuditTrail audit, ReferrerNews news,
    ProviderDirectory providers, IOptions<ProgressOptions> options, GpProgressWrites gpRecord, TimeProvider time)
{
    private const string Row = ProgressStore.Row;

    /// <param name="sequence">The number of reports the form was made after (the page's hidden field).</param>
    public async Task<(ProgressResult Result, HandoverView View, ProgressState State)> ReportAsync(string? token, int sequence, ProgressEntry entry, CancellationToken cancellationToken = default)
    {
        var view = await handovers.ReadAsync(token, cancellationToken: cancellationToken);
        if (view.State != HandoverState.Open)
        {
            return (ProgressResult.Refused, view, ProgressState.None);
        }

        var referralId = view.Claims!.ReferralId;
        var state = await store.GetAsync(referralId, cancellationToken);
        if (sequence != state.Reports)
        {
            // The same form again: finish what a first attempt may have left half done, change nothing more.
            if (!state.Applied && sequence == state.Reports - 1)
            {
                await ApplyAsync(view, state, cancellationToken);
                state = await store.GetAsync(referralId, cancellationToken);
            }

            return (ProgressResult.Stale, view, state);
        }

        if (state.Ended)
        {
            return (ProgressResult.Ended, view, state);
        }

        var next = state with
        {
            Reports = state.Reports + 1,
            ContactTries = entry.Report switch
            {
                ProgressReport.CouldNotContact => state.ContactTries + 1,
                ProgressReport.Contacted => 0,
                _ => state.ContactTries,
            },
            Sessions = entry.Report == ProgressReport.Sessions ? entry.Sessions : entry.Report == ProgressReport.FirstSession ? Math.Max(state.Sessions ?? 0, 1) : state.Sessions,
            FirstSession = entry.Report == ProgressReport.FirstSession ? entry.Date : state.FirstSession,
            Last = entry.Report,
            Applied = false,
        };
        var entity = new TableEntity(referralId, Row)
        {
            ["Reports"] = next.Reports,
            ["ContactTries"] = next.ContactTries,
            ["Sessions"] = next.Sessions,
            ["FirstSession"] = next.FirstSession?.ToString("O", CultureInfo.InvariantCulture),
            ["Last"] = entry.Report.Spelling(),
            ["Applied"] = false,
            // The last report's detail, for its application (codes only).
            ["Date"] = entry.Date?.ToString("O", CultureInfo.InvariantCulture),
            ["Outcome"] = entry.Outcome?.Spelling(),
            ["Reason"] = entry.Reason?.Spelling(),
        };
        var table = await tables.GetAsync(ChaseStore.Chases);
        try
        {
            if (state.Reports == 0 && state.ETag == default)
            {
                await table.AddEntityAsync(entity, cancellationToken);
            }
            else
            {
                await table.UpdateEntityAsync(entity, state.ETag, TableUpdateMode.Replace, cancellationToken);
            }
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Another copy of the same form got there first.
            return (ProgressResult.Stale, view, await store.GetAsync(referralId, cancellationToken));
        }

        await ApplyAsync(view, await store.GetAsync(referralId, cancellationToken), cancellationToken);
        return (ProgressResult.Recorded, view, await store.GetAsync(referralId, cancellationToken));
    }

    /// <summary>The last recorded report's effects: the Task, the audit line (once per report), the referrer's email
    /// (once per report); then the report is marked applied.</summary>
    private async System.Threading.Tasks.Task ApplyAsync(HandoverView view, ProgressState state, CancellationToken cancellationToken)
    {
        var claims = view.Claims!;
        var table = await tables.GetAsync(ChaseStore.Chases);
        var row = (await table.GetEntityAsync<TableEntity>(claims.ReferralId, Row, cancellationToken: cancellationToken)).Value;
        var report = state.Last!.Value;
        var outcome = StoredSpelling.ParseOrNull<FinishOutcome>(row.GetString("Outcome"));
        var reason = StoredSpelling.ParseOrNull<StopReason>(row.GetString("Reason"));
        var record = view.Referral!;
        var task = view.Task!;
        var practiceOds = task.Requester?.Identifier?.Value ?? throw new InvalidOperationException("The Task names no practice.");
        var onHold = report == ProgressReport.CouldNotContact && state.ContactTries >= Math.Max(1, options.Value.ContactTries);

        await tasks.UpdateAsync(practiceOds, task.Id!, t => Move(t, report, state, outcome, reason, onHold), cancellationToken);
        var detail = report switch
        {
            ProgressReport.CouldNotContact => state.ContactTries.ToString(CultureInfo.InvariantCulture),
            ProgressReport.FirstSession => state.FirstSession?.ToString("O", CultureInfo.InvariantCulture),
            ProgressReport.Sessions => state.Sessions?.ToString(CultureInfo.InvariantCulture),
            ProgressReport.Finished => outcome?.Spelling(),
            ProgressReport.Stopped => reason?.Spelling(),
            _ => null,
        };
        await audit.AppendAsync(claims.ReferralId, ChaseAudit.ProgressReported(claims.SubjectId, report, detail, state.Reports), cancellationToken);

        var providerName = (await providers.GetAsync(claims.SubjectId, cancellationToken))?.Name ?? "The provider";
        var update = report switch
        {
            ProgressReport.CouldNotContact when onHold => new ReferrerUpdate($"progress-{state.Reports}", $"{providerName} could not contact the person",
                $"They tried {state.ContactTries} times without reaching them, so the referral is on hold. Please check the person's contact details or let them know to expect contact."),
            ProgressReport.Declined => new ReferrerUpdate($"progress-{state.Reports}", "The person declined the service",
                $"{providerName} reports that the person does not want to take up the service."),
            ProgressReport.Finished => new ReferrerUpdate($"progress-{state.Reports}", $"{providerName} has finished working with the person",
                $"Outcome: {outcome?.Label() ?? "not given"}. The outcome follow-up still goes out as planned."),
            ProgressReport.Stopped => new ReferrerUpdate($"progress-{state.Reports}", $"{providerName} stopped working with the person",
                $"Reason: {reason?.Label() ?? "not given"}."),
            _ => null,
        };
        if (update is not null)
        {
            await news.TellAsync(new ReferralOrchestrationInput(claims.ReferralId, practiceOds, task.Id!), record, update);
        }

        // Declined, started and finished go into the GP record where the practice has a write-back endpoint (queued once
        // per referral and point, written by the GpProgressWrites timer, retried while the practice is unreachable).
        GpProgressPoint? point = report switch
        {
            ProgressReport.Declined => GpProgressPoint.Declined,
            ProgressReport.FirstSession => GpProgressPoint.Started,
            ProgressReport.Finished => GpProgressPoint.Finished,
            _ => null,
        };
        if (point is { } p)
        {
            var at = p == GpProgressPoint.Started && state.FirstSession is { } first
                ? new DateTimeOffset(first.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)
                : time.GetUtcNow();
            var coded = p == GpProgressPoint.Finished && outcome is { } o ? new GpProgressDetail(ProgressCodes.OutcomeSystem, o.Spelling(), o.Label()) : null;
            await gpRecord.QueueAsync(practiceOds, claims.ReferralId, claims.SubjectId, p, at, coded, cancellationToken);
        }

        row["Applied"] = true;
        await table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    /// <summary>How a report moves the Task: Gravity's performer statuses, the hub's businessStatus, statusReason where
    /// Gravity requires one, and the counts as outputs.</summary>
    public static void Move(FhirTask task, ProgressReport report, ProgressState state, FinishOutcome? outcome, StopReason? reason, bool onHold)
    {
        switch (report)
        {
            case ProgressReport.Contacted:
                ReferralTaskProgress.Step(task, FhirTask.TaskStatus.InProgress, TaskBusinessStatus.PersonContacted);
                break;
            case ProgressReport.CouldNotContact when onHold:
                ReferralTaskProgress.Step(task, FhirTask.TaskStatus.OnHold, TaskBusinessStatus.CouldNotContact);
                task.StatusReason = new CodeableConcept(ProgressCodes.ContactSystem, "could-not-contact", "Could not contact the person",
                    $"Could not contact the person after {state.ContactTries} tries");
                break;
            case ProgressReport.CouldNotContact:
                ReferralTaskProgress.Step(task, FhirTask.TaskStatus.InProgress, TaskBusinessStatus.ContactAttempted);
                break;
            case ProgressReport.FirstSession:
                ReferralTaskProgress.Step(task, FhirTask.TaskStatus.InProgress, TaskBusinessStatus.FirstSessionAttended);
                if (state.FirstSession is { } first)
                {
                    ChaseTaskSteps.RecordFirstSession(task, first);
                }

                break;
            case ProgressReport.Sessions:
                ReferralTaskProgress.Step(task, FhirTask.TaskStatus.InProgress, TaskBusinessStatus.Attending);
                break;
            case ProgressReport.Declined:
                ReferralTaskProgress.Step(task, FhirTask.TaskStatus.Cancelled, TaskBusinessStatus.PersonDeclined);
                task.StatusReason = new CodeableConcept(FhirCodes.Snomed, ProgressCodes.SocialPrescribingDeclined, "Social prescribing declined", "The person declined the service");
                break;
            case ProgressReport.Finished:
                ReferralTaskProgress.Step(task, FhirTask.TaskStatus.Completed, TaskBusinessStatus.Finished);
                if (outcome is { } o)
                {
                    task.Output.RemoveAll(x => x.Type?.Text == "provider-outcome");
                    task.Output.Add(new FhirTask.OutputComponent { Type = new CodeableConcept { Text = "provider-outcome" }, Value = new CodeableConcept(ProgressCodes.OutcomeSystem, o.Spelling(), o.Label(), o.Label()) });
                }

                break;
            case ProgressReport.Stopped:
                ReferralTaskProgress.Step(task, FhirTask.TaskStatus.Failed, TaskBusinessStatus.Stopped);
                var r = reason ?? StopReason.Other;
                task.StatusReason = new CodeableConcept(ProgressCodes.StopReasonSystem, r.Spelling(), r.Label(), r.Label());
                break;
        }

        if (state.Sessions is { } sessions)
        {
            task.Output.RemoveAll(x => x.Type?.Text == "sessions-attended");
            task.Output.Add(new FhirTask.OutputComponent { Type = new CodeableConcept { Text = "sessions-attended" }, Value = new UnsignedInt(sessions) });
        }
    }
}

using Azure;
using Azure.Data.Tables;
using Hl7.Fhir.Model;
using Hub.Platform.Storage;
using Hub.Platform.Telemetry;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Referrals;

/// <summary>A step of a referral's orchestration that ran out of retries (email or storage down for longer than the retry
/// budget) and is held, not failed. Ids and codes only: it is an activity input, stored in durable history.</summary>
/// <param name="InstanceId">The chase's or the follow-up's instance.</param>
/// <param name="Activity">The activity that failed (its durable name).</param>
/// <param name="FailureType">The failure's exception type, never its message (messages can carry a server's words).</param>
/// <param name="Holds">How many times in a row this step has been held.</param>
/// <param name="At">The orchestration's time of this hold or release (deterministic; keys the audit line).</param>
public sealed record HeldStep(ReferralOrchestrationInput Referral, string InstanceId, string Activity, string? FailureType, int Holds, DateTime At);

/// <summary>An operator's "try again now" for a held step (<see cref="ReferralInstances.ResumeEvent"/>).</summary>
public sealed record ResumeRequest(string By);

/// <summary>A held step as the operator list shows it.</summary>
public sealed record HeldReferral(string InstanceId, string ReferralId, string PracticeOds, string Activity, string? FailureType, int Holds, DateTimeOffset Since, DateTimeOffset LastTried);

/// <summary>Where held steps are listed for operators, and the two activities that hold and release one: the Task goes
/// <c>on-hold</c> with a reason a practice understands while the hub retries by itself on a slow schedule.</summary>
public sealed partial class ReferralHolds(HubTables tables, ReferralTaskProgress tasks, AuditTrail audit, TimeProvider time, ILogger<ReferralHolds> logger)
{
    public const string Table = "HeldReferrals";
    private const string Partition = "held";

    /// <summary>What the practice reads on the Task while a step is held.</summary>
    public const string HeldReason =
        "The hub could not complete a step (its email service or storage was unavailable). It retries by itself and an operator has been alerted; the practice need do nothing.";

    [Function(ReferralInstances.HoldStep)]
    public async System.Threading.Tasks.Task HoldStep([ActivityTrigger] HeldStep held)
    {
        var referral = held.Referral;
        var table = await tables.GetAsync(Table);
        var existing = await table.GetEntityIfExistsAsync<TableEntity>(Partition, held.InstanceId);
        var now = time.GetUtcNow();
        var row = existing.HasValue ? existing.Value! : new TableEntity(Partition, held.InstanceId) { ["Since"] = now };
        if (!existing.HasValue)
        {
            // Kept so the release can put the Task back exactly as the step found it.
            var task = await tasks.ReadAsync(referral.PracticeOds, referral.TaskId);
            row["PreviousStatus"] = task?.Status?.ToString();
            row["PreviousBusinessStatus"] = task?.BusinessStatus?.Coding.FirstOrDefault()?.Code;
            row["PreviousReason"] = task?.StatusReason?.Text;
        }

        row["ReferralId"] = referral.ReferralId;
        row["PracticeOds"] = referral.PracticeOds;
        row["TaskId"] = referral.TaskId;
        row["Activity"] = held.Activity;
        row["FailureType"] = held.FailureType;
        row["Holds"] = held.Holds;
        row["LastTried"] = now;
        await table.UpsertEntityAsync(row, TableUpdateMode.Replace);
        await tasks.UpdateAsync(referral.PracticeOds, referral.TaskId, task => ReferralTaskProgress.Step(task, FhirTask.TaskStatus.OnHold, TaskBusinessStatus.StepHeld, HeldReason));
        await audit.AppendAsync(referral.ReferralId, LifecycleEvent.StepHeld(held.Activity, held.Holds, held.At));
        HubTelemetry.StepsHeld.Add(1, new KeyValuePair<string, object?>("activity", held.Activity));
        LogHeld(logger, referral.ReferralId, held.InstanceId, held.Activity, held.FailureType, held.Holds);
    }

    [Function(ReferralInstances.ReleaseHold)]
    public async System.Threading.Tasks.Task ReleaseHold([ActivityTrigger] HeldStep held)
    {
        var referral = held.Referral;
        var table = await tables.GetAsync(Table);
        var existing = await table.GetEntityIfExistsAsync<TableEntity>(Partition, held.InstanceId);
        if (existing.HasValue)
        {
            var row = existing.Value!;
            var status = Enum.TryParse<FhirTask.TaskStatus>(row.GetString("PreviousStatus"), out var s) ? s : FhirTask.TaskStatus.Requested;
            var business = StoredSpelling.ParseOrNull<TaskBusinessStatus>(row.GetString("PreviousBusinessStatus")) ?? TaskBusinessStatus.Received;
            var reason = row.GetString("PreviousReason");
            await tasks.UpdateAsync(referral.PracticeOds, referral.TaskId, task =>
            {
                // Only a Task still showing the hold goes back; one a later step already moved is left as it is.
                if (task.BusinessStatus?.Coding.FirstOrDefault()?.Code == TaskBusinessStatus.StepHeld.Spelling())
                {
                    ReferralTaskProgress.Step(task, status, business, reason);
                }
            });
            await table.DeleteEntityAsync(Partition, held.InstanceId, ETag.All);
        }

        await audit.AppendAsync(referral.ReferralId, LifecycleEvent.StepResumed(held.Activity, held.Holds, held.At));
        HubTelemetry.StepsResumed.Add(1, new KeyValuePair<string, object?>("activity", held.Activity));
    }

    /// <summary>Every held step, oldest first: the operators' list of referrals needing attention.</summary>
    public async Task<IReadOnlyList<HeldReferral>> ListAsync(CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var held = new List<HeldReferral>();
        await foreach (var row in table.QueryAsync<TableEntity>(r => r.PartitionKey == Partition, cancellationToken: cancellationToken))
        {
            held.Add(new HeldReferral(row.RowKey, row.GetString("ReferralId"), row.GetString("PracticeOds"), row.GetString("Activity"), row.GetString("FailureType"),
                row.GetInt32("Holds") ?? 0, row.GetDateTimeOffset("Since") ?? default, row.GetDateTimeOffset("LastTried") ?? default));
        }

        return held.OrderBy(h => h.Since).ToList();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Referral {ReferralId}: step {Activity} of {InstanceId} ran out of retries ({FailureType}); held (hold {Holds}) and retried on a slow schedule")]
    private static partial void LogHeld(ILogger logger, string referralId, string instanceId, string activity, string? failureType, int holds);
}

using Hub.FollowUp;
using Hub.Referrals;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.WriteBack;

/// <summary>The write-back's decisions: when there is nothing left to write, what a refusal returns to the orchestration,
/// and what the Task tells the practice when a write is parked for an operator.</summary>
public static class WriteBackSteps
{
    /// <summary>Written, read through the hub's API, or never needed: a repeat of the step returns this state.</summary>
    public static bool IsSettled(WriteBackState state) => state is WriteBackState.Written or WriteBackState.NoEndpoint or WriteBackState.NotNeeded;

    /// <summary>A refusal as it goes back through orchestration history: the state only. The server's diagnostics are
    /// stored with the answers (<see cref="FollowUpStore.SetWriteBackAsync"/>), never carried in history.</summary>
    public static WriteBackOutcome Refused { get; } = new(WriteBackState.Refused, null);

    public static TaskStep Written { get; } = new(FhirTask.TaskStatus.InProgress, TaskBusinessStatus.WrittenBack);

    public static TaskStep Parked(WriteBackOutcome outcome) => new(FhirTask.TaskStatus.InProgress, TaskBusinessStatus.WriteBackParked, ParkReason(outcome));

    public static string ParkReason(WriteBackOutcome outcome) => outcome.State == WriteBackState.Refused
        ? $"The practice's FHIR server refused the outcomes ({outcome.Detail}). An operator will retry once it is fixed."
        : $"The practice's FHIR server could not be reached ({outcome.Detail}). An operator will retry.";

    public static string? Shorten(string? text) => text is { Length: > 300 } ? text[..300] + "…" : text;
}

using Microsoft.DurableTask.Client;

namespace Hub.Platform.Durable;

public static class DurableEvents
{
    /// <summary>Whether an instance can still receive an event: one that has ended, or never started, has nothing
    /// waiting, and an event sent there would only sit in the task hub.</summary>
    public static bool CanReceive(OrchestrationRuntimeStatus status) =>
        status is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended;
}

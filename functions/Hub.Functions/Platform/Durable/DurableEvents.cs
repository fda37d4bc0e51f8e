using Microsoft.DurableTask.Client;

namespace Hub.Platform.Durable;

public static class DurableEvents
{
    /// <summary>Raises an event only on an instance that can still receive it: one that has ended, or never started,
    /// has nothing waiting, and an event sent there would only sit in the task hub.</summary>
    public static async Task RaiseIfRunningAsync(this DurableTaskClient durable, string instanceId, string eventName, object payload, CancellationToken cancellationToken = default)
    {
        var instance = await durable.GetInstanceAsync(instanceId, cancellationToken);
        if (instance is { RuntimeStatus: OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended })
        {
            await durable.RaiseEventAsync(instanceId, eventName, payload, cancellationToken);
        }
    }
}

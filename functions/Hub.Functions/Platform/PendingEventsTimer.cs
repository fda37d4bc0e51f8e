using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Hub.Platform;

/// <summary>Runs the reconciler on the schedule in the app setting <c>PendingEventsSchedule</c> (every 2 minutes as
/// deployed: <c>0 */2 * * * *</c>).</summary>
public sealed class PendingEventsTimer(PendingEventsReconciler reconciler)
{
    public const string ScheduleSetting = "PendingEventsSchedule";

    [Function("DeliverPendingEvents")]
    public Task Run([TimerTrigger($"%{ScheduleSetting}%")] TimerInfo timer, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken) =>
        reconciler.ReconcileAsync(durable, cancellationToken);
}

using Hub.Platform.Durable;
using Hub.Platform.Telemetry;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hub.Platform;

/// <summary>How the reconciler treats recorded events (configuration section <c>PendingEvents</c>). Its schedule is the
/// app setting <c>PendingEventsSchedule</c> (every 2 minutes by default).</summary>
public sealed class PendingEventsOptions
{
    public const string Section = "PendingEvents";

    /// <summary>An event younger than this is left to the request that recorded it (which is raising it now).</summary>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>An event still undeliverable after this long (its instance never came to receive it) is given up, with a log line.</summary>
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromDays(7);
}

/// <summary>What one pass of the reconciler did.</summary>
public sealed record ReconcilePass(int Delivered, int NoReceiver, int StillPending, int GivenUp, int Failed);

/// <summary>Delivers the decisions that were recorded and never delivered: the request that recorded one died, or the
/// task hub could not be reached, between "recorded" and "delivered". Runs from <see cref="PendingEventsTimer"/>.</summary>
public sealed partial class PendingEventsReconciler(PendingEvents pending, IOptions<PendingEventsOptions> options, TimeProvider time, ILogger<PendingEventsReconciler> logger)
{
    public async Task<ReconcilePass> ReconcileAsync(DurableTaskClient durable, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var (delivered, noReceiver, stillPending, givenUp, failed) = (0, 0, 0, 0, 0);
        await foreach (var recorded in pending.UndeliveredAsync(now - options.Value.GracePeriod, cancellationToken))
        {
            try
            {
                if (now - recorded.RecordedAt > options.Value.GiveUpAfter)
                {
                    await pending.SettleAsync(recorded, EventDelivery.GivenUp, cancellationToken);
                    HubTelemetry.EventsGivenUp.Add(1, new KeyValuePair<string, object?>("event", recorded.EventName));
                    LogGivenUp(logger, recorded.InstanceId, recorded.EventName, recorded.Key, recorded.RecordedAt);
                    givenUp++;
                    continue;
                }

                switch (await pending.DeliverAsync(durable, recorded, cancellationToken: cancellationToken))
                {
                    case EventDelivery.Delivered:
                        HubTelemetry.EventsRepaired.Add(1, new KeyValuePair<string, object?>("event", recorded.EventName));
                        LogRepaired(logger, recorded.InstanceId, recorded.EventName, recorded.Key);
                        delivered++;
                        break;
                    case EventDelivery.NoReceiver:
                        noReceiver++;
                        break;
                    default:
                        stillPending++;
                        break;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One that fails (the task hub still unreachable) waits for the next pass; the others go on.
                LogFailed(logger, recorded.InstanceId, recorded.EventName, recorded.Key, ex.GetType().Name);
                failed++;
            }
        }

        return new ReconcilePass(delivered, noReceiver, stillPending, givenUp, failed);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivered event {EventName} ({Key}) to instance {InstanceId}: it was recorded and never delivered.")]
    private static partial void LogRepaired(ILogger logger, string instanceId, string eventName, string key);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gave up delivering event {EventName} ({Key}) to instance {InstanceId}, recorded {RecordedAt:o}: the instance never came to receive it.")]
    private static partial void LogGivenUp(ILogger logger, string instanceId, string eventName, string key, DateTimeOffset recordedAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event {EventName} ({Key}) for instance {InstanceId} could not be delivered yet ({Error}); the next pass tries again.")]
    private static partial void LogFailed(ILogger logger, string instanceId, string eventName, string key, string error);
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Hub.Platform.Storage;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace Hub.Platform.Durable;

/// <summary>Where a recorded event stands.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EventDelivery>))]
public enum EventDelivery
{
    /// <summary>Recorded, not yet raised: a repeat of the decision or the reconciler raises it.</summary>
    [JsonStringEnumMemberName("pending")] Pending,
    [JsonStringEnumMemberName("delivered")] Delivered,
    /// <summary>Its instance had ended: nothing waits for it any more.</summary>
    [JsonStringEnumMemberName("no-receiver")] NoReceiver,
    /// <summary>Undeliverable for longer than the reconciler waits (its instance never came to receive it).</summary>
    [JsonStringEnumMemberName("given-up")] GivenUp,
}

/// <summary>A decision's event, recorded before it is raised. <paramref name="Payload"/> is the event's JSON: ids and codes only.</summary>
public sealed record PendingEvent(string InstanceId, string EventName, string Key, string Payload, DateTimeOffset RecordedAt, EventDelivery Delivery, DateTimeOffset? SettledAt)
{
    public bool IsSettled => Delivery != EventDelivery.Pending;

    public T Read<T>() => JsonSerializer.Deserialize<T>(Payload) ?? throw new InvalidOperationException($"Pending event {Key} of {InstanceId} has no payload.");
}

/// <summary>Every decision is delivered exactly once: its event is recorded here (once per instance and key) before it
/// is raised, and marked delivered after. A repeat of the decision finds the record and raises it again only when it was
/// not delivered; <c>PendingEventsReconciler</c> raises what was recorded and never delivered (a crash, a dropped
/// connection). Orchestrations ignore a second copy, so the rare double raise (a repeat meeting the reconciler) is harmless.</summary>
public sealed partial class PendingEvents(HubTables tables, TimeProvider time, ILogger<PendingEvents> logger)
{
    public const string Table = "PendingEvents";

    /// <summary>Records the event unless one with this key was recorded for the instance before.</summary>
    /// <returns>The record: this one, or the earlier one (whose payload stands).</returns>
    public async Task<(PendingEvent Event, bool First)> RecordAsync(string instanceId, string eventName, string key, object payload, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(instanceId) || !TableKeys.IsSafe(key))
        {
            throw new ArgumentException($"Pending event keys must be safe table keys: {instanceId} {key}.");
        }

        var pending = new PendingEvent(instanceId, eventName, key, JsonSerializer.Serialize(payload, payload.GetType()), time.GetUtcNow(), EventDelivery.Pending, null);
        var table = await tables.GetAsync(Table);
        try
        {
            await table.AddEntityAsync(new TableEntity(instanceId, key)
            {
                ["EventName"] = eventName,
                ["Payload"] = pending.Payload,
                ["RecordedAt"] = pending.RecordedAt,
                ["Delivery"] = Spell(EventDelivery.Pending),
            }, cancellationToken);
            return (pending, true);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return (await GetAsync(instanceId, key, cancellationToken) ?? throw new InvalidOperationException($"Pending event {key} of {instanceId} vanished."), false);
        }
    }

    public async Task<PendingEvent?> GetAsync(string instanceId, string key, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(instanceId) || !TableKeys.IsSafe(key))
        {
            return null;
        }

        var table = await tables.GetAsync(Table);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(instanceId, key, cancellationToken: cancellationToken);
        return row.HasValue ? Of(row.Value!) : null;
    }

    /// <summary>Records the event (once) and raises it unless it was delivered already.</summary>
    /// <exception cref="Exception">When the task hub cannot be reached: the event stays recorded for a repeat or the reconciler.</exception>
    public async Task<EventDelivery> SendAsync(DurableTaskClient durable, string instanceId, string eventName, string key, object payload, CancellationToken cancellationToken = default)
    {
        var (pending, first) = await RecordAsync(instanceId, eventName, key, payload, cancellationToken);
        return await DeliverAsync(durable, pending, first ? payload : null, cancellationToken);
    }

    /// <summary>Raises a recorded event on its instance when the instance can receive it, and marks it delivered. An
    /// instance that has ended settles it (nothing waits); one that does not exist yet, or has failed, leaves it pending.</summary>
    /// <param name="payload">The event as its type (the first raise, in the request that decided); null to raise the recorded JSON.</param>
    public async Task<EventDelivery> DeliverAsync(DurableTaskClient durable, PendingEvent pending, object? payload = null, CancellationToken cancellationToken = default)
    {
        if (pending.IsSettled)
        {
            return pending.Delivery;
        }

        var instance = await durable.GetInstanceAsync(pending.InstanceId, cancellationToken);
        if (instance is not null && DurableEvents.CanReceive(instance.RuntimeStatus))
        {
            if (payload is null)
            {
                using var json = JsonDocument.Parse(pending.Payload);
                await durable.RaiseEventAsync(pending.InstanceId, pending.EventName, json.RootElement.Clone(), cancellationToken);
            }
            else
            {
                await durable.RaiseEventAsync(pending.InstanceId, pending.EventName, payload, cancellationToken);
            }

            await SettleAsync(pending, EventDelivery.Delivered, cancellationToken);
            return EventDelivery.Delivered;
        }

        if (instance is { RuntimeStatus: OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Terminated })
        {
            await SettleAsync(pending, EventDelivery.NoReceiver, cancellationToken);
            return EventDelivery.NoReceiver;
        }

        return EventDelivery.Pending;
    }

    /// <summary><see cref="DeliverAsync"/> for a page a person is looking at: a task hub that cannot be reached leaves the
    /// event pending (logged, ids only) rather than failing a decision that is safely recorded.</summary>
    public async Task<EventDelivery> TryDeliverAsync(DurableTaskClient durable, PendingEvent pending, object? payload = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await DeliverAsync(durable, pending, payload, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogNotDelivered(logger, pending.InstanceId, pending.EventName, pending.Key, ex.GetType().Name);
            return EventDelivery.Pending;
        }
    }

    /// <summary>Records then tries to deliver, for a page (see <see cref="TryDeliverAsync"/>).</summary>
    public async Task<EventDelivery> TrySendAsync(DurableTaskClient durable, string instanceId, string eventName, string key, object payload, CancellationToken cancellationToken = default)
    {
        var (pending, first) = await RecordAsync(instanceId, eventName, key, payload, cancellationToken);
        return await TryDeliverAsync(durable, pending, first ? payload : null, cancellationToken);
    }

    /// <summary>Events recorded before <paramref name="recordedBefore"/> and not delivered, for the reconciler.</summary>
    public async IAsyncEnumerable<PendingEvent> UndeliveredAsync(DateTimeOffset recordedBefore, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var filter = TableClient.CreateQueryFilter($"Delivery eq {Spell(EventDelivery.Pending)} and RecordedAt lt {recordedBefore}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return Of(row);
        }
    }

    public async Task SettleAsync(PendingEvent pending, EventDelivery delivery, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        await table.UpdateEntityAsync(new TableEntity(pending.InstanceId, pending.Key)
        {
            ["Delivery"] = Spell(delivery),
            ["SettledAt"] = time.GetUtcNow(),
        }, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    private static string Spell(EventDelivery delivery) => JsonSerializer.Serialize(delivery).Trim('"');

    private static EventDelivery Parse(string? text) =>
        text is null ? EventDelivery.Pending : JsonSerializer.Deserialize<EventDelivery>($"\"{text}\"");

    private static PendingEvent Of(TableEntity row) =>
        new(row.PartitionKey, row.GetString("EventName"), row.RowKey, row.GetString("Payload"), row.GetDateTimeOffset("RecordedAt") ?? default,
            Parse(row.GetString("Delivery")), row.GetDateTimeOffset("SettledAt"));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event {EventName} ({Key}) for instance {InstanceId} is recorded but could not be raised ({Error}); it will be delivered later.")]
    private static partial void LogNotDelivered(ILogger logger, string instanceId, string eventName, string key, string error);
}

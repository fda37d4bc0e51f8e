using System.Text.Json.Serialization;
using Azure.Data.Tables;
using Hub.FollowUp;
using Hub.Platform.Durable;
using Hub.Platform.Storage;
using Hub.Referrals;
using Microsoft.DurableTask.Client;

namespace Hub.WriteBack;

/// <summary>What a write to the GP record carries, as operators see it: the survey answers (outcomes), a provider's
/// progress point, the link worker's discharge, or an amendment of one of its onward connections after it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GpWriteKind>))]
public enum GpWriteKind
{
    [JsonStringEnumMemberName("outcomes")] Outcomes,
    [JsonStringEnumMemberName("progress")] Progress,
    [JsonStringEnumMemberName("discharge")] Discharge,
    [JsonStringEnumMemberName("discharge-amendment")] DischargeAmendment,
}

/// <summary>One parked write as the unified listing shows it: ids, kind and state only, never the content or the
/// server's words (those stay on the per-kind rows).</summary>
/// <param name="Item">Which write of the referral: the survey (baseline, follow-up), the point (declined, started,
/// finished), <c>discharge</c>, or the onward connection's referral id.</param>
public sealed record ParkedGpWrite(string ReferralId, GpWriteKind Kind, string Item, string PracticeOds, string State, DateTimeOffset? ParkedAt, int Retries);

/// <summary>One write an operator's retry queued again, and where it stood after (a progress point is tried at once).</summary>
/// <param name="Delivered">For outcomes: whether the follow-up got the retry event now (false: recorded, the reconciler
/// delivers it). Always true for the outbox kinds.</param>
public sealed record RequeuedGpWrite(GpWriteKind Kind, string Item, string? State, bool Delivered = true);

/// <summary>What an operator's retry reaches: the kinds asked for (all when null), and the task hub for outcomes (a
/// follow-up is woken by an event; null leaves outcomes alone).</summary>
public sealed record GpWriteRetryScope(DurableTaskClient? Durable, IReadOnlySet<GpWriteKind>? Kinds = null)
{
    public bool Covers(GpWriteKind kind) => Kinds is null || Kinds.Contains(kind);
}

/// <summary>A stage that writes to the GP record and can park a write for an operator. Each stage registers its own
/// (outcomes and progress here; the link worker's discharge by LinkWork, which WriteBack cannot see), so one operator
/// route (<see cref="GpWriteRetries"/>) lists and retries every kind.</summary>
public interface IParkedGpWrites
{
    Task<IReadOnlyList<ParkedGpWrite>> ParkedAsync(CancellationToken cancellationToken);

    /// <summary>Queues again every parked write of the referral this stage holds (within the scope); safe to send twice.</summary>
    Task<IReadOnlyList<RequeuedGpWrite>> RetryAsync(string referralId, GpWriteRetryScope scope, CancellationToken cancellationToken);
}

/// <summary>The one operator surface over every registered <see cref="IParkedGpWrites"/>: every parked write, oldest
/// first, and a retry of every parked write of one referral whatever its kind. The older per-kind routes call this too.</summary>
public sealed class GpWriteRetries(IEnumerable<IParkedGpWrites> stages)
{
    public async Task<IReadOnlyList<ParkedGpWrite>> ParkedAsync(GpWriteRetryScope? scope = null, CancellationToken cancellationToken = default)
    {
        var parked = new List<ParkedGpWrite>();
        foreach (var stage in stages)
        {
            parked.AddRange((await stage.ParkedAsync(cancellationToken)).Where(p => scope?.Covers(p.Kind) ?? true));
        }

        return [.. parked.OrderBy(p => p.ParkedAt).ThenBy(p => p.ReferralId, StringComparer.Ordinal).ThenBy(p => p.Item, StringComparer.Ordinal)];
    }

    /// <summary>Empty when nothing of the referral was parked (or the referral is unknown).</summary>
    public async Task<IReadOnlyList<RequeuedGpWrite>> RetryAsync(string referralId, GpWriteRetryScope scope, CancellationToken cancellationToken = default)
    {
        var requeued = new List<RequeuedGpWrite>();
        if (!TableKeys.IsSafe(referralId))
        {
            return requeued;
        }

        foreach (var stage in stages)
        {
            requeued.AddRange(await stage.RetryAsync(referralId, scope, cancellationToken));
        }

        return requeued;
    }
}

/// <summary>Parked survey answers: the follow-up waits on an operator's retry event (once per parking, counted in the
/// audit trail; a repeated POST for the same parking sends it again only if it was not delivered). Whether anything is
/// parked is read from the stored answers, not the instance's status: a follow-up goes on beside a parked write-back.</summary>
public sealed class ParkedOutcomeWrites(HubTables tables, PendingEvents pendingEvents, FollowUpStore followUps, AuditTrail audit) : IParkedGpWrites
{
    private static readonly string[] Columns = ["PartitionKey", "RowKey", "ReferralId", "Kind", "WriteBack", "Timestamp"];

    public async Task<IReadOnlyList<ParkedGpWrite>> ParkedAsync(CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(FollowUpStore.SurveyResponses);
        var parked = new List<ParkedGpWrite>();
        var filter = TableClient.CreateQueryFilter($"WriteBack eq {WriteBackState.Parked.Spelling()}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: Columns, cancellationToken: cancellationToken))
        {
            parked.Add(new ParkedGpWrite(row.GetString("ReferralId") ?? string.Empty, GpWriteKind.Outcomes, row.GetString("Kind") ?? string.Empty, row.PartitionKey,
                WriteBackState.Parked.Spelling(), row.Timestamp, 0));
        }

        return parked;
    }

    public async Task<IReadOnlyList<RequeuedGpWrite>> RetryAsync(string referralId, GpWriteRetryScope scope, CancellationToken cancellationToken)
    {
        if (!scope.Covers(GpWriteKind.Outcomes) || scope.Durable is not { } durable)
        {
            return [];
        }

        var instance = await durable.GetInstanceAsync(FollowUpOrchestration.InstanceId(referralId), getInputsAndOutputs: true, cancellationToken);
        var input = instance is { RuntimeStatus: OrchestrationRuntimeStatus.Running } ? instance.ReadInputAs<FollowUpInput>() : null;
        var parked = input is null ? [] : (await followUps.ResponsesAsync(input.Referral.PracticeOds, referralId, cancellationToken)).Where(r => r.WriteBack == WriteBackState.Parked).ToList();
        if (parked.Count == 0)
        {
            return [];
        }

        var parkings = (await audit.ReadAsync(referralId, cancellationToken)).Count(e => e.Is(AuditEventName.WriteBackParked));
        var key = $"{FollowUpOrchestration.RetryWriteBackEvent}-{parkings}";
        var delivery = await pendingEvents.TrySendAsync(durable, instance!.InstanceId, FollowUpOrchestration.RetryWriteBackEvent, key, new WriteBackRetry("operator"), cancellationToken);
        // Not delivered yet (the task hub unreachable): recorded, so the reconciler, or this request again, delivers it.
        var delivered = delivery != EventDelivery.Pending;
        return [.. parked.Select(p => new RequeuedGpWrite(GpWriteKind.Outcomes, p.Kind.Spelling(), WriteBackState.Parked.Spelling(), delivered))];
    }
}

/// <summary>Parked progress points, through <see cref="GpProgressWrites"/> (whose own per-point route uses the same retry).</summary>
public sealed class ParkedProgressWrites(GpProgressWrites writes) : IParkedGpWrites
{
    public async Task<IReadOnlyList<ParkedGpWrite>> ParkedAsync(CancellationToken cancellationToken) =>
        [.. (await writes.ParkedAsync(cancellationToken)).Select(p => new ParkedGpWrite(p.ReferralId, GpWriteKind.Progress, p.Point, p.PracticeOds, p.State, p.ParkedAt, p.Retries))];

    public async Task<IReadOnlyList<RequeuedGpWrite>> RetryAsync(string referralId, GpWriteRetryScope scope, CancellationToken cancellationToken)
    {
        var requeued = new List<RequeuedGpWrite>();
        if (!scope.Covers(GpWriteKind.Progress))
        {
            return requeued;
        }

        foreach (var point in await writes.ParkedPointsAsync(referralId, cancellationToken))
        {
            var (result, state) = await writes.RetryAsync(referralId, point, cancellationToken);
            if (result == ProgressRetryResult.Retrying)
            {
                requeued.Add(new RequeuedGpWrite(GpWriteKind.Progress, point.Spelling(), state?.Spelling()));
            }
        }

        return requeued;
    }
}

using Azure;
using Azure.Data.Tables;
using Hub.FollowUp;
using Hub.Platform.Storage;
using Hub.Referrals;
using Microsoft.Extensions.Options;

namespace Hub.WriteBack;

/// <summary>One attempt at a queued write, claimed: its number, and whether the give-up clock runs out with it (an
/// unreachable server then parks the write instead of trying again).</summary>
public readonly record struct GpWriteAttempt(int Number, bool IsLast);

/// <summary>What every queued write to a GP record shares (the provider's progress points, the link worker's discharge):
/// one table row per write, which is the work, so nothing is lost on a restart. Each attempt is claimed with the row's
/// ETag (a second runner leaves it alone) and books the next one with a backoff that doubles from
/// <see cref="WriteBackOptions.ProgressFirstRetryAfter"/> up to <see cref="WriteBackOptions.ProgressLongestRetryAfter"/>;
/// after <see cref="WriteBackOptions.ProgressGiveUpAfter"/> an unreachable server parks it. Settling audits
/// <c>written-back</c> once, and <c>write-back-parked</c> once per parking, so a write an operator requeued
/// (<see cref="Requeue"/>) and that is refused again is audited again.</summary>
public sealed class GpWriteOutbox(AuditTrail audit, TimeProvider time, IOptions<WriteBackOptions> options)
{
    /// <summary>A new pending write, due now; the caller adds what the write needs.</summary>
    public TableEntity NewRow(string partitionKey, string rowKey)
    {
        var now = time.GetUtcNow();
        return new TableEntity(partitionKey, rowKey)
        {
            ["State"] = WriteBackState.Pending.Spelling(),
            ["Attempts"] = 0,
            ["MadeAt"] = now,
            ["NextAttempt"] = now,
        };
    }

    /// <summary>The pending writes that are due, at most <paramref name="limit"/>.</summary>
    public async Task<List<TableEntity>> DueAsync(TableClient table, int limit, CancellationToken cancellationToken)
    {
        var due = new List<TableEntity>();
        var filter = TableClient.CreateQueryFilter($"State eq {WriteBackState.Pending.Spelling()} and NextAttempt le {time.GetUtcNow()}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            due.Add(row);
            if (due.Count >= limit)
            {
                break;
            }
        }

        return due;
    }

    /// <summary>Claims the next attempt and books the one after it; null when another runner claimed it first.</summary>
    public async Task<GpWriteAttempt?> ClaimAsync(TableClient table, TableEntity row, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var attempts = row.GetInt32("Attempts") ?? 0;
        var settings = options.Value;
        var wait = TimeSpan.FromTicks(Math.Min(settings.ProgressLongestRetryAfter.Ticks, settings.ProgressFirstRetryAfter.Ticks * (1L << Math.Min(attempts, 30))));
        row["Attempts"] = attempts + 1;
        row["NextAttempt"] = now + wait;
        try
        {
            row.ETag = (await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Merge, cancellationToken)).Headers.ETag ?? row.ETag;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return null;
        }

        return new GpWriteAttempt(attempts + 1, now - (row.GetDateTimeOffset("MadeAt") ?? now) + wait > settings.ProgressGiveUpAfter);
    }

    /// <summary>Records how the write ended and audits it as <paramref name="kind"/>; true when it was written.</summary>
    /// <param name="occasion">For a row that carries more than one write over time (an amendment per change): which one,
    /// so each is audited once.</param>
    public async Task<bool> SettleAsync(TableClient table, TableEntity row, WriteBackState state, string? detail, string kind, CancellationToken cancellationToken,
        string? occasion = null)
    {
        var key = occasion is null ? kind : $"{kind}-{occasion}";
        row["State"] = state.Spelling();
        row["Detail"] = detail;
        row["SettledAt"] = time.GetUtcNow();
        await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Merge, cancellationToken);
        if (state == WriteBackState.Written)
        {
            await audit.AppendAsync(row.PartitionKey, new LifecycleEvent(AuditEventName.WrittenBack, AuditActor.Hub, kind, $"write-back-{key}"), cancellationToken);
            return true;
        }

        if (IsParked(state))
        {
            var retries = row.GetInt32("Retries") ?? 0;
            var once = retries == 0 ? $"write-back-parked-{key}" : $"write-back-parked-{key}-retry{retries}";
            await audit.AppendAsync(row.PartitionKey, new LifecycleEvent(AuditEventName.WriteBackParked, AuditActor.Hub, $"{kind}:{state.Spelling()}", once), cancellationToken);
        }

        return false;
    }

    /// <summary>An operator's retry of a parked write: pending again now, with a fresh give-up clock, counted.</summary>
    public void Requeue(TableEntity row)
    {
        var now = PendingNow(row);
        row["Retries"] = (row.GetInt32("Retries") ?? 0) + 1;
        row["RetriedAt"] = now;
    }

    /// <summary>New work on a row that carries more than one write over time (an amendment per change, not an operator's
    /// retry): pending now, with a fresh give-up clock and no retries counted yet.</summary>
    public void Renew(TableEntity row)
    {
        PendingNow(row);
        row["Retries"] = 0;
        row["Detail"] = null;
    }

    /// <summary>Pending from now, with no attempts made and a fresh give-up clock.</summary>
    private DateTimeOffset PendingNow(TableEntity row)
    {
        var now = time.GetUtcNow();
        row["State"] = WriteBackState.Pending.Spelling();
        row["Attempts"] = 0;
        row["MadeAt"] = now;
        row["NextAttempt"] = now;
        return now;
    }

    /// <summary>The parked rows of a table (refused or unreachable), of one partition when given.</summary>
    public static async Task<List<TableEntity>> ParkedAsync(TableClient table, string? partitionKey, CancellationToken cancellationToken)
    {
        var parked = new List<TableEntity>();
        var (refused, unreachable) = (WriteBackState.Refused.Spelling(), WriteBackState.Unreachable.Spelling());
        var filter = partitionKey is null
            ? TableClient.CreateQueryFilter($"State eq {refused} or State eq {unreachable}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and (State eq {refused} or State eq {unreachable})");

        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            parked.Add(row);
        }

        return parked;
    }

    /// <summary><see cref="Requeue"/> stored, conditional on the row as read; false when another runner moved it first.</summary>
    public async Task<bool> TryRequeueAsync(TableClient table, TableEntity row, CancellationToken cancellationToken)
    {
        Requeue(row);
        try
        {
            row.ETag = (await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Merge, cancellationToken)).Headers.ETag ?? row.ETag;
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return false;
        }
    }

    public static bool IsParked(WriteBackState? state) => state is WriteBackState.Refused or WriteBackState.Unreachable;
}

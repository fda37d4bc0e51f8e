using Azure.Data.Tables;

namespace Hub.Platform.Storage;

/// <summary>Submits the actions on one partition as an entity-group transaction, or as the one plain request it is when
/// there is only one: the same outcome and the same errors (409, 412), without the multipart batch a store parses for
/// a transaction (Azurite spends about as long on a batch of one as on a batch of many).</summary>
public static class EntityGroup
{
    public static async Task SubmitAsync(this TableClient table, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        if (actions.Count != 1)
        {
            if (actions.Count > 0)
            {
                await table.SubmitTransactionAsync(actions, cancellationToken);
            }

            return;
        }

        var (type, entity, etag) = (actions[0].ActionType, actions[0].Entity, actions[0].ETag);
        await (type switch
        {
            TableTransactionActionType.Add => table.AddEntityAsync(entity, cancellationToken),
            TableTransactionActionType.UpsertReplace => table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken),
            TableTransactionActionType.UpsertMerge => table.UpsertEntityAsync(entity, TableUpdateMode.Merge, cancellationToken),
            TableTransactionActionType.UpdateReplace => table.UpdateEntityAsync(entity, etag == default ? Azure.ETag.All : etag, TableUpdateMode.Replace, cancellationToken),
            TableTransactionActionType.UpdateMerge => table.UpdateEntityAsync(entity, etag == default ? Azure.ETag.All : etag, TableUpdateMode.Merge, cancellationToken),
            TableTransactionActionType.Delete => table.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, etag == default ? Azure.ETag.All : etag, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(actions), type, "Not a table action."),
        });
    }

    /// <summary>Submits actions on any number of partitions: each partition's in as few transactions as fit
    /// (<see cref="Transactions"/>), one after another; partitions side by side, this many at a time.</summary>
    public static async Task SubmitByPartitionAsync(this TableClient table, IEnumerable<TableTransactionAction> actions, int parallelism, CancellationToken cancellationToken = default)
    {
        var byPartition = actions.GroupBy(a => a.Entity.PartitionKey, StringComparer.Ordinal).ToList();
        await Parallel.ForEachAsync(byPartition, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (partition, ct) =>
        {
            foreach (var group in Transactions(partition))
            {
                await table.SubmitAsync(group, ct);
            }
        });
    }

    /// <summary>One partition's actions cut into entity-group transactions: at most 100 entities each, and a request
    /// body kept under the service's 4 MiB (cells of running totals are hundreds of KB; base64 and the multipart
    /// framing add a third and more).</summary>
    public static IEnumerable<List<TableTransactionAction>> Transactions(IEnumerable<TableTransactionAction> actions)
    {
        var group = new List<TableTransactionAction>();
        var bytes = 0L;
        foreach (var action in actions)
        {
            var size = SizeOf(action.Entity);
            if (group.Count > 0 && (group.Count == MaxActions || bytes + size > MaxBytes))
            {
                yield return group;
                group = [];
                bytes = 0;
            }

            group.Add(action);
            bytes += size;
        }

        if (group.Count > 0)
        {
            yield return group;
        }
    }

    private const int MaxActions = 100;
    private const long MaxBytes = 3 * 1024 * 1024;

    /// <summary>About what an entity adds to a transaction's body: binary goes as base64, text as UTF-8 (escaping
    /// aside), every other value as a short JSON literal, and each entity's part headers.</summary>
    private static long SizeOf(ITableEntity entity) => 256 + (entity is IDictionary<string, object> values
        ? values.Sum(v => v.Key.Length + 32L + v.Value switch { byte[] b => (b.Length + 2) / 3 * 4, string t => System.Text.Encoding.UTF8.GetByteCount(t), _ => 32 })
        : 1024);
}

using Azure.Data.Tables;

namespace Hub.Platform.Storage;

/// <summary>Writes that replace an entity whole, sent as merges where a merge has the same outcome: when the new entity
/// sets every property the stored one holds. Azurite replaces an entity by removing and inserting it again, which walks
/// every entry of the table's indexes (its cost grows with the table); it merges in place. Azure Table storage does
/// either in the same time.</summary>
public static class EntityRewrite
{
    /// <summary>The conditional update (on the stored entity's ETag) that leaves exactly <paramref name="next"/> stored.</summary>
    public static TableTransactionAction UpdateOf(TableEntity next, TableEntity stored) =>
        stored.Keys.All(k => IsKey(k) || next.TryGetValue(k, out var value) && value is not null)
            ? new(TableTransactionActionType.UpdateMerge, WithoutNulls(next), stored.ETag)
            : new(TableTransactionActionType.UpdateReplace, next, stored.ETag);

    /// <summary>The upsert that leaves exactly <paramref name="next"/> stored, for an entity that names every property
    /// its kind can hold: a merge when each is set, a replace when one is null (so no old value survives it).</summary>
    public static TableTransactionAction UpsertOf(TableEntity next) =>
        next.Where(p => !IsKey(p.Key)).All(p => p.Value is not null)
            ? new(TableTransactionActionType.UpsertMerge, next)
            : new(TableTransactionActionType.UpsertReplace, next);

    private static bool IsKey(string property) => property is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag";

    private static TableEntity WithoutNulls(TableEntity entity)
    {
        var copy = new TableEntity(entity.PartitionKey, entity.RowKey);
        foreach (var (key, value) in entity)
        {
            if (!IsKey(key) && value is not null)
            {
                copy[key] = value;
            }
        }

        return copy;
    }
}

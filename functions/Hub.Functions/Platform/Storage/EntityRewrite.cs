using Azure.Data.Tables;

namespace Hub.Platform.Storage;

/// <summary>Writes that replace an entity whole, sent as merges where a merge has the same outcome: when the new entity
/// sets every property the stored one holds. Azurite replaces an entity by removing and inserting it again, which walks
/// every entry of the table's indexes (its cost grows with the table); it merges in place. Azure Table storage does
/// either in the same time.</summary>
public static class EntityRewrite
{
    /// <summary>The conditional update (on the stored entity's ETag) that leaves exactly <paramref name="next"/> stored.
    /// A merge carries only the properties whose values differ from the stored ones (an entity holding a year of
    /// months sends the months that changed).</summary>
    public static TableTransactionAction UpdateOf(TableEntity next, TableEntity stored) =>
        stored.Keys.All(k => IsKey(k) || next.TryGetValue(k, out var value) && value is not null)
            ? new(TableTransactionActionType.UpdateMerge, ChangedFrom(next, stored), stored.ETag)
            : new(TableTransactionActionType.UpdateReplace, next, stored.ETag);

    /// <summary>The upsert that leaves exactly <paramref name="next"/> stored, for an entity that names every property
    /// its kind can hold: a merge when each is set, a replace when one is null (so no old value survives it).</summary>
    public static TableTransactionAction UpsertOf(TableEntity next) =>
        next.Where(p => !IsKey(p.Key)).All(p => p.Value is not null)
            ? new(TableTransactionActionType.UpsertMerge, next)
            : new(TableTransactionActionType.UpsertReplace, next);

    /// <summary>A stored entity's properties under its keys, without what the service sets (timestamp, ETag): to change
    /// some and write it back with <see cref="UpdateOf"/>.</summary>
    public static TableEntity CopyOf(TableEntity stored)
    {
        var copy = new TableEntity(stored.PartitionKey, stored.RowKey);
        foreach (var (key, value) in stored)
        {
            if (!IsKey(key))
            {
                copy[key] = value;
            }
        }

        return copy;
    }

    private static bool IsKey(string property) => property is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag";

    private static TableEntity ChangedFrom(TableEntity next, TableEntity stored)
    {
        var copy = new TableEntity(next.PartitionKey, next.RowKey);
        foreach (var (key, value) in next)
        {
            if (!IsKey(key) && value is not null && !(stored.TryGetValue(key, out var was) && Same(value, was)))
            {
                copy[key] = value;
            }
        }

        return copy;
    }

    // Values as read back compare by value (binary by its bytes); a type that reads back as another (an Int32 set as
    // Int64) compares unequal and is simply sent again.
    private static bool Same(object value, object? stored) => value is byte[] bytes
        ? stored is byte[] storedBytes && bytes.AsSpan().SequenceEqual(storedBytes)
        : value.Equals(stored);
}

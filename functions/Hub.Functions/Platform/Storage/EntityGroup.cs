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
}

using System.Text;
using Azure;
using Azure.Data.Tables;

namespace Hub.Platform.Storage;

/// <summary>Stores FHIR JSON documents whole, in as many table rows as they need: a table property holds at most
/// 64 KiB, a referral with its bundle can hold a megabyte, and nothing may ever be truncated. A document that changes
/// is written under a new name (a version key) and then pointed to by its owner's row, so a reader following the old
/// pointer still finds the old document whole; the old version is deleted afterwards (<see cref="DeleteAsync"/>).</summary>
public sealed class DocumentStore(HubTables tables)
{
    public const string Table = "Documents";

    // 30,000 UTF-16 characters stay inside a string property's 64 KiB limit.
    internal const int ChunkChars = 30_000;

    /// <summary>The longest document an owner may keep in its own row instead of here (one string property).</summary>
    public const int InlineChars = ChunkChars;
    private const int MaxBatch = 100;

    /// <summary>Writes the document under <paramref name="key"/>; idempotent (rewriting the same document is harmless).</summary>
    /// <returns>The number of chunks written, which the reader needs.</returns>
    public async Task<int> WriteAsync(string key, string name, string json, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(DocumentStore.Table);
        var actions = new List<TableTransactionAction>();
        var count = 0;
        for (var offset = 0; offset < json.Length || count == 0; offset += ChunkChars, count++)
        {
            var length = Math.Min(ChunkChars, json.Length - offset);
            var entity = new TableEntity(key, RowKey(name, count)) { ["Json"] = json.Substring(offset, length) };
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, entity));
        }

        // One transaction when it fits (all rows share a partition); the caller's own row is the commit point otherwise.
        foreach (var batch in actions.Chunk(MaxBatch))
        {
            await table.SubmitTransactionAsync(batch, cancellationToken);
        }

        return count;
    }

    public async Task<string?> ReadAsync(string key, string name, int chunks, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(DocumentStore.Table);
        var from = RowKey(name, 0);
        var to = RowKey(name, chunks - 1);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {key} and RowKey ge {from} and RowKey le {to}");
        var builder = new StringBuilder();
        var read = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            builder.Append(row.GetString("Json"));
            read++;
        }

        return read == chunks ? builder.ToString() : null;
    }

    /// <summary>Deletes a document's chunks (an old version no row points to any longer). Best effort: an orphaned chunk
    /// costs space, never correctness, so a failure here is swallowed and left for a later clean-up.</summary>
    public async Task DeleteAsync(string key, string name, int chunks, CancellationToken cancellationToken = default)
    {
        if (chunks <= 0)
        {
            return;
        }

        try
        {
            var table = await tables.GetAsync(DocumentStore.Table);
            var actions = Enumerable.Range(0, chunks)
                .Select(i => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(key, RowKey(name, i)), ETag.All));
            foreach (var batch in actions.Chunk(MaxBatch))
            {
                await table.SubmitTransactionAsync(batch, cancellationToken);
            }
        }
        catch (RequestFailedException)
        {
            // Some were gone already (a repeated clean-up; a transaction fails whole) or storage hiccuped: the rows
            // are unreferenced either way.
        }
    }

    private static string RowKey(string name, int index) => $"{name}-{index:D5}";
}

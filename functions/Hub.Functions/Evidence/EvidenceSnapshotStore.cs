using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Hub.Platform.Storage;

namespace Hub.Evidence;

/// <summary>A saved set of evidence rows and when it was taken.</summary>
public sealed record EvidenceSnapshot(string Id, DateTimeOffset TakenAt, IReadOnlyList<EvidenceRow> Rows);

/// <summary>The evidence snapshot in Table storage: every referral's evidence row, gzipped JSON cut into binary
/// properties (63 KiB each, 11 to an entity), under one partition per snapshot. A pointer row names the latest; it is
/// written last, so a reader never sees half a snapshot. 100,000 referrals fit in a handful of entities, which is what
/// lets a report come back in well under a second instead of reading the whole audit trail on each request.</summary>
public sealed class EvidenceSnapshotStore(HubTables tables) : IDisposable
{
    public const string Table = "EvidenceSnapshots";
    private const string Pointer = "latest";
    private const int PieceBytes = 63 * 1024;
    // Binary travels as base64: 11 × 63 KiB is about 0.9 MiB on the wire, inside the 1 MiB an entity (and Azurite's
    // request limit) allows; 15 pieces would be refused.
    private const int PiecesPerEntity = 11;

    private readonly SemaphoreSlim _loading = new(1, 1);
    private EvidenceSnapshot? _cached;

    public async Task<EvidenceSnapshot> SaveAsync(IReadOnlyList<EvidenceRow> rows, DateTimeOffset takenAt, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var id = $"s{takenAt.UtcTicks:D19}";
        var bytes = Pack(rows);
        var chunk = 0;
        for (var offset = 0; offset < bytes.Length || chunk == 0; chunk++)
        {
            var entity = new TableEntity(id, $"chunk-{chunk:D5}");
            for (var piece = 0; piece < PiecesPerEntity && offset < bytes.Length; piece++, offset += PieceBytes)
            {
                entity[Piece(piece)] = bytes.AsSpan(offset, Math.Min(PieceBytes, bytes.Length - offset)).ToArray();
            }

            await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
        }

        var previous = await PointerAsync(table, cancellationToken);
        await table.UpsertEntityAsync(new TableEntity(Pointer, Pointer)
        {
            ["SnapshotId"] = id,
            ["Previous"] = previous?.GetString("SnapshotId"),
            ["Chunks"] = chunk,
            ["Rows"] = rows.Count,
            ["TakenAt"] = takenAt,
        }, TableUpdateMode.Replace, cancellationToken);

        // Keep the one before, for readers that picked up the old pointer a moment ago; drop anything older.
        if (previous?.GetString("Previous") is { } stale && stale != id)
        {
            await DeleteAsync(table, stale, cancellationToken);
        }

        var snapshot = new EvidenceSnapshot(id, takenAt, rows);
        _cached = snapshot;
        return snapshot;
    }

    /// <summary>The latest snapshot, or null when none has been taken. Kept in memory until a newer one is saved.</summary>
    public async Task<EvidenceSnapshot?> LatestAsync(CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var pointer = await PointerAsync(table, cancellationToken);
        if (pointer?.GetString("SnapshotId") is not { } id)
        {
            return null;
        }

        if (_cached?.Id == id)
        {
            return _cached;
        }

        await _loading.WaitAsync(cancellationToken);
        try
        {
            if (_cached?.Id == id)
            {
                return _cached;
            }

            using var packed = new MemoryStream();
            await foreach (var entity in table.QueryAsync<TableEntity>(e => e.PartitionKey == id, cancellationToken: cancellationToken))
            {
                for (var piece = 0; piece < PiecesPerEntity && entity.GetBinary(Piece(piece)) is { } bytes; piece++)
                {
                    packed.Write(bytes);
                }
            }

            packed.Position = 0;
            var rows = Unpack(packed);
            _cached = new EvidenceSnapshot(id, pointer.GetDateTimeOffset("TakenAt") ?? default, rows);
            return _cached;
        }
        finally
        {
            _loading.Release();
        }
    }

    public void Dispose() => _loading.Dispose();

    private static string Piece(int index) => $"Piece{index:D2}";

    public static byte[] Pack(IReadOnlyList<EvidenceRow> rows)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            JsonSerializer.Serialize(gzip, rows, EvidenceJson.Default.IReadOnlyListEvidenceRow);
        }

        return buffer.ToArray();
    }

    public static IReadOnlyList<EvidenceRow> Unpack(Stream packed)
    {
        using var gzip = new GZipStream(packed, CompressionMode.Decompress, leaveOpen: true);
        return JsonSerializer.Deserialize(gzip, EvidenceJson.Default.IReadOnlyListEvidenceRow) ?? [];
    }

    private static async Task<TableEntity?> PointerAsync(TableClient table, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Pointer, Pointer, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    private static async Task DeleteAsync(TableClient table, string id, CancellationToken cancellationToken)
    {
        await foreach (var entity in table.QueryAsync<TableEntity>(e => e.PartitionKey == id, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            try
            {
                await table.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, ETag.All, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // Another instance tidied it first.
            }
        }
    }
}

/// <summary>The snapshot's JSON, source-generated: enums by name, so a reordered enum never misreads an old snapshot.</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IReadOnlyList<EvidenceRow>))]
internal sealed partial class EvidenceJson : JsonSerializerContext;

using System.Text.Json;
using Azure.Data.Tables;
using Hub.Platform.Storage;
using Hub.Referrals;

namespace Hub.Evidence;

/// <summary>Each referral's contribution to the cells as it was last counted: its evidence row, under its practice
/// (partition = ODS code, row = referral id, with the month for the analysts' export), and an index from referral id to
/// practice (partition <c>@{last two characters}</c>) for referrals whose later events name no practice. An update
/// takes a referral's stored row out of its cells and puts the new one in, so a referral is never counted twice.</summary>
public sealed class EvidenceRowStore(HubTables tables)
{
    public const string Table = "EvidenceRows";

    /// <summary>The practice a referral was counted under, or null when it has never been counted.</summary>
    public async Task<string?> PracticeOfAsync(string referralId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(IndexPartition(referralId), referralId, select: ["Practice"], cancellationToken: cancellationToken);
        return row.HasValue ? row.Value?.GetString("Practice") : null;
    }

    /// <summary>The referral's practice and row as last counted, in one read of its index entry (which holds a copy of
    /// the row); entries written before the copy was kept are read from the practice's partition. Null when the
    /// referral was never counted.</summary>
    public async Task<StoredRow?> StoredAsync(string referralId, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(referralId))
        {
            return null;
        }

        var table = await tables.GetAsync(Table);
        var index = await table.GetEntityIfExistsAsync<TableEntity>(IndexPartition(referralId), referralId, cancellationToken: cancellationToken);
        if (!index.HasValue || index.Value is not { } entry || entry.GetString("Practice") is not { } practice)
        {
            return null;
        }

        if (entry.GetBoolean("Counted") == true)
        {
            var events = entry.GetString("Events") is { } json
                ? JsonSerializer.Deserialize(json, EvidenceJson.Default.ListString)!.Select(e => ReferralChanges.Unspell(referralId, e)).ToList()
                : null;
            var sources = entry.GetString("Sources") is { } kept ? JsonSerializer.Deserialize(kept, EvidenceJson.Default.JourneySources) : null;
            return new StoredRow(practice, RowOf(entry), events) { Sources = sources };
        }

        var (known, row) = await GetAsync(practice, referralId, cancellationToken);
        return known ? new StoredRow(practice, row, null) : null;
    }

    /// <summary>The referral's row as last counted: (false, null) when it was never counted; (true, null) when it was
    /// seen but had no row yet.</summary>
    public async Task<(bool Known, EvidenceRow? Row)> GetAsync(string practiceOds, string referralId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(practiceOds, referralId, cancellationToken: cancellationToken);
        return !row.HasValue || row.Value is not { } entity ? (false, null) : (true, RowOf(entity));
    }

    public async Task SaveAsync(IReadOnlyList<RowChange> changes, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var actions = changes.Where(c => !c.SameRow).Select(c => Rewrite(EntityOf(c.PracticeOds, c.ReferralId, c.Row)))
            .Concat(changes.Select(c => c is { SameRow: true, IndexHoldsRow: true } ? CopiesOf(IndexOf(c)) : Rewrite(IndexOf(c))));
        await table.SubmitByPartitionAsync(actions, EvidenceCellStore.Parallelism, cancellationToken);
    }

    /// <summary>Replaces every stored row with these (a rebuild).</summary>
    public async Task ReplaceAllAsync(IReadOnlyList<RowChange> rows, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var keep = new HashSet<(string, string)>();
        var entities = rows.Select(c => EntityOf(c.PracticeOds, c.ReferralId, c.Row)).Concat(rows.Select(IndexOf)).ToList();
        keep.UnionWith(entities.Select(e => (e.PartitionKey, e.RowKey)));
        await table.SubmitByPartitionAsync(entities.Select(Rewrite), EvidenceCellStore.Parallelism, cancellationToken);
        await foreach (var entity in table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            if (!keep.Contains((entity.PartitionKey, entity.RowKey)))
            {
                await EvidenceCellStore.DeleteAsync(table, entity, cancellationToken);
            }
        }
    }

    /// <summary>The rows of these practices' referrals in months from <paramref name="from"/> to <paramref name="to"/>
    /// (exclusive): the analysts' export reads them, never a report.</summary>
    public async IAsyncEnumerable<EvidenceRow> RowsAsync(IEnumerable<string> practices, DateTimeOffset? from, DateTimeOffset? to, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        foreach (var practice in practices.Order(StringComparer.Ordinal))
        {
            await foreach (var entity in table.QueryAsync<TableEntity>(e => e.PartitionKey == practice, cancellationToken: cancellationToken))
            {
                if (RowOf(entity) is { } row && (from is null || row.ReferredAt >= from) && (to is null || row.ReferredAt < to))
                {
                    yield return row;
                }
            }
        }
    }

    /// <summary>Leaves exactly this entity stored (each kind of entity here names every property it can hold).</summary>
    private static TableTransactionAction Rewrite(TableEntity entity) => EntityRewrite.UpsertOf(entity);

    /// <summary>An index entry whose row is unchanged: only its copies of the entries and sources are sent (merged), the
    /// row it already holds stays. Replaced whole when a copy is left out as too long, so no stale copy outlives it.</summary>
    private static TableTransactionAction CopiesOf(TableEntity index) =>
        index["Events"] is null || index["Sources"] is null
            ? Rewrite(index)
            : new(TableTransactionActionType.UpsertMerge, new TableEntity(index.PartitionKey, index.RowKey) { ["Events"] = index["Events"], ["Sources"] = index["Sources"] });

    private static string IndexPartition(string referralId) => $"@{referralId[Math.Max(0, referralId.Length - 2)..]}";

    /// <summary>The index entry: the practice, a copy of the row (<c>Counted</c> says the copy is there, even when the
    /// row is null), of the audit entries it was counted from (ids and codes; left out when too long for one
    /// property: the update then reads the audit partition) and of its other sources (scores and episode facts, no
    /// free text; left out likewise), so an update reads a referral's stored contribution in one read, its new entries
    /// from the changes index, and its answers and episode only when a note says they were written.</summary>
    private static TableEntity IndexOf(RowChange change)
    {
        var copy = change.Events is not { } events ? null : JsonSerializer.Serialize(events.Select(ReferralChanges.Spell).ToList(), EvidenceJson.Default.ListString);
        var sources = change.Sources is null ? null : JsonSerializer.Serialize(change.Sources, EvidenceJson.Default.JourneySources);
        return new(IndexPartition(change.ReferralId), change.ReferralId)
        {
            ["Practice"] = change.PracticeOds,
            ["Counted"] = true,
            ["Row"] = change.Row is null ? null : JsonSerializer.Serialize(change.Row, EvidenceJson.Default.EvidenceRow),
            ["Events"] = copy is { Length: < 30_000 } ? copy : null,
            ["Sources"] = sources is { Length: < 30_000 } ? sources : null,
        };
    }

    private static TableEntity EntityOf(string practiceOds, string referralId, EvidenceRow? row) => new(practiceOds, referralId)
    {
        ["Month"] = row is null ? null : CellKey.MonthOf(row.ReferredAt).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture),
        ["Row"] = row is null ? null : JsonSerializer.Serialize(row, EvidenceJson.Default.EvidenceRow),
    };

    private static EvidenceRow? RowOf(TableEntity entity) =>
        entity.GetString("Row") is { } json ? JsonSerializer.Deserialize(json, EvidenceJson.Default.EvidenceRow) : null;

    /// <summary>Two copies of a referral's sources are the same (their stored forms are equal).</summary>
    public static bool Same(JourneySources? a, JourneySources? b) => SameStored(a, b, EvidenceJson.Default.JourneySources);

    /// <summary>Two rows count the same in every cell (their stored forms are equal).</summary>
    public static bool Same(EvidenceRow? a, EvidenceRow? b) => SameStored(a, b, EvidenceJson.Default.EvidenceRow);

    private static bool SameStored<T>(T? a, T? b, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class =>
        (a is null && b is null) || (a is not null && b is not null && JsonSerializer.Serialize(a, type) == JsonSerializer.Serialize(b, type));
}

/// <summary>A referral's contribution as last counted: its practice, its row (null: seen, no row yet) and the audit
/// entries it was counted from (null: not kept, read the audit partition).</summary>
public sealed record StoredRow(string PracticeOds, EvidenceRow? Row, IReadOnlyList<AuditEntry>? Events)
{
    /// <summary>The answers' scores and episode facts it was counted from (null: not kept, read them).</summary>
    public JourneySources? Sources { get; init; }
}

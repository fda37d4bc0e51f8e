using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Hub.Platform.Storage;

namespace Hub.Evidence;

/// <summary>Where the stored evidence stands: which update it is, when it ran (the "as at" of every report), the
/// audit trail's watermark it has read to (the storage service's own <c>Timestamp</c>, so no clock of the hub's is
/// trusted for it), and a batch written but not yet wholly applied.</summary>
public sealed record EvidenceState(long Version, DateTimeOffset UpdatedAt, DateTimeOffset? Watermark, string? PendingBatch, int Referrals)
{
    public string Id => $"u{Version:D10}";

    /// <summary>How the cells were counted (the changes index, and the audit events read): an update finds changes in
    /// the index only when this is its own way of counting; a state from before (or counted from other events) is
    /// brought over by one rebuild.</summary>
    public string? Counting { get; init; }

    internal ETag ETag { get; init; }
}

/// <summary>One cell's change in an update: what to add (counts may be negative: a referral leaving its old cells).</summary>
public sealed record CellDelta(string Practice, DateOnly Month, string View, EvidenceCell Delta);

/// <summary>A referral's contribution as it now is (null: no row yet, e.g. intake not finished), and the audit entries
/// it was counted from (kept beside the row, so the next update needs only the new ones).</summary>
public sealed record RowChange(string ReferralId, string PracticeOds, EvidenceRow? Row, bool FirstSeen)
{
    public IReadOnlyList<Hub.Referrals.AuditEntry>? Events { get; init; }

    /// <summary>The answers' scores and episode facts it was counted from, kept beside the row.</summary>
    public JourneySources? Sources { get; init; }

    /// <summary>The row is the one already stored (only the entries it was counted from grew): its index entry is
    /// written again, its practice's copy is left as it is.</summary>
    public bool SameRow { get; init; }

    /// <summary>Its index entry already holds this row (it was read from there, with its entries' copy): only the copies
    /// need writing.</summary>
    public bool IndexHoldsRow { get; init; }
}

/// <summary>A view's practices that have cells (a report asking for all of them reads the running totals).</summary>
public sealed record ViewPractices(string View, IReadOnlyList<string> Practices);

/// <summary>One update's changes, written whole before any is applied, so an update that stops half way is finished
/// by the next one exactly once: a cell records the last batch it took, and skips that batch when it meets it again.</summary>
public sealed record EvidenceBatch(string Id, DateTimeOffset? Watermark, IReadOnlyList<CellDelta> Cells, IReadOnlyList<RowChange> Rows, IReadOnlyList<ViewPractices> Practices, int ReferralsAdded);

/// <summary>The evidence cells in Table storage: one entity per view, practice and month of referral (partition
/// <c>{view}|{practice}</c>, row <c>yyyy-MM|{view}|{practice}</c>), each a gzipped <see cref="EvidenceCell"/>; each view's running totals
/// over every practice under practice <c>*</c>, with the list of practices they cover. A report reads the cells it
/// covers and merges them: its memory and reads grow with the months and practices asked for, never with referrals.</summary>
public sealed class EvidenceCellStore(HubTables tables)
{
    public const string Table = "EvidenceCells";
    private const string StateKey = "state";
    private const string PracticesRow = "practices";
    // Row keys of months sort below this; the practices row ('p…') sorts above.
    private const string AfterMonths = "9999";

    /// <summary>How cells are keyed, part of <see cref="EvidenceUpdate.Counting"/>: a state counted under another layout
    /// is rebuilt by the next update, and until then its cells are read under the old keys.</summary>
    /// <remarks>A cell's row key starts with its month (so a partition's months read as a range) and ends with its
    /// partition, so no two cells share a row key. Azurite finds one entity by its row key and then walks every entity
    /// with that row key for the partition: with the month alone, each point read walked that month's cells of every
    /// practice and view, and grew with the table. On Azure Table storage the key changes nothing.</remarks>
    public const string Layout = "rows:month|partition";
    private const int PieceBytes = 63 * 1024;
    private const int PiecesPerEntity = 11;

    public async Task<EvidenceState?> StateAsync(CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(StateKey, StateKey, cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value is not { } e)
        {
            return null;
        }

        return new EvidenceState(e.GetInt64("Version") ?? 0, e.GetDateTimeOffset("UpdatedAt") ?? default, e.GetDateTimeOffset("Watermark"),
            e.GetString("PendingBatch"), e.GetInt32("Referrals") ?? 0) { ETag = e.ETag, Counting = e.GetString("Counting") };
    }

    /// <summary>Saves the state if nobody else moved it since it was read (an update or rebuild on another instance).</summary>
    /// <exception cref="RequestFailedException">412 or 409 when another run moved the state first.</exception>
    public async Task<EvidenceState> SaveStateAsync(EvidenceState state, bool whateverIsThere = false, CancellationToken cancellationToken = default)
    {
        Forget();
        var table = await tables.GetAsync(Table);
        var entity = new TableEntity(StateKey, StateKey)
        {
            ["Version"] = state.Version,
            ["UpdatedAt"] = state.UpdatedAt,
            ["Watermark"] = state.Watermark,
            ["PendingBatch"] = state.PendingBatch,
            ["Referrals"] = state.Referrals,
            ["Counting"] = state.Counting,
        };
        Response response = whateverIsThere ? await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken)
            : state.ETag == default ? await table.AddEntityAsync(entity, cancellationToken)
            : await table.UpdateEntityAsync(entity, state.ETag, TableUpdateMode.Replace, cancellationToken);
        return state with { ETag = response.Headers.ETag ?? default };
    }

    public async Task SaveBatchAsync(EvidenceBatch batch, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var bytes = Pack(batch, EvidenceJson.Default.EvidenceBatch);
        var chunk = 0;
        for (var offset = 0; offset < bytes.Length || chunk == 0; chunk++)
        {
            var entity = new TableEntity(BatchPartition(batch.Id), $"chunk-{chunk:D5}");
            offset = Fill(entity, bytes, offset);
            await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
        }
    }

    public async Task<EvidenceBatch?> BatchAsync(string id, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        using var packed = new MemoryStream();
        await foreach (var entity in table.QueryAsync<TableEntity>(e => e.PartitionKey == BatchPartition(id), cancellationToken: cancellationToken))
        {
            Drain(entity, packed);
        }

        return packed.Length == 0 ? null : Unpack(packed.ToArray(), EvidenceJson.Default.EvidenceBatch);
    }

    public async Task DeleteBatchAsync(string id, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        await foreach (var entity in table.QueryAsync<TableEntity>(e => e.PartitionKey == BatchPartition(id), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            await DeleteAsync(table, entity, cancellationToken);
        }
    }

    /// <summary>Adds a batch's deltas to their cells, each cell once however often this runs for the same batch. Per
    /// partition (a view's practice): the months the batch touches are read together, and the merged cells go back
    /// in entity-group transactions, each conditional on the ETags read (a writer that got there first: read again).</summary>
    public async Task ApplyAsync(EvidenceBatch batch, CancellationToken cancellationToken = default)
    {
        Forget();
        var table = await tables.GetAsync(Table);
        var byPartition = batch.Cells.GroupBy(d => Partition(new CellKey(d.Practice, d.Month, d.View)), StringComparer.Ordinal).ToList();
        // The partitions that got a cell from this batch (added now, or by an earlier run of it): only their practices can
        // be new to their view's list; a view none of whose partitions did is not read for its list.
        var gotCells = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(byPartition, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (deltas, ct) =>
        {
            while (true)
            {
                // Point reads, together: a day touches one to a few months of most partitions.
                var existing = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
                foreach (var read in await Task.WhenAll(deltas.Select(d => table.GetEntityIfExistsAsync<TableEntity>(deltas.Key, RowOf(deltas.Key, d.Month), cancellationToken: ct))))
                {
                    if (read.HasValue && read.Value is { } entity)
                    {
                        existing[entity.RowKey] = entity;
                    }
                }

                var actions = new List<TableTransactionAction>();
                foreach (var delta in deltas)
                {
                    var key = new CellKey(delta.Practice, delta.Month, delta.View);
                    var found = existing.GetValueOrDefault(RowOf(deltas.Key, key.Month));
                    if (found is null || found.GetString("LastBatch") == batch.Id)
                    {
                        gotCells[deltas.Key] = true;
                    }

                    if (found?.GetString("LastBatch") == batch.Id)
                    {
                        continue;
                    }

                    var cell = found is null ? new EvidenceCell() : CellOf(found);
                    cell.Merge(delta.Delta);
                    var entity = EntityOf(key, cell.Pruned(), batch.Id);
                    actions.Add(found is null ? new TableTransactionAction(TableTransactionActionType.Add, entity) : EntityRewrite.UpdateOf(entity, found));
                }

                try
                {
                    foreach (var group in EntityGroup.Transactions(actions))
                    {
                        await table.SubmitAsync(group, ct);
                    }

                    break;
                }
                catch (RequestFailedException ex) when (ex.Status is 409 or 412)
                {
                    // Another writer got there first: read the partition again (cells already written skip this batch).
                }
            }
        });

        var lists = batch.Practices
            .Select(v => v with { Practices = v.Practices.Where(p => gotCells.ContainsKey(Partition(new CellKey(p, default, v.View)))).ToList() })
            .Where(v => v.Practices.Count > 0).ToList();
        await Parallel.ForEachAsync(lists, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (view, ct) =>
            await AddPracticesAsync(table, view.View, view.Practices, ct));
    }

    /// <summary>How many requests an update keeps in flight (reads of referrals, cell partitions, row transactions).</summary>
    internal const int Parallelism = 32;

    /// <summary>Replaces every cell with these (a rebuild): what is not among them is deleted.</summary>
    public async Task ReplaceAllAsync(EvidenceCells cells, CancellationToken cancellationToken = default)
    {
        Forget();
        var table = await tables.GetAsync(Table);
        var entities = cells.Entries.Select(e => EntityOf(e.Key, e.Cell.Pruned(), null))
            .Concat(cells.PracticesByView.Select(v => PracticesEntity(v.View, v.Practices))).ToList();
        var keep = entities.Select(e => (e.PartitionKey, e.RowKey)).ToHashSet();
        await table.SubmitByPartitionAsync(entities.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), parallelism: 8, cancellationToken);

        await foreach (var entity in table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            if (entity.PartitionKey != StateKey && !keep.Contains((entity.PartitionKey, entity.RowKey)))
            {
                await DeleteAsync(table, entity, cancellationToken);
            }
        }
    }

    /// <summary>Every stored cell (for checks and the benchmark; a report reads only its own).</summary>
    public async IAsyncEnumerable<(CellKey Key, EvidenceCell Cell)> AllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        await foreach (var entity in table.QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            if (KeyOf(entity) is { } key)
            {
                yield return (key, CellOf(entity));
            }
        }
    }

    /// <summary>The merge of these practices' cells in months from <paramref name="from"/> (inclusive) to
    /// <paramref name="to"/> (exclusive), in one view: the running totals when every practice with cells is asked for.
    /// A bounded period is read cell by cell (point reads, together); an open or long one by partition range.</summary>
    public async Task<EvidenceCell> MergeAsync(IReadOnlyCollection<string> practices, DateTimeOffset? from, DateTimeOffset? to, string view = CellKey.Everyone, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var read = await ReadingAsync(table, cancellationToken);
        var selected = practices as IReadOnlySet<string> ?? practices.ToHashSet(StringComparer.Ordinal);
        // One practice's own cells are the right sum whatever else has cells: its list of practices need not be read.
        var withCells = selected.Count == 1 ? null : await read.PracticesAsync(view, cancellationToken);
        IEnumerable<string> partitions = withCells is null ? selected
            : withCells.Count > 0 && withCells.All(selected.Contains) ? [CellKey.AllPractices]
            : selected.Where(withCells.Contains);
        var merged = new EvidenceCell();
        var gate = new Lock();
        await ReadAsync(table, read, partitions.Select(p => Partition(new CellKey(p, default, view))), from, to, cell =>
        {
            lock (gate)
            {
                merged.Merge(cell);
            }
        }, cancellationToken);
        return merged.Pruned();
    }

    /// <summary>One view's running totals over every practice, in months from <paramref name="from"/> on.</summary>
    public Task<EvidenceCell> TotalsAsync(string view, DateTimeOffset from, CancellationToken cancellationToken = default) =>
        TotalsAsync(view, from, null, cancellationToken);

    /// <summary>One view's running totals over every practice, in months from <paramref name="from"/> to
    /// <paramref name="to"/> (exclusive; null: every month on).</summary>
    public async Task<EvidenceCell> TotalsAsync(string view, DateTimeOffset from, DateTimeOffset? to, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var read = await ReadingAsync(table, cancellationToken);
        var merged = new EvidenceCell();
        var gate = new Lock();
        await ReadAsync(table, read, [Partition(new CellKey(CellKey.AllPractices, default, view))], from, to, cell =>
        {
            lock (gate)
            {
                merged.Merge(cell);
            }
        }, cancellationToken);
        return merged;
    }

    // Up to three years a partition is read month by month: a point read is indexed on every store (Azurite scans the
    // whole table for any query, even one bounded to a partition), and a report's period is a few months to a year.
    private const int MonthsReadOneByOne = 36;

    private static async Task ReadAsync(TableClient table, CellsRead read, IEnumerable<string> partitions, DateTimeOffset? from, DateTimeOffset? to, Action<EvidenceCell> take, CancellationToken cancellationToken)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        if (from is { } f && to is { } t && MonthsBetween(CellKey.MonthOf(f), CellKey.MonthOf(t)) is var months and >= 0 and <= MonthsReadOneByOne)
        {
            var first = CellKey.MonthOf(f);
            var reads = partitions.SelectMany(p => Enumerable.Range(0, months).Select(i => (Partition: p, Row: read.RowOf(p, first.AddMonths(i)))));
            await Parallel.ForEachAsync(reads, options, async (one, ct) =>
            {
                if (await read.CellAsync(one.Partition, one.Row, ct) is { } cell)
                {
                    take(cell);
                }
            });
            return;
        }

        var start = from is { } s ? MonthKey(CellKey.MonthOf(s)) : string.Empty;
        var end = to is { } e ? MonthKey(CellKey.MonthOf(e)) : AfterMonths;
        await Parallel.ForEachAsync(partitions, options, async (partition, ct) =>
        {
            await foreach (var entity in table.QueryAsync<TableEntity>(x => x.PartitionKey == partition && x.RowKey.CompareTo(start) >= 0 && x.RowKey.CompareTo(end) < 0, cancellationToken: ct))
            {
                take(CellOf(entity));
            }
        });
    }

    /// <summary>Whole months from one month's first day to another's (a period ending mid-month ends with that month's start).</summary>
    private static int MonthsBetween(DateOnly first, DateOnly end) => ((end.Year - first.Year) * 12) + end.Month - first.Month;

    // Cells read since the stored state last moved, shared by reports until it moves again (an update or rebuild saves
    // the state after its cells): a report reads what the last one read only once, and reads of the same cell in flight
    // together are one read. Cleared past this many cells, so it holds at most a few tens of MB.
    private const int CellsKept = 20_000;
    private readonly Lock _readGate = new();
    private CellsRead? _read;

    /// <summary>The cells as at the stored state now (one point read of the state): the reads kept for it, or new ones.</summary>
    private async Task<CellsRead> ReadingAsync(TableClient table, CancellationToken cancellationToken)
    {
        var state = await table.GetEntityIfExistsAsync<TableEntity>(StateKey, StateKey, select: ["Version", "Counting"], cancellationToken: cancellationToken);
        if (!state.HasValue || state.Value is not { } row || row.ETag == default)
        {
            // No state (cells being written by a first rebuild, or none): nothing to key reads to, so nothing kept.
            return new CellsRead(table, default, MonthOnlyRows: false);
        }

        // Cells counted before this layout keep their old row keys until the next update rebuilds them.
        var monthOnly = row.GetString("Counting") is not { } counting || !counting.Contains(Layout, StringComparison.Ordinal);

        lock (_readGate)
        {
            if (_read is null || _read.State != row.ETag || _read.Count > CellsKept)
            {
                _read = new CellsRead(table, row.ETag, monthOnly);
            }

            return _read;
        }
    }

    /// <summary>Forgets the cells kept (this instance has just written cells).</summary>
    private void Forget()
    {
        lock (_readGate)
        {
            _read = null;
        }
    }

    /// <summary>Point reads of cells and practice lists as at one stored state, each read once.</summary>
    private sealed class CellsRead(TableClient table, ETag state, bool MonthOnlyRows)
    {
        /// <summary>The row key of a partition's month as these cells were written.</summary>
        public string RowOf(string partition, DateOnly month) => MonthOnlyRows ? MonthKey(month) : EvidenceCellStore.RowOf(partition, month);

        private readonly ConcurrentDictionary<(string Partition, string Row), Lazy<Task<EvidenceCell?>>> _cells = new();
        private readonly ConcurrentDictionary<string, Lazy<Task<HashSet<string>>>> _practices = new(StringComparer.Ordinal);

        public ETag State { get; } = state;

        public int Count => _cells.Count;

        public Task<EvidenceCell?> CellAsync(string partition, string row, CancellationToken cancellationToken) =>
            Once(_cells, (partition, row), async () =>
            {
                var found = await table.GetEntityIfExistsAsync<TableEntity>(partition, row, cancellationToken: cancellationToken);
                return found.HasValue && found.Value is { } entity ? CellOf(entity) : null;
            });

        public Task<HashSet<string>> PracticesAsync(string view, CancellationToken cancellationToken) =>
            Once(_practices, view, () => EvidenceCellStore.PracticesAsync(table, view, cancellationToken));

        private Task<T> Once<TKey, T>(ConcurrentDictionary<TKey, Lazy<Task<T>>> kept, TKey key, Func<Task<T>> read) where TKey : notnull
        {
            if (State == default)
            {
                return read();
            }

            var lazy = kept.GetOrAdd(key, _ => new Lazy<Task<T>>(read));
            var task = lazy.Value;
            // A read that failed (or was cancelled) is not kept: the next asks again.
            _ = task.ContinueWith(t => kept.TryRemove(KeyValuePair.Create(key, lazy)), CancellationToken.None, TaskContinuationOptions.NotOnRanToCompletion, TaskScheduler.Default);
            return task;
        }
    }

    private static async Task<HashSet<string>> PracticesAsync(TableClient table, string view, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition(new CellKey(CellKey.AllPractices, default, view)), PracticesRow, cancellationToken: cancellationToken);
        return row.HasValue && row.Value is { } entity ? PracticesOf(entity) : new HashSet<string>(StringComparer.Ordinal);
    }

    private static HashSet<string> PracticesOf(TableEntity entity)
    {
        using var packed = new MemoryStream();
        Drain(entity, packed);
        return Unpack(packed.ToArray(), EvidenceJson.Default.ListString).ToHashSet(StringComparer.Ordinal);
    }

    private static async Task AddPracticesAsync(TableClient table, string view, IReadOnlyList<string> practices, CancellationToken cancellationToken)
    {
        while (true)
        {
            var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition(new CellKey(CellKey.AllPractices, default, view)), PracticesRow, cancellationToken: cancellationToken);
            var known = row.HasValue && row.Value is { } stored ? PracticesOf(stored) : new HashSet<string>(StringComparer.Ordinal);
            if (practices.All(known.Contains))
            {
                return;
            }

            known.UnionWith(practices);
            var entity = PracticesEntity(view, known);
            try
            {
                _ = row.HasValue && row.Value is { } existing
                    ? await table.UpdateEntityAsync(entity, existing.ETag, TableUpdateMode.Replace, cancellationToken)
                    : await table.AddEntityAsync(entity, cancellationToken);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another writer added practices first: read again.
            }
        }
    }

    private static TableEntity PracticesEntity(string view, IEnumerable<string> practices)
    {
        var entity = new TableEntity(Partition(new CellKey(CellKey.AllPractices, default, view)), PracticesRow);
        Fill(entity, Pack(practices.Order(StringComparer.Ordinal).ToList(), EvidenceJson.Default.ListString), 0, whole: true);
        return entity;
    }

    private static string Partition(CellKey key) => $"{key.View}|{key.PracticeOds}";

    private static string BatchPartition(string id) => $"batch|{id}";

    private static string MonthKey(DateOnly month) => month.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);

    private static string RowOf(string partition, DateOnly month) => $"{MonthKey(month)}|{partition}";

    private static CellKey? KeyOf(TableEntity entity)
    {
        var bar = entity.PartitionKey.LastIndexOf('|');
        if (bar < 0 || entity.PartitionKey.StartsWith("batch|", StringComparison.Ordinal)
            || entity.RowKey.Length < 7 || (entity.RowKey.Length > 7 && entity.RowKey[7] != '|')
            || !DateOnly.TryParseExact(entity.RowKey[..7] + "-01", "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var month))
        {
            return null;
        }

        return new CellKey(entity.PartitionKey[(bar + 1)..], month, entity.PartitionKey[..bar]);
    }

    private static TableEntity EntityOf(CellKey key, EvidenceCell cell, string? batch)
    {
        var partition = Partition(key);
        var entity = new TableEntity(partition, RowOf(partition, key.Month)) { ["LastBatch"] = batch };
        Fill(entity, Pack(cell, EvidenceJson.Default.EvidenceCell), 0, whole: true);
        return entity;
    }

    private static EvidenceCell CellOf(TableEntity entity)
    {
        using var packed = new MemoryStream();
        Drain(entity, packed);
        return Unpack(packed.ToArray(), EvidenceJson.Default.EvidenceCell);
    }

    /// <returns>The offset after what this entity holds.</returns>
    private static int Fill(TableEntity entity, byte[] bytes, int offset, bool whole = false)
    {
        for (var piece = 0; piece < PiecesPerEntity && offset < bytes.Length; piece++, offset += PieceBytes)
        {
            entity[$"Piece{piece:D2}"] = bytes.AsSpan(offset, Math.Min(PieceBytes, bytes.Length - offset)).ToArray();
        }

        if (whole && offset < bytes.Length)
        {
            throw new InvalidOperationException($"An evidence cell packs to {bytes.Length:N0} bytes, more than one entity holds.");
        }

        return offset;
    }

    private static void Drain(TableEntity entity, Stream into)
    {
        for (var piece = 0; piece < PiecesPerEntity && entity.GetBinary($"Piece{piece:D2}") is { } bytes; piece++)
        {
            into.Write(bytes);
        }
    }

    internal static byte[] Pack<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            JsonSerializer.Serialize(gzip, value, type);
        }

        return buffer.ToArray();
    }

    internal static T Unpack<T>(byte[] packed, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        using var gzip = new GZipStream(new MemoryStream(packed), CompressionMode.Decompress);
        return JsonSerializer.Deserialize(gzip, type) ?? throw new InvalidDataException("An evidence entity held no value.");
    }

    internal static async Task DeleteAsync(TableClient table, TableEntity entity, CancellationToken cancellationToken)
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

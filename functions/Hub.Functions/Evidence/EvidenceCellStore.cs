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

/// <summary>The evidence cells in Table storage, gzipped <see cref="EvidenceCell"/>s. A practice's year of one view is one
/// entity (partition <c>{view}|{practice}</c>, row <c>yyyy|{view}|{practice}</c>), each month its own properties; each
/// view's running totals over every practice are one entity a month under practice <c>*</c> (row
/// <c>yyyy-MM|{view}|*</c>: a national month's totals are hundreds of KB, so a year of them fits no entity), beside the
/// list of practices they cover. A report reads the entities it covers and merges their months: its memory and reads
/// grow with the months and practices asked for, never with referrals.</summary>
public sealed class EvidenceCellStore(HubTables tables)
{
    public const string Table = "EvidenceCells";
    private const string StateKey = "state";
    private const string PracticesRow = "practices";
    // Row keys of years and months sort below this; the practices row ('p…') sorts above.
    private const string AfterMonths = "9999";

    /// <summary>How cells are keyed, part of <see cref="EvidenceUpdate.Counting"/>: a state counted under another layout
    /// is rebuilt by the next update, and until then its cells are read under the old keys.</summary>
    /// <remarks>A row key starts with its year or month (so a partition's periods read as a range) and ends with its
    /// partition, so no two entities share a row key: Azurite finds one entity by its row key and then walks every entity
    /// with that row key. A practice's year in one entity makes a scheme-year 150 point reads instead of 1,800, and a
    /// day's update one read and one merge (of the months it changed) per practice and view.</remarks>
    public const string Layout = "rows:practice-year|partition";

    /// <summary>The layout before <see cref="Layout"/>: every cell an entity of its own, row <c>yyyy-MM|{partition}</c>
    /// (and before that, the month alone).</summary>
    private const string MonthLayout = "rows:month|partition";
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
            var byRow = deltas.GroupBy(d => RowOf(deltas.Key, d.Month), StringComparer.Ordinal).ToList();
            while (true)
            {
                // Point reads, together: a day touches one to a few months (one or two years) of most partitions.
                var existing = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
                foreach (var read in await Task.WhenAll(byRow.Select(r => table.GetEntityIfExistsAsync<TableEntity>(deltas.Key, r.Key, cancellationToken: ct))))
                {
                    if (read.HasValue && read.Value is { } entity)
                    {
                        existing[entity.RowKey] = entity;
                    }
                }

                var actions = new List<TableTransactionAction>();
                foreach (var row in byRow)
                {
                    var found = existing.GetValueOrDefault(row.Key);
                    if (found is null || found.GetString("LastBatch") == batch.Id)
                    {
                        gotCells[deltas.Key] = true;
                    }

                    if (found?.GetString("LastBatch") == batch.Id)
                    {
                        continue;
                    }

                    var entity = found is null ? new TableEntity(deltas.Key, row.Key) : EntityRewrite.CopyOf(found);
                    entity["LastBatch"] = batch.Id;
                    foreach (var delta in row)
                    {
                        var cell = found is not null && CellAt(found, delta.Month) is { } stored ? stored : new EvidenceCell();
                        cell.Merge(delta.Delta);
                        Put(entity, delta.Month, cell.Pruned());
                    }

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
                    // Another writer got there first: read the partition again (entities already written skip this batch).
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
        var entities = cells.Entries.GroupBy(e => (Partition: Partition(e.Key), Row: RowOf(Partition(e.Key), e.Key.Month)))
            .Select(g =>
            {
                var entity = new TableEntity(g.Key.Partition, g.Key.Row) { ["LastBatch"] = null };
                foreach (var e in g)
                {
                    Put(entity, e.Key.Month, e.Cell.Pruned());
                }

                return entity;
            })
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
            foreach (var (month, cell) in CellsOf(entity))
            {
                var bar = entity.PartitionKey.LastIndexOf('|');
                yield return (new CellKey(entity.PartitionKey[(bar + 1)..], month, entity.PartitionKey[..bar]), cell);
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

    // Up to three years a partition is read by point reads (a month or a year an entity): a point read is indexed on
    // every store (Azurite scans the whole table for any query, even one bounded to a partition), and a report's period
    // is a few months to a year.
    private const int MonthsReadOneByOne = 36;

    private static async Task ReadAsync(TableClient table, CellsRead read, IEnumerable<string> partitions, DateTimeOffset? from, DateTimeOffset? to, Action<EvidenceCell> take, CancellationToken cancellationToken)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        var first = from is { } f ? CellKey.MonthOf(f) : DateOnly.MinValue;
        var end = to is { } t ? CellKey.MonthOf(t) : DateOnly.MaxValue;
        void TakeWithin(IReadOnlyList<(DateOnly Month, EvidenceCell Cell)> cells)
        {
            foreach (var (month, cell) in cells)
            {
                if (month >= first && month < end)
                {
                    take(cell);
                }
            }
        }

        if (from is not null && to is not null && MonthsBetween(first, end) is var months and >= 0 and <= MonthsReadOneByOne)
        {
            var reads = partitions.SelectMany(p => Enumerable.Range(0, months).Select(i => (Partition: p, Row: read.RowOf(p, first.AddMonths(i))))).Distinct();
            await Parallel.ForEachAsync(reads, options, async (one, ct) => TakeWithin(await read.CellsAsync(one.Partition, one.Row, ct)));
            return;
        }

        await Parallel.ForEachAsync(partitions, options, async (partition, ct) =>
        {
            var (start, stop) = read.RowsOf(partition, from is null ? null : first, to is null ? null : end);
            await foreach (var entity in table.QueryAsync<TableEntity>(x => x.PartitionKey == partition && x.RowKey.CompareTo(start) >= 0 && x.RowKey.CompareTo(stop) < 0, cancellationToken: ct))
            {
                TakeWithin(CellsOf(entity));
            }
        });
    }

    /// <summary>Whole months from one month's first day to another's (a period ending mid-month ends with that month's start).</summary>
    private static int MonthsBetween(DateOnly first, DateOnly end) => ((end.Year - first.Year) * 12) + end.Month - first.Month;

    // Cells read since the stored state last moved, shared by reports until it moves again (an update or rebuild saves
    // the state after its cells): a report reads what the last one read only once, and reads of the same entity in
    // flight together are one read. Cleared past this many cells, so it holds at most a few tens of MB.
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
            return new CellsRead(table, default, Keys.PracticeYears);
        }

        // Cells counted under an earlier layout keep their old row keys until the next update rebuilds them.
        var counting = row.GetString("Counting") ?? string.Empty;
        var keys = counting.Contains(Layout, StringComparison.Ordinal) ? Keys.PracticeYears
            : counting.Contains(MonthLayout, StringComparison.Ordinal) ? Keys.MonthAndPartition
            : Keys.MonthOnly;

        lock (_readGate)
        {
            if (_read is null || _read.State != row.ETag || _read.Count > CellsKept)
            {
                _read = new CellsRead(table, row.ETag, keys);
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

    /// <summary>How the stored cells are keyed: this version's <see cref="Layout"/>, or an earlier one's.</summary>
    private enum Keys
    {
        /// <summary>Row <c>yyyy-MM</c>, a cell an entity (before <see cref="MonthLayout"/>).</summary>
        MonthOnly,

        /// <summary>Row <c>yyyy-MM|{partition}</c>, a cell an entity (<see cref="MonthLayout"/>).</summary>
        MonthAndPartition,

        /// <summary>A practice's year an entity, the running totals a month an entity (<see cref="Layout"/>).</summary>
        PracticeYears,
    }

    /// <summary>Point reads of cells and practice lists as at one stored state, each read once.</summary>
    private sealed class CellsRead(TableClient table, ETag state, Keys keys)
    {
        private readonly ConcurrentDictionary<(string Partition, string Row), Lazy<Task<IReadOnlyList<(DateOnly Month, EvidenceCell Cell)>>>> _cells = new();
        private readonly ConcurrentDictionary<string, Lazy<Task<HashSet<string>>>> _practices = new(StringComparer.Ordinal);
        private int _count;

        public ETag State { get; } = state;

        /// <summary>How many cells are kept.</summary>
        public int Count => Volatile.Read(ref _count);

        /// <summary>The row key of the entity holding a partition's month, as these cells were written.</summary>
        public string RowOf(string partition, DateOnly month) => keys switch
        {
            Keys.MonthOnly => MonthKey(month),
            Keys.MonthAndPartition => $"{MonthKey(month)}|{partition}",
            _ => EvidenceCellStore.RowOf(partition, month),
        };

        /// <summary>The range of row keys holding a partition's months from <paramref name="first"/> (inclusive) to
        /// <paramref name="end"/> (exclusive); null: unbounded. It may hold more months (a year's entity), never fewer.</summary>
        public (string Start, string Stop) RowsOf(string partition, DateOnly? first, DateOnly? end)
        {
            var years = keys == Keys.PracticeYears && !IsTotals(partition);
            var start = first is not { } f ? string.Empty : years ? YearKey(f.Year) : MonthKey(f);
            var stop = end is not { } e ? AfterMonths : years ? YearKey(e.Month == 1 ? e.Year : e.Year + 1) : MonthKey(e);
            return (start, stop);
        }

        public Task<IReadOnlyList<(DateOnly Month, EvidenceCell Cell)>> CellsAsync(string partition, string row, CancellationToken cancellationToken) =>
            Once(_cells, (partition, row), async () =>
            {
                var found = await table.GetEntityIfExistsAsync<TableEntity>(partition, row, cancellationToken: cancellationToken);
                var cells = found.HasValue && found.Value is { } entity ? CellsOf(entity) : [];
                Interlocked.Add(ref _count, Math.Max(1, cells.Count));
                return (IReadOnlyList<(DateOnly Month, EvidenceCell Cell)>)cells;
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

    /// <summary>A view's running totals over every practice (a month an entity), not one practice's cells (a year an entity).</summary>
    private static bool IsTotals(string partition) => partition.EndsWith("|" + CellKey.AllPractices, StringComparison.Ordinal);

    private static string BatchPartition(string id) => $"batch|{id}";

    private static string MonthKey(DateOnly month) => month.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);

    private static string YearKey(int year) => year.ToString("D4", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The row key of the entity that holds a partition's month under this version's <see cref="Layout"/>.</summary>
    private static string RowOf(string partition, DateOnly month) =>
        IsTotals(partition) ? $"{MonthKey(month)}|{partition}" : $"{YearKey(month.Year)}|{partition}";

    /// <summary>The cells an entity holds, by month: its one month (a month's entity, under any layout) or the months of
    /// its year; none when it is not a cell's entity (the state, a batch's chunk, a practice list).</summary>
    private static List<(DateOnly Month, EvidenceCell Cell)> CellsOf(TableEntity entity)
    {
        var row = entity.RowKey;
        var bar = entity.PartitionKey.LastIndexOf('|');
        if (bar < 0 || entity.PartitionKey.StartsWith("batch|", StringComparison.Ordinal))
        {
            return [];
        }

        if (row.Length >= 7 && (row.Length == 7 || row[7] == '|')
            && DateOnly.TryParseExact(row[..7] + "-01", "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var month))
        {
            using var packed = new MemoryStream();
            Drain(entity, packed, MonthPiece);
            return [(month, Unpack(packed.ToArray(), EvidenceJson.Default.EvidenceCell))];
        }

        if (row.Length > 4 && row[4] == '|' && int.TryParse(row.AsSpan(0, 4), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var year))
        {
            var cells = new List<(DateOnly Month, EvidenceCell Cell)>();
            for (var m = 1; m <= 12; m++)
            {
                if (CellAt(entity, new DateOnly(year, m, 1)) is { } cell)
                {
                    cells.Add((new DateOnly(year, m, 1), cell));
                }
            }

            return cells;
        }

        return [];
    }

    /// <summary>One month's cell in the entity that holds it under this <see cref="Layout"/> (its own, or its year's);
    /// null when there is none.</summary>
    private static EvidenceCell? CellAt(TableEntity entity, DateOnly month)
    {
        using var packed = new MemoryStream();
        Drain(entity, packed, PiecesOf(entity.PartitionKey, month));
        return packed.Length == 0 ? null : Unpack(packed.ToArray(), EvidenceJson.Default.EvidenceCell);
    }

    /// <summary>Sets a month's cell in the entity that holds it under this <see cref="Layout"/>, in place of what it held.</summary>
    private static void Put(TableEntity entity, DateOnly month, EvidenceCell cell)
    {
        var piece = PiecesOf(entity.PartitionKey, month);
        for (var p = 0; p < PiecesPerEntity; p++)
        {
            entity.Remove(piece(p));
        }

        Fill(entity, Pack(cell, EvidenceJson.Default.EvidenceCell), 0, whole: true, piece);
        if (entity.Select(p => p.Value).OfType<byte[]>().Sum(b => b.Length) > PiecesPerEntity * PieceBytes)
        {
            throw new InvalidOperationException($"The evidence cells of {entity.PartitionKey} in {entity.RowKey[..4]} pack to more bytes than one entity holds.");
        }
    }

    /// <summary>The names of a month's pieces in its entity: a month's entity holds one cell, a year's one per month.</summary>
    private static Func<int, string> PiecesOf(string partition, DateOnly month) => IsTotals(partition) ? MonthPiece : p => YearPiece(month, p);

    private static string MonthPiece(int piece) => $"Piece{piece:D2}";

    private static string YearPiece(DateOnly month, int piece) => $"M{month.Month:D2}P{piece:D2}";

    /// <returns>The offset after what this entity holds.</returns>
    private static int Fill(TableEntity entity, byte[] bytes, int offset, bool whole = false, Func<int, string>? name = null)
    {
        name ??= MonthPiece;
        for (var piece = 0; piece < PiecesPerEntity && offset < bytes.Length; piece++, offset += PieceBytes)
        {
            entity[name(piece)] = bytes.AsSpan(offset, Math.Min(PieceBytes, bytes.Length - offset)).ToArray();
        }

        if (whole && offset < bytes.Length)
        {
            throw new InvalidOperationException($"An evidence cell packs to {bytes.Length:N0} bytes, more than one entity holds.");
        }

        return offset;
    }

    private static void Drain(TableEntity entity, Stream into, Func<int, string>? name = null)
    {
        name ??= MonthPiece;
        for (var piece = 0; piece < PiecesPerEntity && entity.GetBinary(name(piece)) is { } bytes; piece++)
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

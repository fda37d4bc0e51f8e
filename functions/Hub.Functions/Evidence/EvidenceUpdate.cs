using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Serialization;
using Azure.Data.Tables;
using Hub.FollowUp;
using Hub.Platform.Storage;
using Hub.Referrals;
using Microsoft.Extensions.Logging;

namespace Hub.Evidence;

/// <summary>Keeps the stored evidence cells current. Each run reads which referrals changed since the stored watermark
/// from <see cref="ReferralChanges"/> (noted by the stores as they append audit events, save referrals, store survey
/// answers and save episodes: one partition per hour, no table scanned), recomputes the journey of each referral
/// touched, and replaces its old contribution with the new one in its cells (read and written per partition, in
/// entity-group transactions). A day's run therefore reads and writes in proportion to the day's changes, not to the
/// hub's history. A rebuild counts everything afresh from the audit trail (recovery; the first run on a hub is one, and
/// so is the first run on stored evidence counted before the index was kept).</summary>
public sealed partial class EvidenceUpdate(
    HubTables tables, ReferralChanges changes, AuditTrail audit, FollowUpStore followUps, Hub.LinkWork.EpisodeStore episodes, EvidenceCellStore cells, EvidenceRowStore rows, QuestionnaireLibrary instruments,
    ProviderResponsivenessCount responsiveness, Microsoft.Extensions.Options.IOptions<ReportingOptions> options, TimeProvider time, ILogger<EvidenceUpdate> logger) : IDisposable
{
    private static readonly TimeSpan KeptChanges = TimeSpan.FromDays(30);

    /// <summary>This version's way of counting: changes from the index (whose notes say when answers and episodes were
    /// written), rows kept with the audit entries of these events. Stored evidence counted another way (before the
    /// index, before notes named sources, or from another list of events) is rebuilt once.</summary>
    public static readonly string Counting = "referral-changes;sources-noted;" + EvidenceCellStore.Layout + ":" + string.Join(',', ReferralJourney.Events.Select(e => e.Spelling()));
    private readonly SemaphoreSlim _running = new(1, 1);

    /// <summary>What the last run did (for the operator's answer, the benchmark and the tests).</summary>
    public EvidenceRun? LastRun { get; private set; }

    /// <summary>The stored evidence as at the last update; on a hub that never ran one (a fresh install, a demo) one
    /// runs now, once: requests arriving together wait for it.</summary>
    public async Task<EvidenceState> CurrentAsync(CancellationToken cancellationToken = default)
    {
        if (await cells.StateAsync(cancellationToken) is { PendingBatch: null } state)
        {
            return state;
        }

        await _running.WaitAsync(cancellationToken);
        try
        {
            return await cells.StateAsync(cancellationToken) is { PendingBatch: null } now ? now : await UpdateWhileHoldingAsync(cancellationToken);
        }
        finally
        {
            _running.Release();
        }
    }

    /// <summary>Brings the cells up to date with everything recorded since the last run.</summary>
    public async Task<EvidenceState> UpdateAsync(CancellationToken cancellationToken = default)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            return await UpdateWhileHoldingAsync(cancellationToken);
        }
        finally
        {
            _running.Release();
        }
    }

    /// <summary>Counts every referral afresh from the audit trail and the survey answers, replacing every cell and row.</summary>
    public async Task<EvidenceState> RebuildAsync(CancellationToken cancellationToken = default)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            return await RebuildWhileHoldingAsync(await cells.StateAsync(cancellationToken), cancellationToken);
        }
        finally
        {
            _running.Release();
        }
    }

    private async Task<EvidenceState> UpdateWhileHoldingAsync(CancellationToken cancellationToken)
    {
        var state = await cells.StateAsync(cancellationToken);
        if (state?.Watermark is null || state.Counting != Counting)
        {
            // Never counted, or counted before the referral-changes index was kept: what changed since cannot be read
            // from the index, so count everything once; from then on the index has every change.
            return await RebuildWhileHoldingAsync(state, cancellationToken);
        }

        var clock = Stopwatch.StartNew();
        var phases = new Phases();
        if (state.PendingBatch is { } pending)
        {
            // The last run stopped between writing its batch and finishing it: finish it, exactly once.
            state = await FinishAsync(state, await cells.BatchAsync(pending, cancellationToken), cancellationToken);
        }

        // The next watermark is taken before reading: a change noted while this run reads is read again next time.
        var watermark = ReferralChanges.Now();
        var changed = new Dictionary<string, string?>(StringComparer.Ordinal);
        var noted = new Dictionary<string, Noted>(StringComparer.Ordinal);
        await foreach (var change in changes.SinceAsync(state.Watermark!.Value - options.Value.UpdateOverlap, cancellationToken))
        {
            changed[change.ReferralId] = change.PracticeOds ?? changed.GetValueOrDefault(change.ReferralId);
            var note = noted.TryGetValue(change.ReferralId, out var seen) ? seen : noted[change.ReferralId] = new Noted([], []);
            note.Entries.AddRange(change.Events.Where(Counts));
            note.Sources.UnionWith(change.Sources);
        }

        phases.Done("changes index");
        var onward = await OnwardAsync(cancellationToken);
        phases.Done("onward links");
        foreach (var (referralId, practiceOds) in changed.ToList())
        {
            // A connection's journey changes its parent's row (connections made and taken up): read the parent again.
            if (onward.ParentOf.TryGetValue(referralId, out var parent) && !changed.ContainsKey(parent.ReferralId))
            {
                changed[parent.ReferralId] = parent.PracticeOds;
            }
        }

        // The day in batches of a bounded number of referrals, each journalled and applied whole before the next is
        // read: memory follows the batch, not the day. Only the last batch moves the watermark, so a run that stops
        // between batches is read again from the old one by the next (a referral already counted changes nothing).
        var unplaced = 0;
        var (referralsFound, cellsWritten) = (0, 0);
        var batches = changed.Chunk(Math.Max(1, options.Value.UpdateBatchReferrals)).ToList();
        if (batches.Count == 0)
        {
            // Nothing noted: one empty batch still moves the watermark and the state.
            batches.Add([]);
        }

        for (var b = 0; b < batches.Count; b++)
        {
            var last = b == batches.Count - 1;
            var (found, batch) = await CountBatchAsync(state, batches[b], last ? watermark : state.Watermark, noted, onward, phases, () => Interlocked.Increment(ref unplaced), cancellationToken);
            if (batch.Rows.Count > 0)
            {
                await cells.SaveBatchAsync(batch, cancellationToken);
                state = await cells.SaveStateAsync(state with { PendingBatch = batch.Id }, cancellationToken: cancellationToken);
            }

            phases.Done("journal batch");
            state = await FinishAsync(state, batch, cancellationToken, phases);
            (referralsFound, cellsWritten) = (referralsFound + found, cellsWritten + batch.Cells.Count);
        }

        await responsiveness.CountAsync(cancellationToken);
        phases.Done("provider responsiveness");
        // Notes read long ago are tidied a day at a time (a month is kept, to look back on what a run read).
        var forgotten = state.Watermark!.Value - options.Value.UpdateOverlap - KeptChanges;
        await changes.ForgetAsync(forgotten - TimeSpan.FromDays(1), forgotten, cancellationToken);
        phases.Done("tidy old notes");
        LastRun = new EvidenceRun(false, changed.Count, referralsFound, cellsWritten, unplaced, clock.Elapsed) { Phases = phases.Summary(), Batches = batches.Count };
        LogUpdated(logger, changed.Count, referralsFound, cellsWritten, unplaced, clock.ElapsedMilliseconds);
        return state;
    }

    /// <summary>Reads one batch of the referrals noted (their stored rows and sources) and counts what changed in their
    /// cells: the batch to journal, and how many rows changed.</summary>
    private async Task<(int Found, EvidenceBatch Batch)> CountBatchAsync(EvidenceState state, KeyValuePair<string, string?>[] referrals, DateTimeOffset? watermark,
        Dictionary<string, Noted> noted, OnwardLinks onward, Phases phases, Action unplaced, CancellationToken cancellationToken)
    {
        var found = new ConcurrentBag<(RowChange Change, EvidenceRow? Old)>();
        var copied = new ConcurrentBag<RowChange>();
        await Parallel.ForEachAsync(referrals, new ParallelOptions { MaxDegreeOfParallelism = EvidenceCellStore.Parallelism, CancellationToken = cancellationToken }, async (referral, ct) =>
        {
            // Its stored contribution, its practice and the sources it was counted from, in one read.
            var stored = await phases.Time("stored rows", rows.StoredAsync(referral.Key, ct));
            var practice = referral.Value ?? stored?.PracticeOds;
            if (practice is null)
            {
                // Noted, never counted, and no practice known: not a referral's change (an admin event shares the
                // audit trail), or a referral whose record is not saved yet; saving it notes it again, with its practice.
                unplaced();
                return;
            }

            // The entries it was counted from and the new ones noted since. A referral never counted whose notes hold its
            // referral-received entry (the first of every referral: intake appends it before anything else can happen to
            // it) has its whole trail in the notes read now. Its audit partition only otherwise (never counted, and
            // received before this run's notes; or counted before copies were kept).
            var note = noted.GetValueOrDefault(referral.Key) ?? new Noted([], []);
            var fresh = note.Entries;
            var wholeInNotes = stored is null && fresh.Any(e => e.Is(AuditEventName.ReferralReceived));
            var eventsRead = stored?.Events is { } copy
                ? Task.FromResult<IReadOnlyList<AuditEntry>>(copy.Union(fresh).OrderBy(e => e.At).ToList())
                : wholeInNotes
                ? Task.FromResult<IReadOnlyList<AuditEntry>>(fresh.Distinct().OrderBy(e => e.At).ToList())
                : phases.Time("audit partitions", audit.ReadAsync(referral.Key, ct));

            // Its answers and episode are read again only when a note says they were written (each store notes before
            // it writes, so a write this run missed is noted inside the next run's overlap) or no copy was kept. A
            // referral whose whole trail is in these notes has had every write to its sources noted in them too (none
            // can come before its referral-received entry): with none noted, it has none yet.
            var kept = stored?.Sources ?? (wholeInNotes ? JourneySources.None : null);
            var episodeRead = kept is not null && !note.Sources.Contains(NotedSource.Episode)
                ? Task.FromResult(kept.Episode)
                : phases.Time("episodes", EpisodeOfAsync(referral.Key, ct));
            var answersRead = kept is not null && !note.Sources.Contains(NotedSource.Answers) ? null : phases.Time("answers", AnswersAsync(practice, referral.Key, ct));
            var connections = new List<EvidenceRow>();
            foreach (var child in onward.ChildrenOf.GetValueOrDefault(referral.Key) ?? [])
            {
                if (ReferralJourney.From(child, practice, await audit.ReadAsync(child, ct), [], referral.Key) is { } connection)
                {
                    connections.Add(connection);
                }
            }

            var events = (await eventsRead).Where(Counts).ToList();
            var sources = answersRead is null ? kept! with { Episode = await episodeRead } : JourneySources.Of(await answersRead, await episodeRead);
            var now = ReferralJourney.From(referral.Key, practice, events, sources, onward.ParentIdOf(referral.Key), connections);
            var change = new RowChange(referral.Key, practice, now, stored is null) { Events = events, Sources = sources };
            if (stored is null || stored.PracticeOds != practice || !EvidenceRowStore.Same(stored.Row, now))
            {
                found.Add((change, stored?.Row));
            }
            else if (stored.Events is null || stored.Events.Count != events.Count || !EvidenceRowStore.Same(kept, sources))
            {
                // The same figures from more entries or other sources (an episode before acceptance), or no copy kept
                // yet: keep the copies, change no cell.
                copied.Add(change with { SameRow = true, IndexHoldsRow = stored.Events is not null });
            }
        });

        phases.Done("read referrals");
        var delta = new EvidenceCells(instruments.Measures);
        foreach (var (change, old) in found)
        {
            if (old is not null)
            {
                delta.Add(old, -1);
            }

            if (change.Row is not null)
            {
                delta.Add(change.Row);
            }
        }

        var batch = new EvidenceBatch(
            $"b{state.Version + 1:D10}",
            watermark,
            delta.Entries.Where(e => !e.Cell.IsEmpty).Select(e => new CellDelta(e.Key.PracticeOds, e.Key.Month, e.Key.View, e.Cell.Pruned())).ToList(),
            found.Select(c => c.Change).Concat(copied).ToList(),
            found.Where(c => c.Change.Row is not null).SelectMany(c => ViewsOf(c.Change.Row!).Select(v => (View: v, c.Change.PracticeOds)))
                .GroupBy(v => v.View, StringComparer.Ordinal).Select(g => new ViewPractices(g.Key, g.Select(v => v.PracticeOds).Distinct(StringComparer.Ordinal).ToList())).ToList(),
            found.Sum(c => (c.Old is null ? 0 : -1) + (c.Change.Row is null ? 0 : 1)));
        phases.Done("count deltas");
        return (found.Count, batch);
    }

    /// <summary>Applies a batch (cells, then rows, then the state that says it is done) and tidies it away.</summary>
    private async Task<EvidenceState> FinishAsync(EvidenceState state, EvidenceBatch? batch, CancellationToken cancellationToken, Phases? phases = null)
    {
        if (batch is not null && batch.Rows.Count > 0)
        {
            await cells.ApplyAsync(batch, cancellationToken);
            phases?.Done("apply cells");
            await rows.SaveAsync(batch.Rows, cancellationToken);
            phases?.Done("save rows");
        }

        var done = await cells.SaveStateAsync(new EvidenceState(state.Version + 1, time.GetUtcNow(), batch?.Watermark ?? state.Watermark, null,
            state.Referrals + (batch?.ReferralsAdded ?? 0)) { ETag = state.ETag, Counting = state.Counting }, cancellationToken: cancellationToken);
        if (batch is not null && batch.Rows.Count > 0)
        {
            await cells.DeleteBatchAsync(batch.Id, cancellationToken);
        }

        return done;
    }

    private async Task<EvidenceState> RebuildWhileHoldingAsync(EvidenceState? state, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        // The watermark is the storage service's clock, not the hub's (tests and demos move the hub's): what is written
        // after this moment is read by the next update; the overlap covers the two clocks' difference.
        var watermark = ReferralChanges.Now();
        var practices = new Dictionary<string, string>(StringComparer.Ordinal);
        var records = await tables.GetAsync(ReferralStore.Table);
        await foreach (var row in records.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            practices[row.RowKey] = row.PartitionKey;
        }

        var events = new Dictionary<string, List<AuditEntry>>(StringComparer.Ordinal);
        await foreach (var entry in audit.ScanAsync(ReferralJourney.Events, cancellationToken))
        {
            if (practices.ContainsKey(entry.ReferralId))
            {
                (events.TryGetValue(entry.ReferralId, out var list) ? list : events[entry.ReferralId] = []).Add(entry);
            }
        }

        var responses = new Dictionary<string, List<SurveyResponse>>(StringComparer.Ordinal);
        await foreach (var response in followUps.AllResponsesAsync(cancellationToken))
        {
            (responses.TryGetValue(response.ReferralId, out var list) ? list : responses[response.ReferralId] = []).Add(response);
        }

        var onward = await OnwardAsync(cancellationToken);
        var episodeRows = new ConcurrentDictionary<string, EpisodeFacts>(StringComparer.Ordinal);
        var tableOfEpisodes = await tables.GetAsync(Hub.LinkWork.EpisodeStore.Table);
        var withEpisode = new List<string>();
        await foreach (var row in tableOfEpisodes.QueryAsync<TableEntity>(select: ["PartitionKey"], cancellationToken: cancellationToken))
        {
            withEpisode.Add(row.PartitionKey);
        }

        await Parallel.ForEachAsync(withEpisode, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (referralId, ct) =>
        {
            if (await EpisodeOfAsync(referralId, ct) is { } facts)
            {
                episodeRows[referralId] = facts;
            }
        });
        var counted = new EvidenceCells(instruments.Measures);
        var all = new List<RowChange>(practices.Count);
        foreach (var (referralId, practice) in practices)
        {
            var connections = (onward.ChildrenOf.GetValueOrDefault(referralId) ?? [])
                .Select(child => ReferralJourney.From(child, practice, events.GetValueOrDefault(child) ?? [], [], referralId)).OfType<EvidenceRow>().ToList();
            var sources = JourneySources.Of(responses.GetValueOrDefault(referralId) ?? [], episodeRows.GetValueOrDefault(referralId));
            var row = ReferralJourney.From(referralId, practice, events.GetValueOrDefault(referralId) ?? [], sources, onward.ParentIdOf(referralId), connections);
            if (row is not null)
            {
                counted.Add(row);
            }

            all.Add(new RowChange(referralId, practice, row, true)
            {
                Events = (events.GetValueOrDefault(referralId) ?? []).OrderBy(e => e.At).ToList(),
                Sources = sources,
            });
        }

        events.Clear();
        responses.Clear();
        await cells.ReplaceAllAsync(counted, cancellationToken);
        await rows.ReplaceAllAsync(all, cancellationToken);
        var rebuilt = await cells.SaveStateAsync(new EvidenceState((state?.Version ?? 0) + 1, time.GetUtcNow(), watermark, null, all.Count(r => r.Row is not null)) { Counting = Counting },
            whateverIsThere: true, cancellationToken);
        await responsiveness.CountAsync(cancellationToken);
        LastRun = new EvidenceRun(true, practices.Count, all.Count, counted.Count, 0, clock.Elapsed);
        LogRebuilt(logger, all.Count, counted.Count, clock.ElapsedMilliseconds);
        return rebuilt;
    }

    private static readonly HashSet<AuditEventName> Counted = [.. ReferralJourney.Events];

    private static bool Counts(AuditEntry entry) => entry.Name is { } name && Counted.Contains(name);

    /// <summary>A referral's survey answers, one point read per kind (a query, even within its practice's partition,
    /// is a scan of the whole table on some stores).</summary>
    private async Task<IReadOnlyList<SurveyResponse>> AnswersAsync(string practiceOds, string referralId, CancellationToken cancellationToken)
    {
        var reads = await Task.WhenAll(Enum.GetValues<SurveyKind>().Select(kind => followUps.GetResponseAsync(practiceOds, referralId, kind, cancellationToken)));
        return reads.OfType<SurveyResponse>().Where(r => r.ReferralId == referralId).ToList();
    }

    private async Task<EpisodeFacts?> EpisodeOfAsync(string referralId, CancellationToken cancellationToken) =>
        await episodes.GetAsync(referralId, cancellationToken) is { } episode ? EpisodeFacts.Of(episode, instruments.FollowUp) : null;

    private static IEnumerable<string> ViewsOf(EvidenceRow row) =>
        (row.IsConnection ? row.Offers.Select(o => o.ProviderId) : row.Offers.Select(o => o.ProviderId).Prepend(CellKey.Everyone)).Distinct(StringComparer.Ordinal);

    /// <summary>Which referrals are onward connections of which (intake's index, one row per connection, ids only): read
    /// whole once per run, as it holds one small row per connection.</summary>
    private async Task<OnwardLinks> OnwardAsync(CancellationToken cancellationToken)
    {
        var links = new OnwardLinks([], []);
        var index = await tables.GetAsync(Hub.Intake.OnwardReferralIndex.Table);
        await foreach (var row in index.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey", "PracticeOds"], cancellationToken: cancellationToken))
        {
            links.ParentOf[row.RowKey] = (row.PartitionKey, row.GetString("PracticeOds"));
            (links.ChildrenOf.TryGetValue(row.PartitionKey, out var children) ? children : links.ChildrenOf[row.PartitionKey] = []).Add(row.RowKey);
        }

        return links;
    }

    /// <summary>What the changes index noted for one referral since the watermark: its new audit entries, and which of
    /// its other sources were written.</summary>
    private sealed record Noted(List<AuditEntry> Entries, HashSet<NotedSource> Sources);

    private sealed record OnwardLinks(Dictionary<string, (string ReferralId, string PracticeOds)> ParentOf, Dictionary<string, List<string>> ChildrenOf)
    {
        public string? ParentIdOf(string referralId) => ParentOf.TryGetValue(referralId, out var parent) ? parent.ReferralId : null;
    }

    public void Dispose() => _running.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Evidence updated: {Touched} referrals touched, {Changed} changed, {Cells} cells, {Unplaced} left for the next run, in {Milliseconds} ms")]
    private static partial void LogUpdated(ILogger logger, int touched, int changed, int cells, int unplaced, long milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Evidence rebuilt from the audit trail: {Referrals} referrals into {Cells} cells in {Milliseconds} ms")]
    private static partial void LogRebuilt(ILogger logger, int referrals, int cells, long milliseconds);
}

/// <summary>What one update or rebuild did: referrals read, rows changed, cells written, referrals left for the next
/// run (their record not yet visible), and how long it took.</summary>
public sealed record EvidenceRun(bool Rebuild, int Touched, int Changed, int Cells, int Unplaced, TimeSpan Took)
{
    /// <summary>Where an update's time went: each step's wall time, and the summed time of each kind of read.</summary>
    public string Phases { get; init; } = string.Empty;

    /// <summary>The batches an update cut its referrals into (<see cref="ReportingOptions.UpdateBatchReferrals"/>).</summary>
    public int Batches { get; init; } = 1;
}

/// <summary>Wall time per step of an update, and the summed duration of each kind of concurrent read.</summary>
internal sealed class Phases
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(string Step, TimeSpan Took)> _steps = [];
    private readonly ConcurrentDictionary<string, long> _reads = new(StringComparer.Ordinal);
    private TimeSpan _last;

    /// <summary>A step done: its time is added to the same step's in earlier batches.</summary>
    public void Done(string step)
    {
        var now = _clock.Elapsed;
        var at = _steps.FindIndex(s => s.Step == step);
        if (at < 0)
        {
            _steps.Add((step, now - _last));
        }
        else
        {
            _steps[at] = (step, _steps[at].Took + (now - _last));
        }

        _last = now;
    }

    public async Task<T> Time<T>(string read, Task<T> task)
    {
        var start = Stopwatch.GetTimestamp();
        var result = await task;
        _reads.AddOrUpdate(read, Stopwatch.GetTimestamp() - start, (_, sum) => sum + Stopwatch.GetTimestamp() - start);
        return result;
    }

    public string Summary() => string.Join("; ", _steps.Select(s => System.FormattableString.Invariant($"{s.Step} {s.Took.TotalMilliseconds:N0} ms"))) + " | summed read time: "
        + string.Join(", ", _reads.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => System.FormattableString.Invariant($"{r.Key} {Stopwatch.GetElapsedTime(0, r.Value).TotalSeconds:N1} s")));
}

/// <summary>The stored evidence's JSON, source-generated: enums by name, so a reordered enum never misreads a stored row.</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EvidenceRow))]
[JsonSerializable(typeof(EpisodeFacts))]
[JsonSerializable(typeof(JourneySources))]
[JsonSerializable(typeof(EvidenceCell))]
[JsonSerializable(typeof(EvidenceBatch))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class EvidenceJson : JsonSerializerContext;

using System.Diagnostics;
using MeasureReport = Hl7.Fhir.Model.MeasureReport;
using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Hub.Access;
using Microsoft.Extensions.DependencyInjection;
using Hub.Evidence;
using Hub.FollowUp;
using Hub.Platform.Storage;
using Hub.Referrals;
using Hub.Tests.Evidence;
using Hub.Tests.Infrastructure;
using static System.FormattableString;

namespace Hub.Benchmarks;

/// <summary>A national day's evidence update on Azurite, through the hub's own stores, over what the reports and the
/// day's update read at national scale:
/// <list type="bullet">
/// <item><b>history</b>: five years of cells of one scheme of 150 practices at the national rate (1.3 million referrals
/// a year over 6,300 practices: the 2.4% of <see cref="EvidenceNationalRun.NationalPopulation"/>'s 6.5 million referrals
/// that fall in the scheme), with their running totals and practice lists, written by
/// <see cref="EvidenceCellStore.ReplaceAllAsync"/>. The other 6,150 practices' history is written as one pseudo-practice
/// per other scheme, so the running totals are national; every history referral's row and audit trail are <em>not</em>
/// written: neither a report nor an update reads them.</item>
/// <item><b>the earlier referrals</b>: referrals from earlier in the year at practices all over England (6,300 practices,
/// 1,260 providers), their records, audit trails and answers written as the hub writes them (changes index included),
/// then counted by an update (rows stored, cells and running totals updated).</item>
/// <item><b>the day</b>: that day's new referrals (records, audit, answers) and a later event (a withdrawal) on earlier
/// accepted referrals (each noted in the changes index, then its audit entry), then the measured
/// <see cref="EvidenceUpdate.UpdateAsync"/>.</item>
/// <item><b>check</b>: the stored running totals and one scheme practice's cells equal the same cells counted in memory.</item>
/// <item><b>reports</b>: <see cref="EvidenceReports.ForAsync"/> and the MeasureReport for one practice-month, the scheme-year
/// (150 practices, 12 months each), a PCN-year (5 of its practices) and an area-year (40 of them), both audited practice by
/// practice, and the hub-year (every practice: the running totals), p50 / p95 of 40 each.</item>
/// </list></summary>
public static class EvidenceNationalDayRun
{
    private const int Requests = 40;

    /// <summary>A primary care network's practices (England's PCNs hold about 30,000 to 50,000 patients: a few practices).</summary>
    private const int Pcn = 5;

    /// <summary>A set near the most that is audited practice by practice (<see cref="DisclosureOptions.PracticesAuditedUpTo"/>).</summary>
    private const int Area = 40;
    private const int Years = 5;
    private const int PerYear = 1_300_000;

    /// <summary>The pseudo-practices that hold the history outside the scheme, one per other scheme (no ODS code is
    /// spelled so).</summary>
    private const string RestOfEngland = "ZZREST";

    /// <param name="heapLimitMb">When set, the day's update runs in a process of its own whose managed heap is limited
    /// to this (<c>DOTNET_GCHeapHardLimit</c>), over this run's tables: what the update needs, apart from the harness's
    /// generator and in-memory truth. It completes or fails with an out-of-memory error.</param>
    /// <param name="updateBatch">That process's <c>Reporting:UpdateBatchReferrals</c> (the hub's default when null).</param>
    public static async Task<int> RunAsync(int dayReferrals, int movedOn, int? heapLimitMb = null, int? updateBatch = null)
    {
        var hub = new NationalHub();
        await hub.InitializeAsync();
        var table = new List<(string What, string Figure)>();
        var ok = true;
        void Row((string What, string Figure) row)
        {
            table.Add(row);
            Console.WriteLine(Invariant($"[{DateTimeOffset.UtcNow:HH:mm:ss}] {row.What}: {row.Figure}"));
        }

        try
        {
            var started = ReferralChanges.Now();
            var measures = hub.Get<QuestionnaireLibrary>().Measures;
            var tables = hub.Get<HubTables>();
            var store = hub.Get<EvidenceCellStore>();
            var update = hub.Get<EvidenceUpdate>();
            var practices = Enumerable.Range(0, EvidenceNationalRun.Practices).Select(EvidenceNationalRun.NationalPopulation.Practice).ToList();
            var scheme = practices.Take(EvidenceNationalRun.SchemeSize).ToList();
            var schemeSet = scheme.ToHashSet(StringComparer.Ordinal);
            var providers = Enumerable.Range(0, EvidenceNationalRun.Practices / EvidenceNationalRun.SchemeSize)
                .SelectMany(s => Enumerable.Range(0, 30).Select(k => Invariant($"prov-{s:D3}-{k:D2}"))).ToList();

            // (a) The scheme's five years of cells, counted in memory from the national generator, written whole.
            var clock = Stopwatch.StartNew();
            var total = PerYear * Years;
            var generator = new EvidenceNationalRun.NationalPopulation(seed: 17, new DateTimeOffset(2026 - Years, 1, 1, 0, 0, 0, TimeSpan.Zero), 365 * Years);
            var history = new EvidenceCells(measures);
            var restOf = practices.Select((p, i) => (p, Scheme: i / EvidenceNationalRun.SchemeSize)).ToDictionary(p => p.p, p => Invariant($"{RestOfEngland}{p.Scheme:D3}"), StringComparer.Ordinal);
            var inScheme = 0;
            for (var i = 0; i < total; i++)
            {
                var row = generator.Row(i, total);
                if (schemeSet.Contains(row.PracticeOds))
                {
                    history.Add(row);
                    inScheme++;
                }
                else
                {
                    // The rest of England's history as one pseudo-practice per other scheme: the running totals are then
                    // national (as large as a live hub's), while only the scheme's practices are kept practice by practice.
                    history.Add(row with { PracticeOds = restOf[row.PracticeOds] });
                }
            }

            // Every practice with cells: a report over all of them reads the running totals.
            var everywhere = practices.Concat(practices.Except(scheme).Select(p => restOf[p]).Distinct(StringComparer.Ordinal)).ToList();
            Row((Invariant($"history: {inScheme:N0} of {total:N0} generated referrals in the scheme ({Years} years, {scheme.Count} practices; the other {total - inScheme:N0} in the running totals, as one pseudo-practice per other scheme), counted in memory"),
                Invariant($"{history.Count:N0} cells, {clock.Elapsed.TotalSeconds:N0} s")));
            clock.Restart();
            await store.ReplaceAllAsync(history);
            await store.SaveStateAsync(new EvidenceState(1, DateTimeOffset.UtcNow, ReferralChanges.Now(), null, inScheme) { Counting = EvidenceUpdate.Counting }, whateverIsThere: true);
            Row(("history written (cells, running totals, practice lists)", Ms(clock.Elapsed.TotalMilliseconds)));

            // (b) The earlier referrals (January to June 2026, all over England), written and counted by an update.
            var earlier = new EvidencePopulation(2026, movedOn * 4 / 3, practices, providers: providers);
            clock.Restart();
            await earlier.WriteAsync(tables);
            await NoteEntriesAsync(hub.Get<ReferralChanges>(), earlier);
            Row((Invariant($"earlier referrals written: {earlier.Referrals.Count:N0} ({earlier.Referrals.Sum(r => r.Events.Count):N0} audit events)"), Ms(clock.Elapsed.TotalMilliseconds)));
            clock.Restart();
            await update.UpdateAsync();
            Row((Invariant($"update counting them ({update.LastRun!.Touched:N0} read, {update.LastRun.Changed:N0} changed, {update.LastRun.Cells:N0} cells)"), Ms(clock.Elapsed.TotalMilliseconds)));
            Row(("  where that update's time went", update.LastRun.Phases));

            // Their notes, read by that update, go back a day (where a live hub's would be, months back): the day's notes are
            // then rows of their own, not merged into this hour's rows that already hold each referral's earlier entries.
            var aged = await AgeNotesAsync(tables, started);
            Row(("  their notes in the changes index moved a day back (counted already)", Invariant($"{aged:N0} rows")));

            // (c) The day: new referrals, and a later event on earlier accepted ones.
            var day = new EvidencePopulation(9_017, dayReferrals, practices, providers: providers);
            var touched = earlier.Referrals.Where(r => r.Events.Any(e => e.Event == "accepted")).Take(movedOn).ToList();
            var late = touched.ToDictionary(r => r.ReferralId, r => new AuditEntry(r.ReferralId, "withdrawn", "hub", r.Events.Max(e => e.At).AddMinutes(5), "day"));
            clock.Restart();
            await day.WriteAsync(tables);
            await NoteEntriesAsync(hub.Get<ReferralChanges>(), day);
            // As the audit trail's append does: the event, then its note (with the entry) in the changes index.
            var audit = await tables.GetAsync(AuditTrail.Table);
            await Parallel.ForEachAsync(late.Values, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (e, ct) =>
                await audit.AddEntityAsync(AuditTrail.EntityOf(e, Invariant($"{e.At.UtcTicks:D19}-day")), ct));
            await hub.Get<ReferralChanges>().NoteAsync(late.Values.Select(e => new ReferralNote(e.ReferralId, Entry: e, EntryKey: Invariant($"{e.At.UtcTicks:D19}-day"))).ToList());
            Row((Invariant($"the day written: {dayReferrals:N0} new referrals, {touched.Count:N0} later events"), Ms(clock.Elapsed.TotalMilliseconds)));

            // Which rows the day changes, counted in memory: every new referral, and each later event that changes its
            // referral's row (a withdrawal after acceptance changes only the rows whose follow-up had not ended).
            var expectedChanged = dayReferrals + touched.Count(r => !EvidenceRowStore.Same(
                ReferralJourney.From(r.ReferralId, r.PracticeOds, r.Events, r.Responses),
                ReferralJourney.From(r.ReferralId, r.PracticeOds, [.. r.Events, late[r.ReferralId]], r.Responses)));
            if (heapLimitMb is { } limit)
            {
                var child = await UpdateInProcessOfItsOwnAsync(hub.Run, limit, updateBatch);
                ok &= child is not null && child.Changed == expectedChanged;
                Row((Invariant($"DAILY UPDATE in a process of its own, managed heap limited to {limit:N0} MB"), child is null ? "DID NOT COMPLETE (see its output above)"
                    : Invariant($"{child.Touched:N0} referrals read, {child.Changed:N0} changed (expected {expectedChanged:N0}), {child.Cells:N0} cells written: {Ms(child.Milliseconds)}, {Mb(child.Allocated)} allocated, managed heap at most {Mb(child.HeapPeak)} above the started hub's, {Mb(child.HeapAfterLastFullCollection)} after its last full collection, gen 0/1/2 collections {child.Collections}, peak working set {Mb(child.PeakWorkingSet)}")));
                Row(("  where the update's time went", child?.Phases ?? "-"));
                Row(("  its storage requests (with the hub's start-up)", child?.Requests ?? "-"));
            }
            else
            {
                var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                var heap = await HeapPeak.StartAsync();
                clock.Restart();
                await update.UpdateAsync();
                var took = clock.Elapsed.TotalMilliseconds;
                var peak = await heap.StopAsync();
                var run = update.LastRun!;
                Row((Invariant($"DAILY UPDATE: {run.Touched:N0} referrals read, {run.Changed:N0} changed (expected {expectedChanged:N0}), {run.Cells:N0} cells written"),
                    Invariant($"{Ms(took)}, {Mb(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore)} allocated, managed heap at most {Mb(peak)} above the harness's")));
                Row(("  where the update's time went", run.Phases));
                ok &= run.Changed == expectedChanged;
            }

            // (d) The truth, counted in memory, against the stored cells.
            var truth = history;
            foreach (var r in earlier.Referrals.Concat(day.Referrals))
            {
                truth.Add(ReferralJourney.From(r.ReferralId, r.PracticeOds, late.TryGetValue(r.ReferralId, out var e) ? [.. r.Events, e] : r.Events, r.Responses)!);
            }

            foreach (var (what, over) in new[] { ("running totals (every practice)", everywhere), (Invariant($"one scheme practice ({scheme[0]})"), [scheme[0]]) })
            {
                var same = Json(truth.Merge(over, null, null).Pruned()) == Json(await store.MergeAsync(over, null, null));
                Row((Invariant($"  stored cells equal the cells counted in memory: {what}"), same ? "yes" : "NO"));
                ok &= same;
            }

            // (e) Reports, as the MeasureReport trigger makes them once the caller is known.
            var reports = hub.Get<EvidenceReports>();
            var year = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
            var march = new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);
            foreach (var (label, over, from, to) in new[]
                     {
                         (Invariant($"practice-month ({scheme[7]}, 2025-03)"), (IReadOnlyList<string>)[scheme[7]], march, march.AddMonths(1)),
                         (Invariant($"scheme-year ({scheme.Count} practices, 2025)"), scheme, year, year.AddYears(1)),
                         // Sets of up to 64 practices are audited practice by practice: a PCN's few, and an area's many.
                         (Invariant($"PCN-year ({Pcn} practices of the scheme, 2025)"), scheme.Take(Pcn).ToList(), year, year.AddYears(1)),
                         (Invariant($"area-year ({Area} practices of the scheme, 2025)"), scheme.Take(Area).ToList(), year, year.AddYears(1)),
                         (Invariant($"hub-year (all {practices.Count:N0} practices, 2025: the national running totals)"), everywhere, year, year.AddYears(1)),
                     })
            {
                var caller = new Caller("national-day", "k1", over.ToHashSet(StringComparer.Ordinal));
                var query = new ReportQuery([], [], null, from, to);
                var months = ((to.Year - from.Year) * 12) + to.Month - from.Month;
                // The cells alone, read as the report reads them (a block's months together), with nothing kept from
                // before: the state saved again, as an update does, so the store keeps no cell it read.
                await store.SaveStateAsync((await store.StateAsync())!);
                clock.Restart();
                await Task.WhenAll(Enumerable.Range(0, months).Select(m => store.MergeAsync(over, from.AddMonths(m), from.AddMonths(m + 1))));
                var readAlone = clock.Elapsed.TotalMilliseconds;
                await store.SaveStateAsync((await store.StateAsync())!);
                var times = new List<double>();
                long allocated = 0;
                double first = 0;
                var reportHeap = await HeapPeak.StartAsync();
                var budget = Stopwatch.StartNew();
                for (var i = 0; i <= Requests && (i < 2 || budget.Elapsed < TimeSpan.FromSeconds(60)); i++)
                {
                    var bytes = GC.GetTotalAllocatedBytes(precise: true);
                    clock.Restart();
                    var answer = await reports.ForAsync(caller, query);
                    var report = EvidenceMeasureReport.From(answer.Report!, query, answer.SnapshotId!, caller.ClientId);
                    allocated = Math.Max(allocated, GC.GetTotalAllocatedBytes(precise: true) - bytes);
                    if (i == 0)
                    {
                        // The first after an update reads every cell from the table (and, for the first shape, loads the code).
                        first = clock.Elapsed.TotalMilliseconds;
                    }
                    else
                    {
                        times.Add(clock.Elapsed.TotalMilliseconds);
                    }

                    ok &= report is MeasureReport;
                }

                var reportPeak = await reportHeap.StopAsync();
                times.Sort();
                Row((Invariant($"report, {label}: first after an update; then p50 / p95 of {times.Count} (cells kept since that update)"),
                    Invariant($"{first:N0} ms; {Percentile(times, 0.5):N1} / {Percentile(times, 0.95):N1} ms; at most {Mb(allocated)} allocated per report, managed heap at most {Mb(reportPeak)} above the harness's")));
                Row((Invariant($"  its {months} months of cells alone, read from the table as the report reads them"), Ms(readAlone)));
            }

            // (f) The warm-up: the state moves (saved again, as an update saves it; the same cells), the questions asked
            // above are audited again at the new state, then another instance (its own cell store and kept reports)
            // answers them first: from what the warm-up kept, reading its cells.
            await store.SaveStateAsync((await store.StateAsync())!);
            clock.Restart();
            var warmed = await hub.Get<EvidenceWarmUp>().WarmAsync();
            Row((Invariant($"warm-up after the state moved: the questions asked above audited again"), Invariant($"{warmed} reports, {Ms(clock.Elapsed.TotalMilliseconds)}")));
            var otherCells = ActivatorUtilities.CreateInstance<EvidenceCellStore>(hub.Services);
            var otherReports = ActivatorUtilities.CreateInstance<EvidenceReports>(hub.Services, otherCells);
            foreach (var (label, over) in new[]
                     {
                         (Invariant($"scheme-year ({scheme.Count} practices)"), scheme),
                         (Invariant($"PCN-year ({Pcn} practices)"), scheme.Take(Pcn).ToList()),
                         (Invariant($"area-year ({Area} practices)"), scheme.Take(Area).ToList()),
                     })
            {
                var caller = new Caller("national-day", "k1", over.ToHashSet(StringComparer.Ordinal));
                var query = new ReportQuery([], [], null, year, year.AddYears(1));
                var bytes = GC.GetTotalAllocatedBytes(precise: true);
                var heap = await HeapPeak.StartAsync();
                clock.Restart();
                var answer = await otherReports.ForAsync(caller, query);
                var report = EvidenceMeasureReport.From(answer.Report!, query, answer.SnapshotId!, caller.ClientId);
                var took = clock.Elapsed.TotalMilliseconds;
                var peak = await heap.StopAsync();
                ok &= report is MeasureReport;
                Row((Invariant($"report, {label}, 2025, warmed: first on another instance after the state moved"),
                    Invariant($"{took:N0} ms; {Mb(GC.GetTotalAllocatedBytes(precise: true) - bytes)} allocated, managed heap at most {Mb(peak)} above the harness's")));
            }

            Row(("peak working set of the process (hub, harness, generator and the in-memory truth)", Mb(Process.GetCurrentProcess().PeakWorkingSet64)));
            Console.WriteLine(Invariant($"Evidence national day on Azurite: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {(ok ? "all answers as expected" : "SOME STEPS FAILED or answers wrong")}"));
            foreach (var (what, figure) in table)
            {
                Console.WriteLine($"| {what} | {figure} |");
            }

            return ok ? 0 : 1;
        }
        finally
        {
            await hub.DisposeAsync();
        }
    }

    /// <summary>The day's update in a child process (this program, <c>evidence-national-day-update</c>) over the run's
    /// tables, its managed heap limited; null when it did not complete.</summary>
    private static async Task<UpdateMeasured?> UpdateInProcessOfItsOwnAsync(string run, int heapLimitMb, int? updateBatch)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(EvidenceNationalDayRun).Assembly.Location);
        }

        start.ArgumentList.Add("evidence-national-day-update");
        start.ArgumentList.Add(run);
        start.Environment["DOTNET_GCHeapHardLimit"] = Invariant($"0x{heapLimitMb * 1024L * 1024:X}");
        start.Environment[Azurite.ExternalConnectionSetting] = (await Azurite.SharedAsync()).ConnectionString;
        if (updateBatch is { } referrals)
        {
            start.Environment[UpdateBatchSetting] = Invariant($"{referrals}");
        }

        using var child = Process.Start(start)!;
        var errors = child.StandardError.ReadToEndAsync();
        UpdateMeasured? measured = null;
        while (await child.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith(ChildResult, StringComparison.Ordinal))
            {
                measured = System.Text.Json.JsonSerializer.Deserialize<UpdateMeasured>(line[ChildResult.Length..]);
            }
            else
            {
                Console.WriteLine("  update process: " + line);
            }
        }

        await child.WaitForExitAsync();
        if (child.ExitCode != 0 && (await errors).Split('\n').FirstOrDefault(l => l.Contains("Exception", StringComparison.Ordinal)) is { } failure)
        {
            Console.WriteLine("  update process failed: " + failure);
        }

        return child.ExitCode == 0 ? measured : null;
    }

    private const string ChildResult = "UPDATE-MEASURED ";

    /// <summary>The child's side: the update over another process's tables, measured, its figures on one line.</summary>
    public static async Task<int> UpdateAsync(string run)
    {
        var hub = new NationalHub(run);
        await hub.InitializeAsync();
        try
        {
            var update = hub.Get<EvidenceUpdate>();
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var heap = await HeapPeak.StartAsync();
            var clock = Stopwatch.StartNew();
            await update.UpdateAsync();
            var took = clock.Elapsed.TotalMilliseconds;
            var peak = await heap.StopAsync();
            var run1 = update.LastRun!;
            var full = GC.GetGCMemoryInfo(GCKind.FullBlocking);
            var measured = new UpdateMeasured(run1.Touched, run1.Changed, run1.Cells, took, run1.Phases, GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore, peak,
                full.Index == 0 ? 0 : full.HeapSizeBytes, Invariant($"{GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}"), Process.GetCurrentProcess().PeakWorkingSet64)
            {
                Requests = hub.Requests.Summary(),
            };
            Console.WriteLine(ChildResult + System.Text.Json.JsonSerializer.Serialize(measured));
            return 0;
        }
        finally
        {
            await hub.DisposeAsync();
        }
    }

    private sealed record UpdateMeasured(int Touched, int Changed, int Cells, double Milliseconds, string Phases, long Allocated, long HeapPeak, long HeapAfterLastFullCollection,
        string Collections, long PeakWorkingSet)
    {
        /// <summary>Its storage requests (hub start-up's included), by table and kind.</summary>
        public string Requests { get; init; } = string.Empty;
    }

    /// <summary>Moves the changes index's rows of the hours since <paramref name="since"/> to the same hours a day
    /// before (their <c>At</c> too), so no update after the one that read them reads them again.</summary>
    private static async Task<int> AgeNotesAsync(HubTables tables, DateTimeOffset since)
    {
        var table = await tables.GetAsync(ReferralChanges.Table);
        var moved = 0;
        for (var hour = since.AddHours(-1); hour <= ReferralChanges.Now(); hour = hour.AddHours(1))
        {
            var rows = new List<TableEntity>();
            await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {ReferralChanges.Bucket(hour)}")))
            {
                rows.Add(row);
            }

            var back = ReferralChanges.Bucket(hour.AddDays(-1));
            await table.SubmitByPartitionAsync(rows.Select(r =>
            {
                var copy = EntityRewrite.CopyOf(r);
                copy.PartitionKey = back;
                copy["At"] = (r.GetDateTimeOffset("At") ?? hour).AddDays(-1);
                return new TableTransactionAction(TableTransactionActionType.UpsertReplace, copy);
            }), parallelism: 8);
            await table.SubmitByPartitionAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)), parallelism: 8);
            moved += rows.Count;
        }

        return moved;
    }

    /// <summary>As the audit trail's append does, after each entry: its note, with the entry, in the changes index.</summary>
    private static Task NoteEntriesAsync(ReferralChanges changes, EvidencePopulation population) =>
        changes.NoteAsync(population.Referrals.SelectMany(r => r.Events.Select((e, i) => new ReferralNote(r.ReferralId, r.PracticeOds, e, Invariant($"{e.At.UtcTicks:D19}-{i:D3}")))).ToList());

    /// <summary>The most the managed heap held above what it held (after a full collection) when sampling began: what
    /// the measured step itself kept, beside the harness's own data (the generator's truth, the population).</summary>
    private sealed class HeapPeak
    {
        private volatile bool _stopped;
        private long _baseline;
        private long _peak;
        private Task? _sampler;

        public static Task<HeapPeak> StartAsync()
        {
            var peak = new HeapPeak();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            peak._baseline = GC.GetTotalMemory(forceFullCollection: false);
            peak._sampler = Task.Run(async () =>
            {
                while (!peak._stopped)
                {
                    peak._peak = Math.Max(peak._peak, GC.GetTotalMemory(forceFullCollection: false) - peak._baseline);
                    await Task.Delay(20);
                }
            });
            return Task.FromResult(peak);
        }

        public async Task<long> StopAsync()
        {
            _peak = Math.Max(_peak, GC.GetTotalMemory(forceFullCollection: false) - _baseline);
            _stopped = true;
            await _sampler!;
            return _peak;
        }
    }

    private static string Json(EvidenceCell cell) => Canonical(System.Text.Json.JsonSerializer.SerializeToNode(cell)!).ToJsonString();

    private static System.Text.Json.Nodes.JsonNode Canonical(System.Text.Json.Nodes.JsonNode node) => node switch
    {
        System.Text.Json.Nodes.JsonObject o => new System.Text.Json.Nodes.JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : Canonical(p.Value.DeepClone())))),
        _ => node.DeepClone(),
    };

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static string Ms(double milliseconds) => Invariant($"{milliseconds:N0} ms");

    private static string Mb(long bytes) => Invariant($"{bytes / (1024.0 * 1024):N0} MB");

    private sealed class NationalHub : TestHub
    {
        public NationalHub()
        {
        }

        public NationalHub(string run)
            : base(run)
        {
        }

        /// <summary>The storage requests this hub makes (the child's: its update's).</summary>
        public RequestCensus Requests { get; } = new();

        protected override void Setup(HubSetup hub)
        {
            hub.AddServices(s => s.Configure<TableClientOptions>("Default", o => o.AddPolicy(Requests, HttpPipelinePosition.PerRetry)))
                .Set("Reporting:GpAppointmentCost", "40")
                .Set("Reporting:AeAttendanceCost", "200")
                .Set("Reporting:ProgrammeCostPerReferral", "300")
                // Each step is written moments before the next update: a live hub re-reads 10 minutes of a 24-hour day.
                .Set("Reporting:UpdateOverlap", "00:00:01");
            if (Environment.GetEnvironmentVariable(UpdateBatchSetting) is { Length: > 0 } batch)
            {
                hub.Set("Reporting:UpdateBatchReferrals", batch);
            }
        }
    }

    /// <summary>The child's <c>Reporting:UpdateBatchReferrals</c>, when the run gives one (the hub's default otherwise).</summary>
    private const string UpdateBatchSetting = "HUB_BENCHMARK_UPDATE_BATCH";
}

using System.Diagnostics;
using Azure.Data.Tables;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Evidence;
using Hub.FollowUp;
using Hub.Platform.Storage;
using Hub.Referrals;
using Hub.Tests.Evidence;
using Hub.Tests.Infrastructure;
using static System.FormattableString;

namespace Hub.Benchmarks;

/// <summary>The stored evidence cells against Azurite, in process: a generated population written through the hub's
/// own tables, the rebuild from the audit trail, then one day's events (new referrals and later events on earlier ones)
/// and the incremental update, then <c>GET /api/fhir/MeasureReport</c> through the real trigger for one practice-month,
/// one scheme-year and the whole hub-year (p50 and p95), each with what it allocated; the process's peak working set.
/// Every figure printed is measured in this run; the hub-year's figures are checked against the rows counted in memory.</summary>
public static class EvidenceLoadRun
{
    private const int Requests = 40;

    public static async Task<int> RunAsync(int referrals, int practiceCount, int dayReferrals)
    {
        var hub = new CostedHub();
        await hub.InitializeAsync();
        var table = new List<(string What, string Figure)>();
        var ok = true;
        void Row((string What, string Figure) row)
        {
            table.Add(row);
            Console.WriteLine(Invariant($"[{DateTimeOffset.UtcNow:HH:mm:ss}] {row.What}: {row.Figure}"));
        }

        Console.WriteLine(Invariant($"[{DateTimeOffset.UtcNow:HH:mm:ss}] hub started; generating {referrals:N0} referrals"));
        try
        {
            var practices = Enumerable.Range(0, practiceCount).Select(i => Invariant($"P{20000 + i}")).ToList();
            var providers = Enumerable.Range(0, Math.Max(3, practiceCount / 4)).Select(i => Invariant($"prov-{i:D4}")).ToList();
            var tables = hub.Get<HubTables>();
            var key = await hub.KeyForAsync("evidence-load", [.. practices]);
            var schemePractices = practices.Take(Math.Max(1, practiceCount / 10)).ToList();
            await hub.Get<Schemes>().SaveAsync("load-scheme", "Load scheme", schemePractices);
            var keys = hub.Get<ApiKeys>();
            await keys.SaveClientAsync("load-lead", "Load scheme lead", [], ["load-scheme"]);
            var schemeKey = (await keys.IssueAsync("load-lead"))!.ApiKey;

            // (a) The population, through the same tables the hub writes.
            var population = new EvidencePopulation(2026, referrals, practices, providers: providers);
            var clock = Stopwatch.StartNew();
            await population.WriteAsync(tables);
            Row((Invariant($"write population: {referrals:N0} referrals at {practiceCount} practices, {providers.Count} providers ({population.Referrals.Sum(r => r.Events.Count):N0} audit events)"),
                Ms(clock.Elapsed.TotalMilliseconds)));

            var update = hub.Get<EvidenceUpdate>();
            clock.Restart();
            var rebuilt = await update.RebuildAsync();
            Row((Invariant($"rebuild from the audit trail ({update.LastRun!.Cells:N0} cells)"), Ms(clock.Elapsed.TotalMilliseconds)));
            Row(("  peak working set so far", Mb(Process.GetCurrentProcess().PeakWorkingSet64)));
            ok &= rebuilt.Referrals == referrals;

            // (b) One day's events: that day's new referrals, and a later event on as many earlier ones (a withdrawal).
            var day = new EvidencePopulation(9_000 + referrals, dayReferrals, practices, providers: providers);
            var audit = await tables.GetAsync(AuditTrail.Table);
            var touched = population.Referrals.Where(r => r.Events.Any(e => e.Event == "accepted")).Take(dayReferrals).ToList();
            await day.WriteAsync(tables);
            // As the audit trail's append does: the event, then its note (with the entry) in the changes index.
            var notes = new System.Collections.Concurrent.ConcurrentBag<ReferralNote>();
            await Parallel.ForEachAsync(touched, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (r, ct) =>
            {
                var at = r.Events.Max(e => e.At).AddMinutes(5);
                var entry = new AuditEntry(r.ReferralId, "withdrawn", "hub", at, "day");
                var rowKey = Invariant($"{at.UtcTicks:D19}-day");
                await audit.AddEntityAsync(AuditTrail.EntityOf(entry, rowKey), ct);
                notes.Add(new ReferralNote(r.ReferralId, Entry: entry, EntryKey: rowKey));
            });
            await hub.Get<ReferralChanges>().NoteAsync(notes.ToList());
            var before = GC.GetTotalAllocatedBytes(precise: true);
            clock.Restart();
            var updated = await update.UpdateAsync();
            var updateMs = clock.Elapsed.TotalMilliseconds;
            var run = update.LastRun!;
            Row((Invariant($"daily update: {dayReferrals:N0} new referrals + {touched.Count:N0} later events ({run.Touched:N0} referrals read, {run.Changed:N0} changed, {run.Cells:N0} cells)"),
                Invariant($"{Ms(updateMs)}, {Mb(GC.GetTotalAllocatedBytes(precise: true) - before)} allocated")));
            Row(("  where the update's time went", run.Phases));
            ok &= updated.Referrals == referrals + dayReferrals;

            // The truth: every row counted in memory, against what the stored cells give for the whole hub.
            var truthRows = population.Referrals.Concat(day.Referrals).Select(r => ReferralJourney.From(r.ReferralId, r.PracticeOds,
                touched.Contains(r) ? [.. r.Events, new AuditEntry(r.ReferralId, "withdrawn", "hub", r.Events.Max(e => e.At).AddMinutes(5), "day")] : r.Events, r.Responses)!).ToList();
            var truth = EvidenceCells.Of(truthRows, hub.Get<QuestionnaireLibrary>().Measures).Merge(practices, null, null);
            var stored = await hub.Get<EvidenceCellStore>().MergeAsync(practices, null, null);
            var same = Canonical(System.Text.Json.JsonSerializer.SerializeToNode(truth.Pruned())!).ToJsonString() == Canonical(System.Text.Json.JsonSerializer.SerializeToNode(stored)!).ToJsonString();
            Row(("  stored cells equal the rows counted in memory (whole hub)", same ? "yes" : "NO"));
            ok &= same;

            // (c) Reports through the trigger.
            var practice = practices[0];
            var queries = new (string Label, string Key, string Query)[]
            {
                (Invariant($"practice-month ({practice}, 2026-03)"), key, Invariant($"?subject=Organization/{practice}&period=2026-03")),
                (Invariant($"scheme-year ({schemePractices.Count} practices, 2026)"), schemeKey, "?subject=Group/load-scheme&period=2026"),
                (Invariant($"hub-year (all {practiceCount} practices, 2026)"), key, "?period=2026"),
            };
            var trigger = hub.Function<MeasureReportHttp>();
            foreach (var (label, callerKey, query) in queries)
            {
                var times = new List<double>();
                long allocated = 0;
                for (var i = 0; i < Requests; i++)
                {
                    var request = HttpCall.Request("GET", "/api/fhir/MeasureReport", apiKey: callerKey, query: query);
                    var bytes = GC.GetTotalAllocatedBytes(precise: true);
                    clock.Restart();
                    var answer = await TestHub.CallAsync(request, trigger.Search);
                    times.Add(clock.Elapsed.TotalMilliseconds);
                    allocated = Math.Max(allocated, GC.GetTotalAllocatedBytes(precise: true) - bytes);
                    ok &= answer.Status == 200 && answer.As<Bundle>().Entry[0].Resource is MeasureReport;
                }

                times.Sort();
                Row((Invariant($"GET MeasureReport, {label}: p50 / p95 of {Requests} (first request {times.Max():N0} ms max)"),
                    Invariant($"{Percentile(times, 0.5):N1} / {Percentile(times, 0.95):N1} ms, at most {Mb(allocated)} allocated per request")));
            }

            Row(("peak working set of the process (hub, harness and population in memory)", Mb(Process.GetCurrentProcess().PeakWorkingSet64)));
            Print(table, ok);
            return ok ? 0 : 1;
        }
        finally
        {
            await hub.DisposeAsync();
        }
    }

    /// <summary>The JSON with every object's members in order: histograms filled in another order are the same.</summary>
    private static System.Text.Json.Nodes.JsonNode Canonical(System.Text.Json.Nodes.JsonNode node) => node switch
    {
        System.Text.Json.Nodes.JsonObject o => new System.Text.Json.Nodes.JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : Canonical(p.Value.DeepClone())))),
        _ => node.DeepClone(),
    };

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static void Print(List<(string What, string Figure)> table, bool ok)
    {
        Console.WriteLine(Invariant($"Evidence load run (stored cells on Azurite): {Environment.ProcessorCount} cores, .NET {Environment.Version}, {(ok ? "all answers as expected" : "SOME STEPS FAILED or answers wrong")}"));
        var width = table.Max(r => r.What.Length);
        foreach (var (what, figure) in table)
        {
            Console.WriteLine($"  {what.PadRight(width)}  {figure}");
        }
    }

    private static string Ms(double milliseconds) => Invariant($"{milliseconds:N0} ms");

    private static string Mb(long bytes) => Invariant($"{bytes / (1024.0 * 1024):N0} MB");

    /// <summary>The hub with the three costs set, so the cost offset is computed as in a configured deployment.</summary>
    private sealed class CostedHub : TestHub
    {
        protected override void Setup(HubSetup hub) =>
            hub.Set("Reporting:GpAppointmentCost", "40")
                .Set("Reporting:AeAttendanceCost", "200")
                .Set("Reporting:ProgrammeCostPerReferral", "300")
                // The population is written moments before the day's events; a day's update on a live hub re-reads
                // 10 minutes of a 24-hour day, here it would re-read the whole population.
                .Set("Reporting:UpdateOverlap", "00:00:01");
    }
}

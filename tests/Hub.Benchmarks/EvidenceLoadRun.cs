using System.Diagnostics;
using Azure;
using Azure.Data.Tables;
using Hl7.Fhir.Model;
using Hub.Evidence;
using Hub.FollowUp;
using Hub.Platform.Storage;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Hub.Tests.Evidence;
using Microsoft.Extensions.DependencyInjection;
using static System.FormattableString;

namespace Hub.Benchmarks;

/// <summary>Evidence reports against Azurite, in process: saving a large snapshot, <c>GET /api/fhir/MeasureReport</c>
/// through the real trigger on a cold store (snapshot read and unpacked) and warm (in memory), and the nightly snapshot
/// taken from the source tables. Loopback only; every figure printed is measured in this run.</summary>
public static class EvidenceLoadRun
{
    private const int WarmRequests = 20;
    private const string Period = "2026-03";

    public static async Task<int> RunAsync(int snapshotRows, int sourceReferrals)
    {
        var hub = new CostedHub();
        await hub.InitializeAsync();
        var owned = new List<IDisposable>();
        var table = new List<(string What, string Figure)>();
        var ok = true;
        try
        {
            var key = await hub.KeyForAsync("evidence-load", [.. EvidencePopulation.Practices]);
            var tables = hub.Get<HubTables>();

            // (a) Saving the snapshot. A small save first creates the table and loads the code, as on a running instance.
            var rows = new EvidencePopulation(2026, snapshotRows).Rows();
            var store = hub.Get<EvidenceSnapshotStore>();
            await store.SaveAsync(rows.Take(100).ToList(), DateTimeOffset.UtcNow.AddMinutes(-1));
            var clock = Stopwatch.StartNew();
            EvidenceSnapshot saved;
            try
            {
                saved = await store.SaveAsync(rows, DateTimeOffset.UtcNow);
            }
            catch (RequestFailedException ex)
            {
                // Nothing after this has a snapshot of the size asked for: say why and stop.
                table.Add((Invariant($"save snapshot, {rows.Count:N0} rows"), Invariant($"FAILED: {ex.Status} {ex.ErrorCode}")));
                Print(table, ok: false);
                return 1;
            }

            var saveMs = clock.Elapsed.TotalMilliseconds;
            var (entities, packedBytes) = await StoredAsync(await tables.GetAsync(EvidenceSnapshotStore.Table), saved.Id);
            table.Add((Invariant($"save snapshot, {rows.Count:N0} rows (Pack + {entities} upserts + pointer)"), Ms(saveMs)));
            table.Add(("  packed size", Invariant($"{packedBytes:N0} bytes in {entities} entities (+1 pointer)")));

            // (b) The report through the trigger. The first request of the process also pays for loading the code.
            var warmApp = hub.Function<MeasureReportHttp>();
            var (processFirstMs, processFirst, processFailure) = await ColdRequestAsync(ColdTrigger(hub, owned), key, null);
            ok &= processFailure is null && Check(processFirst!, rows.Count);
            table.Add(("GET MeasureReport, all: first request of the process (cold store, cold code)",
                processFailure is null ? Ms(processFirstMs) : "FAILED: " + processFailure));

            var practice = EvidencePopulation.Practices[0];
            var from = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
            var queries = new (string Label, string? Query, int Expected)[]
            {
                ("all referrals", null, rows.Count),
                (Invariant($"{practice}, period={Period}"), Invariant($"?subject=Organization/{practice}&period={Period}"),
                    rows.Count(r => r.PracticeOds == practice && r.ReferredAt >= from && r.ReferredAt < from.AddMonths(1))),
            };
            foreach (var (label, query, expected) in queries)
            {
                // A new store behind a new trigger: what a newly started instance has, with the code already loaded.
                var trigger = ColdTrigger(hub, owned);
                var (coldMs, cold, failure) = await ColdRequestAsync(trigger, key, query);
                var coldLabel = Invariant($"GET MeasureReport, {label} ({expected:N0} referrals): cold store, first request");
                if (failure is null)
                {
                    ok &= Check(cold!, expected);
                    table.Add((coldLabel, Ms(coldMs)));
                }
                else
                {
                    // Warm figures still say what a loaded snapshot costs: the app's own store holds the one it saved.
                    ok = false;
                    table.Add((coldLabel, "FAILED: " + failure));
                    trigger = warmApp;
                }

                var warm = new List<double>();
                HttpAnswer? last = null;
                for (var i = 0; i < WarmRequests; i++)
                {
                    (var ms, last) = await RequestAsync(trigger, key, query);
                    ok &= last.Status == 200;
                    warm.Add(ms);
                }

                ok &= Check(last!, expected);
                warm.Sort();
                table.Add((Invariant($"GET MeasureReport, {label}: warm{(failure is null ? string.Empty : " (the app's store, filled by the save)")}, median of {WarmRequests} (min–max)"),
                    Invariant($"{Ms((warm[(WarmRequests / 2) - 1] + warm[WarmRequests / 2]) / 2)} ({warm[0]:F0}–{warm[^1]:F0} ms)")));
                table.Add(("  response body", Invariant($"{last!.Body.Length:N0} characters")));
            }

            // Where a cold request's time goes: the snapshot read and unpacked by a fresh store, alone.
            using (var fresh = new EvidenceSnapshotStore(tables))
            {
                clock.Restart();
                try
                {
                    var loaded = await fresh.LatestAsync();
                    table.Add((Invariant($"snapshot load alone (fresh store: pointer + {entities} entities + Unpack, {loaded!.Rows.Count:N0} rows)"), Ms(clock.Elapsed.TotalMilliseconds)));
                }
                catch (InvalidOperationException ex)
                {
                    table.Add(("snapshot load alone (fresh store LatestAsync)", "FAILED: " + ex.Message));
                }
            }

            // The same bytes read and unpacked by the harness itself: the table read and the Unpack, timed apart.
            clock.Restart();
            using var pieces = await PiecesAsync(await tables.GetAsync(EvidenceSnapshotStore.Table), saved.Id);
            var readMs = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            var unpacked = EvidenceSnapshotStore.Unpack(pieces);
            table.Add((Invariant($"  read the {entities} snapshot entities (harness's own query)"), Ms(readMs)));
            table.Add((Invariant($"  Unpack {unpacked.Count:N0} rows"), Ms(clock.Elapsed.TotalMilliseconds)));

            // (c) The nightly job from the source tables, at the size given (not extrapolated).
            var population = new EvidencePopulation(2026, sourceReferrals);
            var events = population.Referrals.Sum(r => r.Events.Count);
            var responses = population.Referrals.Sum(r => r.Responses.Count);
            clock.Restart();
            await population.WriteAsync(tables);
            table.Add((Invariant($"write source data, {sourceReferrals:N0} referrals ({events:N0} audit events, {responses:N0} survey responses)"),
                Ms(clock.Elapsed.TotalMilliseconds)));

            clock.Restart();
            var takeLabel = Invariant($"EvidenceSnapshots.TakeAsync at {sourceReferrals:N0} referrals (3 scans + journeys + save)");
            try
            {
                var taken = await hub.Get<EvidenceSnapshots>().TakeAsync();
                table.Add((takeLabel, Ms(clock.Elapsed.TotalMilliseconds)));
                ok &= taken.Rows.Count == sourceReferrals;
            }
            catch (RequestFailedException ex)
            {
                ok = false;
                table.Add((takeLabel, Invariant($"FAILED: {ex.Status} {ex.ErrorCode}")));
            }

            // The same scans on their own, after the job: which table dominates.
            table.Add(await ScanAsync("  scan Referrals (keys)", hub.Get<ReferralStore>().AllKeysAsync()));
            table.Add(await ScanAsync("  scan Audit (journey events)", hub.Get<AuditTrail>().ScanAsync(ReferralJourney.Events)));
            table.Add(await ScanAsync("  scan SurveyResponses", hub.Get<FollowUpStore>().AllResponsesAsync()));

            Print(table, ok);
            return ok ? 0 : 1;
        }
        finally
        {
            foreach (var disposable in owned)
            {
                disposable.Dispose();
            }

            await hub.DisposeAsync();
        }
    }

    private static void Print(List<(string What, string Figure)> table, bool ok)
    {
        Console.WriteLine(Invariant($"Evidence load run: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {(ok ? "all answers as expected" : "SOME STEPS FAILED or answers wrong")}"));
        var width = table.Max(r => r.What.Length);
        foreach (var (what, figure) in table)
        {
            Console.WriteLine($"  {what.PadRight(width)}  {figure}");
        }
    }

    /// <summary>The trigger over a store of its own, so the first request reads the snapshot from the table; the rest
    /// of the hub (keys, schemes, serializer) is the app's own.</summary>
    private static MeasureReportHttp ColdTrigger(TestHub hub, List<IDisposable> owned)
    {
        var store = new EvidenceSnapshotStore(hub.Get<HubTables>());
        var snapshots = ActivatorUtilities.CreateInstance<EvidenceSnapshots>(hub.Services, store);
        owned.Add(store);
        owned.Add(snapshots);
        var reports = ActivatorUtilities.CreateInstance<EvidenceReports>(hub.Services, snapshots);
        return ActivatorUtilities.CreateInstance<MeasureReportHttp>(hub.Services, reports);
    }

    private static async Task<(double Ms, HttpAnswer Answer)> RequestAsync(MeasureReportHttp trigger, string key, string? query)
    {
        var request = HttpCall.Request("GET", "/api/fhir/MeasureReport", apiKey: key, query: query);
        var clock = Stopwatch.StartNew();
        var answer = await TestHub.CallAsync(request, trigger.Search);
        return (clock.Elapsed.TotalMilliseconds, answer);
    }

    /// <summary>A 200 whose MeasureReport counts the referrals expected as referred.</summary>
    private static bool Check(HttpAnswer answer, int expected)
    {
        if (answer.Status != 200)
        {
            Console.WriteLine("Unexpected answer: " + answer);
            return false;
        }

        var report = (MeasureReport)answer.As<Bundle>().Entry[0].Resource;
        var referred = report.Group.Single(g => g.Code.Coding[0].Code == "funnel-referred").Population[0].Count;
        if (referred != expected)
        {
            Console.WriteLine(Invariant($"Expected {expected} referred, the report says {referred}"));
        }

        return referred == expected;
    }

    private static async Task<(double Ms, HttpAnswer? Answer, string? Failure)> ColdRequestAsync(MeasureReportHttp trigger, string key, string? query)
    {
        try
        {
            var (ms, answer) = await RequestAsync(trigger, key, query);
            return (ms, answer, null);
        }
        catch (InvalidOperationException ex)
        {
            // Reported, not thrown: the rest of the run still measures what it can.
            return (0, null, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>The snapshot's bytes in order: the binary pieces Piece00…Piece10 of each chunk entity.</summary>
    private static async Task<MemoryStream> PiecesAsync(TableClient snapshots, string id)
    {
        var packed = new MemoryStream();
        await foreach (var entity in snapshots.QueryAsync<TableEntity>(e => e.PartitionKey == id))
        {
            foreach (var piece in entity.Keys.Where(IsPiece).Order(StringComparer.Ordinal))
            {
                packed.Write(entity.GetBinary(piece));
            }
        }

        packed.Position = 0;
        return packed;
    }

    private static bool IsPiece(string property) => property.Length == 7 && property.StartsWith("Piece", StringComparison.Ordinal) && char.IsAsciiDigit(property[5]) && char.IsAsciiDigit(property[6]);

    private static async Task<(int Entities, long Bytes)> StoredAsync(TableClient snapshots, string id)
    {
        var (entities, bytes) = (0, 0L);
        await foreach (var entity in snapshots.QueryAsync<TableEntity>(e => e.PartitionKey == id))
        {
            entities++;
            bytes += entity.Keys.Where(IsPiece).Sum(k => (long)entity.GetBinary(k).Length);
        }

        return (entities, bytes);
    }

    private static async Task<(string What, string Figure)> ScanAsync<T>(string what, IAsyncEnumerable<T> scan)
    {
        var clock = Stopwatch.StartNew();
        var n = 0;
        await foreach (var _ in scan)
        {
            n++;
        }

        return (Invariant($"{what}: {n:N0} rows"), Ms(clock.Elapsed.TotalMilliseconds));
    }

    private static string Ms(double milliseconds) => Invariant($"{milliseconds:N0} ms");

    /// <summary>The hub with the three costs set, so the cost offset is computed as in a configured deployment.</summary>
    private sealed class CostedHub : TestHub
    {
        protected override void Setup(HubSetup hub) =>
            hub.Set("Reporting:GpAppointmentCost", "40")
                .Set("Reporting:AeAttendanceCost", "200")
                .Set("Reporting:ProgrammeCostPerReferral", "300");
    }
}

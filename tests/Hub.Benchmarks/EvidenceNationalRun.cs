using System.Diagnostics;
using Hub.Evidence;
using Hub.FollowUp;
using static System.FormattableString;

namespace Hub.Benchmarks;

/// <summary>Evidence at national scale, in memory: a generated England-sized population (6,300 practices in schemes
/// of 150, 30 providers per scheme, referrals spread evenly over the year) counted into mergeable cells one referral at
/// a time (no list of rows is ever held), then one day's events applied (that day's new referrals added, and referrals
/// whose journey moved on that day taken out as they were and put back as they are), then reports merged from cells
/// for one practice-month, one scheme-year and the whole hub-year, each with its MeasureReport. Every figure printed is
/// measured in this run. Storage is not in it: the cells live in this process, not in Table storage.</summary>
public static class EvidenceNationalRun
{
    internal const int Practices = 6_300;
    internal const int SchemeSize = 150;
    private const int ProvidersPerScheme = 30;
    private const int Repeats = 40;

    public static async Task<int> RunAsync(int referralsPerYear, int years)
    {
        var measures = MeasureCatalogue.Shipped;
        var costs = new ReportingOptions { GpAppointmentCost = 40m, AeAttendanceCost = 200m, ProgrammeCostPerReferral = 300m };
        var start = new DateTimeOffset(2026 - years, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var days = 365 * years;
        var table = new List<(string What, string Figure)>();
        var process = Process.GetCurrentProcess();
        var before = GC.GetTotalMemory(forceFullCollection: true);

        // (a) Counting every referral into cells, as a rebuild from the audit trail would after reading each journey.
        var cells = new EvidenceCells(measures);
        var generator = new NationalPopulation(seed: 17, start, days);
        var total = referralsPerYear * years;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            cells.Add(generator.Row(i, total));
        }

        var buildSeconds = clock.Elapsed.TotalSeconds;
        var held = GC.GetTotalMemory(forceFullCollection: true) - before;
        table.Add((Invariant($"count {total:N0} referrals ({years} year(s)) into cells"), Invariant($"{buildSeconds:0.0} s ({total / buildSeconds:N0} referrals/s)")));
        table.Add(("  cells", Invariant($"{cells.Count:N0} (practice × month × view), {held / 1048576.0:N0} MB held")));

        // (b) One day's events: the day's new referrals arrive, and as many earlier referrals again move on (accepted,
        // surveyed, answered, withdrawn): each is taken out of its cells as it was and put back as it now is.
        var perDay = referralsPerYear / 365;
        var lastDay = start.AddDays(days - 1);
        var moved = Enumerable.Range(0, perDay * 6).Select(k => generator.Row((int)((long)k * total / (perDay * 6)), total)).ToList();
        var movedOn = moved.Select(NationalPopulation.MovedOn).ToList();
        var arrivals = Enumerable.Range(0, perDay).Select(k => generator.RowOn(total + k, lastDay)).ToList();
        clock.Restart();
        for (var k = 0; k < moved.Count; k++)
        {
            cells.Add(moved[k], -1);
            cells.Add(movedOn[k]);
        }

        foreach (var row in arrivals)
        {
            cells.Add(row);
        }

        var dayMs = clock.Elapsed.TotalMilliseconds;
        table.Add((Invariant($"one day: {arrivals.Count:N0} new referrals + {moved.Count:N0} journeys moved on"), Invariant($"{dayMs:N0} ms (cell arithmetic only)")));

        // (c) Reports: the merge of the cells a report covers, the report, and its MeasureReport.
        var scheme = Enumerable.Range(0, SchemeSize).Select(NationalPopulation.Practice).ToList();
        var everyone = Enumerable.Range(0, Practices).Select(NationalPopulation.Practice).ToList();
        var lastYear = new DateTimeOffset(lastDay.Year, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var month = new DateTimeOffset(lastDay.Year, 3, 1, 0, 0, 0, TimeSpan.Zero);
        foreach (var (what, practices, from, to) in new[]
                 {
                     ("report: one practice-month", (IReadOnlyList<string>)[NationalPopulation.Practice(7)], month, month.AddMonths(1)),
                     ("report: one scheme-year (150 practices)", scheme, lastYear, lastYear.AddYears(1)),
                     ("report: the whole hub-year (6,300 practices)", everyone, lastYear, lastYear.AddYears(1)),
                 })
        {
            var repeats = practices.Count > 1_000 ? Repeats / 4 : Repeats;
            var scope = new ReportScope(from, to, [], DateTimeOffset.UtcNow);
            table.Add((what + ", merged alone", await TimedAsync(repeats, () => Task.FromResult(EvidenceReport.FromCell(cells.Merge(practices, from, to), scope, costs, measures)))));
            // The same report as the hub serves it: protected against the reports inside it (the disclosure lattice).
            table.Add((what + ", protected as served", await TimedAsync((repeats / 4) + 1, () =>
                EvidenceReport.ForAsync(practices, (p, f, t, v) => Task.FromResult(cells.Merge(p, f, t, v)), CellKey.Everyone, from, to, scope, costs, measures))));
        }

        process.Refresh();
        table.Add(("peak working set of the process", Invariant($"{process.PeakWorkingSet64 / 1048576.0:N0} MB")));
        Console.WriteLine(Invariant($"Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}"));
        foreach (var (what, figure) in table)
        {
            Console.WriteLine($"| {what} | {figure} |");
        }

        return 0;
    }

    /// <summary>A report made and mapped to its MeasureReport this many times after a first run that loads the code:
    /// p50, p95 and the most one run allocated.</summary>
    private static async Task<string> TimedAsync(int repeats, Func<Task<EvidenceReport>> report)
    {
        var times = new List<double>();
        long allocated = 0;
        for (var r = 0; r <= repeats; r++)
        {
            var bytes = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            _ = EvidenceMeasureReport.From(await report(), ReportQuery.Everything, "bench", "bench");
            if (r > 0)
            {
                times.Add(clock.Elapsed.TotalMilliseconds);
                allocated = Math.Max(allocated, GC.GetAllocatedBytesForCurrentThread() - bytes);
            }
        }

        times.Sort();
        return Invariant($"p50 {Percentile(times, 0.5):0.0} ms, p95 {Percentile(times, 0.95):0.0} ms, {allocated / 1048576.0:0.0} MB allocated per report ({times.Count} runs)");
    }

    internal static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    /// <summary>Referrals as the evidence sees them, made one at a time from the referral's number: the same number
    /// gives the same referral, so a day's "moved on" rows are the rows counted before.</summary>
    internal sealed class NationalPopulation(int seed, DateTimeOffset start, int days)
    {
        public static string Practice(int index) => Invariant($"N{index:D5}");

        public EvidenceRow Row(int index, int total) =>
            Make(index, start.AddDays((double)index * days / total));

        public EvidenceRow RowOn(int index, DateTimeOffset day) => Make(index, day);

        /// <summary>The same referral a step further on: accepted and answered if it was waiting, withdrawn otherwise.</summary>
        public static EvidenceRow MovedOn(EvidenceRow row) => row.Chase == ChaseResult.InProgress || row.FollowUpResult is FollowUpResult.Waiting or FollowUpResult.SurveyOpen
            ? row with { FollowUpResult = FollowUpResult.Answered, FollowUpSent = true, Attended = true, FollowUp = row.Baseline.ToDictionary(e => e.Key, e => Math.Min(10, e.Value + 1)) }
            : row with { FollowUpResult = row.Chase == ChaseResult.Accepted ? FollowUpResult.Withdrawn : row.FollowUpResult };

        private EvidenceRow Make(int index, DateTimeOffset referredAt)
        {
            var random = new Random(Mix(seed, index));   // the same referral in every run, independent of its neighbours
            var practiceIndex = random.Next(Practices);
            var schemeIndex = practiceIndex / SchemeSize;
            string Provider() => Invariant($"prov-{schemeIndex:D3}-{random.Next(ProvidersPerScheme):D2}");
            referredAt = referredAt.AddMinutes(random.Next(600));
            var roll = random.NextDouble();
            var first = Provider();
            if (roll < 0.05)
            {
                return Row(index, practiceIndex, referredAt, [], ChaseResult.NoProvider);
            }

            if (roll < 0.20)
            {
                var second = Provider();
                return Row(index, practiceIndex, referredAt,
                    [new(first, referredAt, OfferAnswer.Declined, referredAt.AddDays(1), "no-capacity"), new(second, referredAt.AddDays(1), OfferAnswer.Declined, referredAt.AddDays(2), "not-suitable")],
                    ChaseResult.AllDeclined);
            }

            var acceptedAt = referredAt.AddDays(1 + (random.NextDouble() * 9));
            var offer = new ProviderOffer(first, referredAt, OfferAnswer.Accepted, acceptedAt, null);
            var baseline = Scores(random, 0);
            var path = random.NextDouble();
            if (path < 0.1)
            {
                return Row(index, practiceIndex, referredAt, [offer], ChaseResult.Accepted, FollowUpResult.Waiting, false, null, baseline, EvidenceRow.Empty);
            }

            if (path < 0.35)
            {
                return Row(index, practiceIndex, referredAt, [offer], ChaseResult.Accepted, FollowUpResult.NoResponse, true, null, baseline, EvidenceRow.Empty);
            }

            var tookPart = random.NextDouble() >= 0.15;
            return Row(index, practiceIndex, referredAt, [offer], ChaseResult.Accepted, FollowUpResult.Answered, true, tookPart, baseline, Scores(random, tookPart ? 1 : 0, baseline));
        }

        /// <summary>SplitMix64 of the seed and the number: nearby numbers get unrelated random streams.</summary>
        private static int Mix(int seed, int index)
        {
            unchecked
            {
                var z = ((ulong)index * 0x9E3779B97F4A7C15UL) + (ulong)seed;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                return (int)(z ^ (z >> 31));
            }
        }

        private static Dictionary<string, double> Scores(Random random, int effect, IReadOnlyDictionary<string, double>? from = null)
        {
            double Score(string code, int low, int high, int centre) =>
                Math.Clamp((from?.GetValueOrDefault(code) ?? centre + random.Next(-2, 3)) + (from is null ? 0 : effect * (random.Next(3) - 0.5 > 0 ? 1 : 0) + random.Next(-1, 2)), low, high);
            return new Dictionary<string, double>
            {
                ["ons4-life-satisfaction"] = Score("ons4-life-satisfaction", 0, 10, 5),
                ["ons4-anxiety"] = Score("ons4-anxiety", 0, 10, 6),
                ["ucla3-total"] = Score("ucla3-total", 3, 9, 7),
                ["gp-appointments-3m"] = Score("gp-appointments-3m", 0, 30, 4),
                ["ae-attendances-3m"] = Score("ae-attendances-3m", 0, 10, 1),
            };
        }

        private static EvidenceRow Row(int index, int practice, DateTimeOffset referredAt, IReadOnlyList<ProviderOffer> offers, ChaseResult chase,
            FollowUpResult followUp = FollowUpResult.None, bool sent = false, bool? attended = null,
            IReadOnlyDictionary<string, double>? baseline = null, IReadOnlyDictionary<string, double>? after = null) =>
            new(Invariant($"nat-{index}"), Practice(practice), referredAt, offers, chase, chase == ChaseResult.Accepted ? DateOnly.FromDateTime(referredAt.UtcDateTime).AddDays(12) : null,
                followUp, sent, attended, baseline ?? EvidenceRow.Empty, after ?? EvidenceRow.Empty);
    }
}

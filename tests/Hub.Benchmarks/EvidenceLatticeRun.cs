using System.Diagnostics;
using Hub.Evidence;
using Hub.FollowUp;
using Hub.Tests.Evidence;
using static System.FormattableString;

namespace Hub.Benchmarks;

/// <summary>The disclosure audit of block reports alone, in memory: <c>evidence-load</c>'s population (practices, a
/// quarter as many providers) counted into cells in this process, then <see cref="EvidenceReport.ForAsync(IReadOnlyCollection{string}, Func{IReadOnlyCollection{string}, DateTimeOffset?, DateTimeOffset?, string, Task{EvidenceCell}}, string, DateTimeOffset?, DateTimeOffset?, ReportScope, ReportingOptions, MeasureCatalogue)"/>
/// for a practice-month, a scheme-year (a tenth of the practices) and the hub-year, each timed with what it allocated.
/// No storage: what is left is the report lattice and its secondary suppression, which <c>evidence-load</c> found
/// on the CPU in every sampled stack.</summary>
public static class EvidenceLatticeRun
{
    public static async Task<int> RunAsync(int referrals, int practiceCount, int repeats)
    {
        var measures = MeasureCatalogue.Shipped;
        var costs = new ReportingOptions { GpAppointmentCost = 40m, AeAttendanceCost = 200m, ProgrammeCostPerReferral = 300m };
        var practices = Enumerable.Range(0, practiceCount).Select(i => Invariant($"P{20000 + i}")).ToList();
        var providers = Enumerable.Range(0, Math.Max(3, practiceCount / 4)).Select(i => Invariant($"prov-{i:D4}")).ToList();
        var population = new EvidencePopulation(2026, referrals, practices, providers: providers);
        var cells = EvidenceCells.Of(population.Rows(), measures);
        var scheme = practices.Take(Math.Max(1, practiceCount / 10)).ToList();
        var year = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var march = year.AddMonths(2);
        Console.WriteLine(Invariant($"Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; {referrals:N0} referrals, {practiceCount} practices, {providers.Count} providers"));
        foreach (var (what, area, from, to) in new[]
                 {
                     ("practice-month", (IReadOnlyList<string>)[practices[0]], march, march.AddMonths(1)),
                     (Invariant($"scheme-year ({scheme.Count} practices)"), scheme, year, year.AddYears(1)),
                     (Invariant($"hub-year ({practiceCount} practices)"), practices, year, year.AddYears(1)),
                 })
        {
            var times = new List<double>();
            long allocated = 0;
            var hidden = 0;
            var digest = string.Empty;
            for (var r = 0; r <= repeats; r++)
            {
                var bytes = GC.GetAllocatedBytesForCurrentThread();
                var clock = Stopwatch.StartNew();
                var report = await EvidenceReport.ForAsync(area, (p, f, t, v) => Task.FromResult(cells.Merge(p, f, t, v)), CellKey.Everyone, from, to,
                    new ReportScope(from, to, [], DateTimeOffset.UnixEpoch), costs, measures);
                if (r > 0)
                {
                    // The first of each loads the code; the figures are the runs after it.
                    times.Add(clock.Elapsed.TotalMilliseconds);
                    allocated = Math.Max(allocated, GC.GetAllocatedBytesForCurrentThread() - bytes);
                }

                hidden = report.Figures.Values.Count(f => f.Suppressed);
                digest = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
                    string.Join(';', report.Figures.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Key + "=" + f.Value.Display)))))[..12];
            }

            times.Sort();
            Console.WriteLine(Invariant($"| {what} | p50 {EvidenceNationalRun.Percentile(times, 0.5):0.0} ms, p95 {EvidenceNationalRun.Percentile(times, 0.95):0.0} ms | {allocated / 1048576.0:0.0} MB allocated | {hidden} figures hidden | digest {digest} |"));
        }

        return 0;
    }
}

using Hub.Evidence;
using Microsoft.Extensions.Primitives;

namespace Hub.Tests.Evidence;

/// <summary>The attacker against periods, over generated small practices: two years of monthly referral counts of a
/// handful a month. The attacker asks for every run of whole months a key could name (every start month, every length
/// up to a year, and every open-ended start) and keeps those the hub answers; each published count becomes the interval
/// the true count could be in (0 is 0, * is 1–7, n is n ± 2), and every run is the sum of its months. Every interval
/// is narrowed by every sum until nothing narrows. A hidden month is recovered when its interval is one value.</summary>
[Trait("Category", "Unit")]
public sealed class DisclosurePeriodAttackTests
{
    private const int Months = 24;

    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void No_run_of_months_minus_an_overlapping_run_pins_a_hidden_month_of_a_small_practice()
    {
        var recovered = new List<string>();
        var hidden = 0;
        for (var seed = 1; seed <= 40; seed++)
        {
            var random = new Random(seed);
            var months = Enumerable.Range(0, Months).Select(_ => random.Next(0, 9)).ToArray();
            var (found, hiddenHere) = Attack(months);
            recovered.AddRange(found.Select(f => $"population {seed}: {f}"));
            hidden += hiddenHere;
        }

        Assert.True(hidden > 100, $"Only {hidden} hidden months: the practices are not small enough to test anything.");
        Assert.True(recovered.Count == 0, $"{recovered.Count} hidden months recovered, e.g. " + string.Join("; ", recovered.Take(5)));
    }

    private static (List<string> Recovered, int Hidden) Attack(int[] months)
    {
        var known = new Dictionary<(int From, int To), (int Low, int High)>();
        var runs = new List<(int From, int To)>();
        foreach (var (from, to) in Candidates())
        {
            var period = to < Months ? new StringValues([$"ge{Start.AddMonths(from):yyyy-MM-dd}", $"lt{Start.AddMonths(to):yyyy-MM-dd}"]) : new StringValues($"ge{Start.AddMonths(from):yyyy-MM-dd}");
            var (query, _) = ReportQuery.Parse(StringValues.Empty, period);
            if (query is null)
            {
                continue;
            }

            var shown = DisclosureRule.Default.Publish(months[from..Math.Min(to, Months)].Sum());
            known[(from, to)] = shown switch { null => (1, 7), 0 => (0, 0), { } n => (Math.Max(8, n - 2), n + 2) };
            runs.Add((from, to));
        }

        // Months the attacker did not get as a report of their own are still unknowns (0 upwards) in every sum.
        for (var m = 0; m < Months; m++)
        {
            known.TryAdd((m, m + 1), (0, 1000));
        }

        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var run in runs.Where(r => r.To - r.From > 1))
            {
                var parts = Enumerable.Range(run.From, Math.Min(run.To, Months) - run.From).Select(m => (m, m + 1)).ToList();
                var total = known[run];
                var low = parts.Sum(p => known[p].Low);
                var high = parts.Sum(p => known[p].High);
                changed |= Tighten(known, run, low, high);
                foreach (var part in parts)
                {
                    var own = known[part];
                    changed |= Tighten(known, part, total.Low - (high - own.High), total.High - (low - own.Low));
                }
            }
        }

        var hiddenMonths = Enumerable.Range(0, Months).Where(m => DisclosureRule.Default.Publish(months[m]) is null).ToList();
        var recovered = hiddenMonths.Where(m => known[(m, m + 1)] is var (l, h) && l == h)
            .Select(m => $"{Start.AddMonths(m):yyyy-MM} = {known[(m, m + 1)].Low} (true {months[m]})").ToList();
        return (recovered, hiddenMonths.Count);
    }

    /// <summary>Every run of whole months a key might ask for: each start, each length up to a year, and open-ended.</summary>
    private static IEnumerable<(int From, int To)> Candidates()
    {
        for (var from = 0; from < Months; from++)
        {
            for (var length = 1; length <= 12 && from + length <= Months; length++)
            {
                yield return (from, from + length);
            }

            yield return (from, int.MaxValue / 2);
        }
    }

    private static bool Tighten(Dictionary<(int, int), (int Low, int High)> known, (int, int) key, int low, int high)
    {
        var (oldLow, oldHigh) = known[key];
        var (newLow, newHigh) = (Math.Max(oldLow, low), Math.Min(oldHigh, high));
        Assert.True(newLow <= newHigh, $"{key}: the attacker's identities contradict the published figures");
        if ((newLow, newHigh) == (oldLow, oldHigh))
        {
            return false;
        }

        known[key] = (newLow, newHigh);
        return true;
    }
}

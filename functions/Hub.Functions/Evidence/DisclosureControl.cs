using System.Globalization;

namespace Hub.Evidence;

/// <summary>The thresholds of the statistical disclosure control (configuration section <c>Reporting:Disclosure</c>).
/// The defaults are NHS England's (formerly NHS Digital's) automatable method for HES and ECDS, in use since 2018:
/// below national level, counts 1–7 are suppressed and every other count is rounded to the nearest 5; percentages are
/// computed from the rounded figures; statistics are not shown for fewer than 8 people.</summary>
public sealed class DisclosureOptions
{
    /// <summary>Counts from 1 up to and including this are suppressed (shown as "*"). Zero is shown as zero.</summary>
    public int SuppressUpTo { get; set; } = 7;

    /// <summary>Every count not suppressed is rounded to the nearest multiple of this.</summary>
    public int RoundTo { get; set; } = 5;

    /// <summary>Means, medians, intervals and p-values are not shown for fewer than this many people.</summary>
    public int StatisticsFrom { get; set; } = 8;

    /// <summary>Decimal places of a mean score, its change and its interval. One place: with counts rounded to 5, a mean's
    /// last digit cannot be multiplied back into one person's score.</summary>
    public int MeanDecimals { get; set; } = 1;

    /// <summary>Decimal places of a p-value; smaller values print as "&lt; 0.001".</summary>
    public int PDecimals { get; set; } = 3;

    /// <summary>Decimal places of money per person (the cost offset): whole pounds by default.</summary>
    public int MoneyDecimals { get; set; }

    /// <summary>Decimal places of a median or percentile in days.</summary>
    public int DayDecimals { get; set; } = 1;

    /// <summary>Secondary (complementary) suppression within every sum a report publishes (<see cref="SecondarySuppression"/>):
    /// on by default; off leaves NHS England's primary rule alone, whose hidden counts a total and its parts can pin.</summary>
    public bool SecondarySuppression { get; set; } = true;

    /// <summary>A report over up to this many practices is protected against each practice's own report too (a scheme
    /// minus its other practices); a larger one (a region, the whole hub) only against the blocks of months inside it,
    /// so that its cost stays bounded.</summary>
    public int PracticesAuditedUpTo { get; set; } = 64;

    /// <summary>A report (in the view of every offer) whose referrals were accepted by up to this many providers is
    /// protected against each of those providers' views too (from acceptance on, the report is the sum of them); one
    /// with more only within its own view, so that its cost stays bounded.</summary>
    public int ProvidersAuditedUpTo { get; set; } = 16;
}

/// <summary>The one rule every output applies: a count becomes a <see cref="Figure"/> with its published value, a
/// statistic is shown only for enough people and only at the published precision. The page, the MeasureReport and the
/// charts all print what this class returns, so they agree figure by figure.</summary>
public sealed class DisclosureRule(DisclosureOptions options)
{
    public static readonly DisclosureRule Default = new(new DisclosureOptions());

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public DisclosureOptions Options { get; } = options;

    public int StatisticsFrom => Options.StatisticsFrom;

    public Figure Count(int count) => new(count, Publish(count));

    /// <summary>The published value of a count: 0 stays 0, 1..<see cref="DisclosureOptions.SuppressUpTo"/> is
    /// suppressed (null), anything else is rounded to the nearest <see cref="DisclosureOptions.RoundTo"/> (halves up).</summary>
    public int? Publish(int count)
    {
        if (count <= 0)
        {
            return 0;
        }

        if (count <= Options.SuppressUpTo)
        {
            return null;
        }

        var step = Math.Max(1, Options.RoundTo);
        return (int)(Math.Floor((count + (step / 2.0)) / step) * step);
    }

    /// <summary>Enough people for a statistic to be shown.</summary>
    public bool ShowsStatistics(int people) => people >= Options.StatisticsFrom;

    /// <summary>A mean score (or change, or interval end) at the published precision.</summary>
    public double Mean(double value) => Math.Round(value, Options.MeanDecimals, MidpointRounding.AwayFromZero);

    public double Days(double value) => Math.Round(value, Options.DayDecimals, MidpointRounding.AwayFromZero);

    /// <summary>A p-value at the published precision, with a floor below which it is only "less than".</summary>
    public double P(double value) => Math.Max(Math.Round(value, Options.PDecimals, MidpointRounding.AwayFromZero), PFloor);

    public double PFloor => Math.Pow(10, -Options.PDecimals);

    public string MeanText(double value) => Mean(value).ToString("F" + Options.MeanDecimals, Invariant);

    public string SignedMeanText(double value)
    {
        var mean = Mean(value);
        var text = Math.Abs(mean).ToString("F" + Options.MeanDecimals, Invariant);
        return mean > 0 ? "+" + text : mean < 0 ? "-" + text : text;
    }

    public string DaysText(double value) => Days(value).ToString("F" + Options.DayDecimals, Invariant);

    public string PText(double value) => value < PFloor ? "< " + PFloor.ToString("F" + Options.PDecimals, Invariant) : P(value).ToString("F" + Options.PDecimals, Invariant);

    /// <summary>Money per person, to whole pounds: a saving is a mean, so it gets a mean's protection.</summary>
    public double Money(double value) => Math.Round(value, Options.MoneyDecimals, MidpointRounding.AwayFromZero);
}

/// <summary>An identity a report publishes: the true <see cref="Total"/> is the sum of the true <see cref="Parts"/>
/// (a part alone is the same figure printed twice). Figures are named by their key in the report
/// (<see cref="EvidenceReport.Figures"/>); groups are data, so a figure added later joins its sums by being named in one.</summary>
public sealed record AdditiveGroup(string Total, IReadOnlyList<string> Parts)
{
    public IEnumerable<string> Members => Parts.Prepend(Total);
}

/// <summary>Secondary (complementary) suppression: after the primary rule has hidden counts of 1 to
/// <see cref="DisclosureOptions.SuppressUpTo"/>, more counts are hidden so that none of them can be worked back from the
/// sums the report publishes. Two steps, each a function of the report's own figures and its groups only, so the same
/// report always hides the same figures:
/// <list type="number">
/// <item>No hidden figure alone in a group: where a group has exactly one hidden member among its non-zero members,
/// the smallest other non-zero part is hidden too (the total when no part is left), ties in the group's order; repeated
/// until no group has a lone hidden member (hiding one figure can leave another alone in a second group).</item>
/// <item>The attacker's check: every published figure becomes the interval its true count could be in (0 is 0; a rounded
/// n is n ± half the rounding step and above the suppression threshold; a hidden one is 1 or more, whatever its size),
/// every group narrows them until nothing narrows, and while any hidden figure is pinned to one value the smallest
/// non-zero shown part of a group it is in (else that group's total) is hidden too.</item>
/// </list>
/// Zeros are never hidden: a zero is exact and says no one, and hiding it would make "*" mean "0 or more".</summary>
public static class SecondarySuppression
{
    /// <summary>Above any count a report holds: the upper end of what a hidden count could be.</summary>
    private const long Unbounded = 1L << 40;

    /// <summary>The keys of the figures to hide in addition to those the primary rule hid. Groups that do not hold on the
    /// true counts (or name a figure the report does not have) are left out: an identity that is not one protects nothing.</summary>
    public static IReadOnlySet<string> Hide(IReadOnlyDictionary<string, Figure> figures, IEnumerable<AdditiveGroup> groups, DisclosureRule rule)
    {
        var sums = groups.ToList();
        return Hide(figures, sums, sums, _ => true, rule);
    }

    /// <summary>The same over a report and figures already published elsewhere (the blocks inside a longer period):
    /// only figures <paramref name="mayHide"/> allows are hidden; <paramref name="lonely"/> are the groups no hidden
    /// figure may be alone in (the report's own), <paramref name="audited"/> every group the attacker's check uses.</summary>
    public static IReadOnlySet<string> Hide(IReadOnlyDictionary<string, Figure> figures, IReadOnlyList<AdditiveGroup> lonely, IReadOnlyList<AdditiveGroup> audited, Func<string, bool> mayHide, DisclosureRule rule)
    {
        var hidden = new HashSet<string>(StringComparer.Ordinal);
        bool Holds(AdditiveGroup g) => g.Members.All(figures.ContainsKey) && g.Parts.Sum(p => (long)figures[p].Count) == figures[g.Total].Count;
        var own = lonely.Where(Holds).ToList();
        var sums = audited.Where(Holds).ToList();
        bool Hidden(string key) => hidden.Contains(key) || figures[key].Suppressed;
        bool Hideable(string key) => mayHide(key) && !Hidden(key) && figures[key].Count > 0 && figures[key].Shown is > 0;

        string? picked = null;
        bool HideIn(AdditiveGroup group)
        {
            var part = group.Parts.Where(Hideable).OrderBy(p => figures[p].Count).FirstOrDefault();
            var pick = part ?? (Hideable(group.Total) ? group.Total : null);
            picked = pick;
            return pick is not null && hidden.Add(pick);
        }

        if (!rule.Options.SecondarySuppression)
        {
            return hidden;
        }

        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var group in own)
            {
                var nonZero = group.Members.Distinct(StringComparer.Ordinal).Where(k => figures[k].Count > 0).ToList();
                if (nonZero.Count(Hidden) == 1)
                {
                    changed |= HideIn(group);
                }
            }
        }

        var byMember = sums.SelectMany(g => g.Members.Distinct(StringComparer.Ordinal).Select(m => (m, g))).ToLookup(x => x.m, x => x.g, StringComparer.Ordinal);
        var check = new IntervalCheck(figures, sums);
        while (true)
        {
            // A figure pinned: hide beside it where it is pinned; failing that, the report's own figures in its sums.
            // Every pinned figure in one round (the check is costly over a whole lattice), but not one whose sums
            // already got a figure hidden this round: that may have freed it.
            var before = hidden.Count;
            var round = new HashSet<string>(StringComparer.Ordinal);
            foreach (var pin in check.Pinned(Hidden, rule))
            {
                if (byMember[pin].Any(g => g.Members.Any(round.Contains)))
                {
                    continue;
                }

                if ((byMember[pin].Any(HideIn) || byMember[pin].SelectMany(g => g.Members).SelectMany(m => byMember[m]).Any(HideIn)) && picked is not null)
                {
                    round.Add(picked);
                }
            }

            if (hidden.Count == before)
            {
                return hidden;
            }
        }
    }

    /// <summary>The hidden figures an attacker holding every published figure of the report and every group pins to
    /// one value, in key order.</summary>
    public static IEnumerable<string> Pinned(IReadOnlyDictionary<string, Figure> figures, IReadOnlyList<AdditiveGroup> sums, Func<string, bool> hidden, DisclosureRule rule) =>
        new IntervalCheck(figures, sums).Pinned(hidden, rule);

    /// <summary>The attacker's check over figures and sums indexed once (a report audited with every report inside it
    /// holds tens of thousands of each, checked again after every figure hidden): intervals narrowed by a worklist, so a
    /// sum is looked at again only when one of its members narrowed.</summary>
    private sealed class IntervalCheck
    {
        private readonly string[] _keys;
        private readonly Figure[] _figures;
        private readonly int[] _totals;
        private readonly int[][] _parts;
        private readonly int[][] _sumsOf;

        public IntervalCheck(IReadOnlyDictionary<string, Figure> figures, IReadOnlyList<AdditiveGroup> sums)
        {
            _keys = [.. figures.Keys];
            var index = new Dictionary<string, int>(_keys.Length, StringComparer.Ordinal);
            for (var i = 0; i < _keys.Length; i++)
            {
                index[_keys[i]] = i;
            }

            _figures = [.. _keys.Select(k => figures[k])];
            _totals = [.. sums.Select(g => index[g.Total])];
            _parts = [.. sums.Select(g => g.Parts.Select(p => index[p]).ToArray())];
            var sumsOf = _keys.Select(_ => new List<int>()).ToArray();
            for (var g = 0; g < sums.Count; g++)
            {
                foreach (var member in _parts[g].Prepend(_totals[g]).Distinct())
                {
                    sumsOf[member].Add(g);
                }
            }

            _sumsOf = [.. sumsOf.Select(l => l.ToArray())];
        }

        public List<string> Pinned(Func<string, bool> hidden, DisclosureRule rule)
        {
            var isHidden = _keys.Select(hidden).ToArray();
            var low = new long[_keys.Length];
            var high = new long[_keys.Length];
            for (var i = 0; i < _keys.Length; i++)
            {
                (low[i], high[i]) = Interval(_figures[i], isHidden[i], rule);
            }

            var waiting = new Queue<int>(Enumerable.Range(0, _totals.Length));
            var queued = new bool[_totals.Length];
            Array.Fill(queued, true);
            bool Tighten(int key, long newLow, long newHigh)
            {
                (newLow, newHigh) = (Math.Max(low[key], newLow), Math.Min(high[key], newHigh));
                if ((newLow == low[key] && newHigh == high[key]) || newLow > newHigh)
                {
                    return false;
                }

                (low[key], high[key]) = (newLow, newHigh);
                foreach (var g in _sumsOf[key])
                {
                    if (!queued[g])
                    {
                        queued[g] = true;
                        waiting.Enqueue(g);
                    }
                }

                return true;
            }

            while (waiting.TryDequeue(out var g))
            {
                queued[g] = false;
                var total = _totals[g];
                var (totalLow, totalHigh) = (low[total], high[total]);
                long partsLow = 0, partsHigh = 0;
                foreach (var p in _parts[g])
                {
                    partsLow += low[p];
                    partsHigh += high[p];
                }

                Tighten(total, partsLow, partsHigh);
                foreach (var p in _parts[g])
                {
                    var (ownLow, ownHigh) = (low[p], high[p]);
                    Tighten(p, totalLow - (partsHigh - ownHigh), totalHigh - (partsLow - ownLow));
                }
            }

            return [.. Enumerable.Range(0, _keys.Length).Where(i => isHidden[i] && low[i] >= high[i]).Select(i => _keys[i]).Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>What a reader knows of a count from what is published for it.</summary>
    public static (long Low, long High) Interval(Figure figure, bool hidden, DisclosureRule rule)
    {
        if (hidden || figure.Shown is null)
        {
            return (1, Unbounded);
        }

        if (figure.Shown is not { } shown || shown == 0)
        {
            return (0, 0);
        }

        var step = Math.Max(1, rule.Options.RoundTo);
        // Rounded to the nearest step, halves up: n covers [n - step/2, n + step/2).
        var low = (long)Math.Ceiling(shown - (step / 2.0));
        var high = (long)Math.Ceiling(shown + (step / 2.0)) - 1;
        return (Math.Max(low, rule.Options.SuppressUpTo + 1), high);
    }
}

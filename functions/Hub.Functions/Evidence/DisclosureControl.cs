using System.Buffers;
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
        var (numbered, present) = Numbered(figures);
        var sums = groups.Select(numbered.Sum).ToList();
        var hide = Hide(numbered, [present], sums, [new AuditSums(sums)], rule);
        return hide.Select(numbered.KeyOf).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The same over numbered figures, for a report and figures already published elsewhere (the reports
    /// inside it): the figures of the first list in <paramref name="present"/> are the report's own, and only they are
    /// hidden; the other lists are the figures of the reports inside it (a figure named only in a sum is not present).
    /// <paramref name="lonely"/> are the report's own sums, no hidden figure may be alone in; <paramref name="audited"/>
    /// every sum the attacker's check uses, the first of them the report's own (with its division sums: every sum that
    /// holds one of its figures, whose zeros the audit keeps). The numbers of the figures to hide come back. A lattice of reports numbers
    /// its figures once and audits each report over its own and those inside it, without naming any figure again.</summary>
    public static IReadOnlyList<int> Hide(AuditFigures figures, IReadOnlyList<IReadOnlyList<int>> present, IReadOnlyList<AuditSum> lonely, IReadOnlyList<AuditSums> audited, DisclosureRule rule)
    {
        if (!rule.Options.SecondarySuppression)
        {
            return [];
        }

        using var audit = new Audit(figures, present, lonely, audited);
        var n = audit.Count;
        var hidden = new bool[n];

        bool Hidden(int i) => hidden[i] || audit.Figures[i].Suppressed;
        bool Hideable(int i) => i < audit.Own && !Hidden(i) && audit.Figures[i].Count > 0 && audit.Figures[i].Shown is > 0;

        // The smallest hideable part of a sum (ties in the sum's order), else its total; false when there is none.
        var picked = -1;
        bool HideIn(int g)
        {
            var pick = -1;
            foreach (var p in audit.PartsOf(g))
            {
                if (Hideable(p) && (pick < 0 || audit.Figures[p].Count < audit.Figures[pick].Count))
                {
                    pick = p;
                }
            }

            if (pick < 0 && Hideable(audit.Totals[g]))
            {
                pick = audit.Totals[g];
            }

            picked = pick;
            if (pick < 0)
            {
                return false;
            }

            hidden[pick] = true;
            return true;
        }

        // No hidden figure alone among the non-zero members of one of the report's own sums.
        var mark = new int[n];
        Array.Fill(mark, -1);
        var token = 0;
        bool Counts(int m)
        {
            if (mark[m] == token)
            {
                return false;
            }

            mark[m] = token;
            return audit.Figures[m].Count > 0 && Hidden(m);
        }

        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var g in audit.Lonely)
            {
                token++;
                var alone = Counts(audit.Totals[g]) ? 1 : 0;
                foreach (var p in audit.PartsOf(g))
                {
                    alone += Counts(p) ? 1 : 0;
                }

                if (alone == 1)
                {
                    changed |= HideIn(g);
                }
            }
        }

        var round = new bool[n];
        bool HidBeside(int pin)
        {
            foreach (var g in audit.SumsOf(pin))
            {
                if (round[audit.Totals[g]])
                {
                    return true;
                }

                foreach (var p in audit.PartsOf(g))
                {
                    if (round[p])
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        bool HideInSumsOf(int member)
        {
            foreach (var g in audit.SumsOf(member))
            {
                if (HideIn(g))
                {
                    return true;
                }
            }

            return false;
        }

        // Failing its own sums, the sums of the figures beside it (totals first, in each sum's order).
        bool HideNear(int pin)
        {
            foreach (var g in audit.SumsOf(pin))
            {
                if (HideInSumsOf(audit.Totals[g]))
                {
                    return true;
                }

                foreach (var p in audit.PartsOf(g))
                {
                    if (HideInSumsOf(p))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        while (true)
        {
            // A figure pinned: hide beside it where it is pinned; failing that, the report's own figures in its sums.
            // Every pinned figure in one round (the check is costly over a whole lattice), but not one whose sums
            // already got a figure hidden this round: that may have freed it.
            var found = false;
            Array.Clear(round);
            foreach (var pin in audit.Pinned(hidden, rule))
            {
                if (HidBeside(pin))
                {
                    continue;
                }

                if ((HideInSumsOf(pin) || HideNear(pin)) && picked >= 0)
                {
                    round[picked] = true;
                    found = true;
                }
            }

            if (!found)
            {
                return [.. Enumerable.Range(0, n).Where(i => hidden[i]).Select(audit.IdOf)];
            }
        }
    }

    /// <summary>The hidden figures an attacker holding every published figure of the report and every group pins to
    /// one value, in key order.</summary>
    public static IEnumerable<string> Pinned(IReadOnlyDictionary<string, Figure> figures, IReadOnlyList<AdditiveGroup> sums, Func<string, bool> hidden, DisclosureRule rule)
    {
        var (numbered, present) = Numbered(figures);
        using var audit = new Audit(numbered, [present], [], [new AuditSums([.. sums.Select(numbered.Sum)])], holdingOnly: false);
        var hiddenNow = new bool[audit.Count];
        for (var i = 0; i < audit.Count; i++)
        {
            hiddenNow[i] = hidden(numbered.KeyOf(audit.IdOf(i)));
        }

        return audit.Pinned(hiddenNow, rule).Select(i => numbered.KeyOf(audit.IdOf(i))).ToList();
    }

    /// <summary>One report's named figures, numbered: the numbering, and every figure's number (all present).</summary>
    private static (AuditFigures Numbered, List<int> Present) Numbered(IReadOnlyDictionary<string, Figure> figures)
    {
        var numbered = new AuditFigures();
        return (numbered, [.. figures.Select(f => numbered.Set(f.Key, f.Value))]);
    }

    /// <summary>One audit's figures and sums, numbered from 0 in the audit (flat arrays: an audit of a report with every
    /// report inside it holds hundreds of thousands of each): the sums that hold on the true counts, the sums each
    /// figure is in, and the attacker's check over them. Its arrays are rented (<see cref="ArrayPool{T}"/>): a lattice
    /// runs thousands of audits one after another, and new arrays would be garbage as large as the audit each time.</summary>
    private sealed class Audit : IDisposable
    {
        // A figure's place in the audit while it is built: its number from 0, or one of these.
        private const int Absent = -1;
        private const int LeftOutZero = -2;
        private const int KeptZero = -3;

        private readonly AuditFigures _numbered;
        private readonly int[] _ids;
        private readonly Figure[] _figures;
        private readonly int[] _totals;
        private readonly int[] _partStart;
        private readonly int[] _parts;
        private readonly int _audited;
        private readonly int[] _sumStart;
        private readonly int[] _sums;
        private readonly int[] _lonely;

        public Audit(AuditFigures numbered, IReadOnlyList<IReadOnlyList<int>> present, IReadOnlyList<AuditSum> lonely, IReadOnlyList<AuditSums> audited, bool holdingOnly = true)
        {
            _numbered = numbered;
            var local = numbered.BeginAudit();
            var presentCount = 0;
            foreach (var list in present)
            {
                presentCount += list.Count;
            }

            var sumCount = lonely.Count;
            var partCount = 0;
            foreach (var sum in lonely)
            {
                partCount += sum.Parts.Length;
            }

            foreach (var list in audited)
            {
                sumCount += list.Count;
                partCount += list.PartCount;
            }

            _ids = Rent<int>(presentCount);
            _totals = Rent<int>(sumCount);
            _partStart = Rent<int>(sumCount + 1);
            _parts = Rent<int>(partCount);
            _lonely = Rent<int>(lonely.Count);
            _figures = [];
            _sumStart = [];
            _sums = [];
            // Figures other than numbered ones, set back to Absent at the end with them.
            var marked = new List<int>();
            var n = 0;
            var sums = 0;
            var parts = 0;
            _partStart[0] = 0;
            try
            {
                // A zero is exact, never hidden and never narrows, so it adds nothing to what the check finds: zeros
                // are left out of the audit, and out of the sums they are parts of (most of a lattice's figures are
                // zeros: a provider's view of one practice in one month). Kept are the zeros of the report's own sums
                // (lonely, and the first of audited): hiding looks beside a pinned figure through them, and every sum
                // holding one of the report's own figures is among them.
                void Keep(int id)
                {
                    if (local[id] == Absent && numbered.FigureOf(id).IsZero)
                    {
                        local[id] = KeptZero;
                        marked.Add(id);
                    }
                }

                if (holdingOnly)
                {
                    foreach (var sum in lonely)
                    {
                        Keep(sum.Total);
                        foreach (var part in sum.Parts)
                        {
                            Keep(part);
                        }
                    }

                    for (var g = 0; g < (audited.Count > 0 ? audited[0].Count : 0); g++)
                    {
                        Keep(audited[0].TotalOf(g));
                        foreach (var part in audited[0].PartsOf(g))
                        {
                            Keep(part);
                        }
                    }
                }

                foreach (var list in present)
                {
                    foreach (var id in list)
                    {
                        if (local[id] == Absent && holdingOnly && numbered.FigureOf(id).IsZero)
                        {
                            local[id] = LeftOutZero;
                            marked.Add(id);
                        }
                        else if (local[id] is Absent or KeptZero)
                        {
                            local[id] = n;
                            _ids[n++] = id;
                        }
                    }

                    if (Own < 0)
                    {
                        Own = n;
                    }
                }

                Count = n;
                _figures = Rent<Figure>(n);
                for (var i = 0; i < n; i++)
                {
                    _figures[i] = numbered.FigureOf(_ids[i]);
                }

                // A sum whose figures are all in the audit and that holds on their true counts; false leaves it out.
                bool Add(int sumTotal, ReadOnlySpan<int> sumParts)
                {
                    var total = local[sumTotal];
                    var from = parts;
                    long count = 0;
                    foreach (var part in sumParts)
                    {
                        var p = local[part];
                        if (p == LeftOutZero)
                        {
                            continue;
                        }

                        if (p < 0)
                        {
                            parts = from;
                            return false;
                        }

                        _parts[parts++] = p;
                        count += _figures[p].Count;
                    }

                    // A zero total left out: its parts are zeros too if it holds, and it says nothing.
                    if (total < 0 || (holdingOnly && count != _figures[total].Count))
                    {
                        parts = from;
                        return false;
                    }

                    _totals[sums++] = total;
                    _partStart[sums] = parts;
                    return true;
                }

                // The report's own sums first, then every sum the check uses (a sum in both is held twice).
                foreach (var sum in lonely)
                {
                    if (Add(sum.Total, sum.Parts))
                    {
                        _lonely[LonelyCount++] = sums - 1;
                    }
                }

                _audited = sums;
                foreach (var list in audited)
                {
                    for (var g = 0; g < list.Count; g++)
                    {
                        Add(list.TotalOf(g), list.PartsOf(g));
                    }
                }
            }
            finally
            {
                for (var i = 0; i < n; i++)
                {
                    local[_ids[i]] = Absent;
                }

                foreach (var id in marked)
                {
                    local[id] = Absent;
                }
            }

            SumCount = sums;

            // Each figure's audited sums, each once (a figure can be a sum's total and one of its parts), in order:
            // counted, then filled.
            var last = Rent<int>(n);
            _sumStart = Rent<int>(n + 1);
            try
            {
                Array.Clear(_sumStart, 0, n + 1);
                // Counting when next is null, filling otherwise (no delegate: it runs for every figure of every sum).
                var memberOf = Array.Empty<int>();
                void Each(int[]? next)
                {
                    Array.Fill(last, -1, 0, n);
                    for (var g = _audited; g < SumCount; g++)
                    {
                        var total = _totals[g];
                        last[total] = g;
                        Member(total, g, next);
                        for (var k = _partStart[g]; k < _partStart[g + 1]; k++)
                        {
                            var part = _parts[k];
                            if (last[part] != g)
                            {
                                last[part] = g;
                                Member(part, g, next);
                            }
                        }
                    }
                }

                void Member(int m, int g, int[]? next)
                {
                    if (next is null)
                    {
                        _sumStart[m + 1]++;
                    }
                    else
                    {
                        memberOf[next[m]++] = g;
                    }
                }

                Each(null);
                for (var i = 0; i < n; i++)
                {
                    _sumStart[i + 1] += _sumStart[i];
                }

                _sums = memberOf = Rent<int>(_sumStart[n]);
                var next = Rent<int>(n);
                try
                {
                    Array.Copy(_sumStart, next, n);
                    Each(next);
                }
                finally
                {
                    Return(next);
                }
            }
            finally
            {
                Return(last);
            }
        }

        /// <summary>The audit's figures (numbered from 0).</summary>
        public int Count { get; }

        /// <summary>The sums that hold, the report's own first.</summary>
        private int SumCount { get; }

        private int LonelyCount { get; set; }

        private static T[] Rent<T>(int length) => length == 0 ? [] : ArrayPool<T>.Shared.Rent(length);

        private static void Return<T>(T[] array)
        {
            if (array.Length > 0)
            {
                ArrayPool<T>.Shared.Return(array);
            }
        }

        public void Dispose()
        {
            Return(_ids);
            Return(_figures);
            Return(_totals);
            Return(_partStart);
            Return(_parts);
            Return(_lonely);
            Return(_sumStart);
            Return(_sums);
        }

        /// <summary>The audit's own figures are numbered first, from 0 to this (the first list present): the only ones
        /// it hides.</summary>
        public int Own { get; } = -1;

        /// <summary>A figure's number among all figures, by its number in the audit.</summary>
        public int IdOf(int figure) => _ids[figure];

        public ReadOnlySpan<Figure> Figures => _figures.AsSpan(0, Count);

        public ReadOnlySpan<int> Totals => _totals.AsSpan(0, SumCount);

        /// <summary>The report's own sums that hold (the first ones; the sums the check uses come after them).</summary>
        public ReadOnlySpan<int> Lonely => _lonely.AsSpan(0, LonelyCount);

        public ReadOnlySpan<int> PartsOf(int g) => _parts.AsSpan(_partStart[g], _partStart[g + 1] - _partStart[g]);

        /// <summary>The audited sums a figure is in, in the audit's order.</summary>
        public ReadOnlySpan<int> SumsOf(int figure) => _sums.AsSpan(_sumStart[figure], _sumStart[figure + 1] - _sumStart[figure]);

        /// <summary>The attacker's check: intervals narrowed by a worklist, so a sum is looked at again only when one
        /// of its members narrowed. The hidden figures it pins, in key order.</summary>
        /// <param name="hidden">The figures hidden besides those the primary rule suppressed.</param>
        public List<int> Pinned(bool[] hidden, DisclosureRule rule)
        {
            var n = Count;
            var checks = SumCount - _audited;
            var isHidden = Rent<bool>(n);
            var low = Rent<long>(n);
            var high = Rent<long>(n);
            // Each sum is waiting at most once at a time, so a ring of one place per sum holds them all.
            var waiting = Rent<int>(checks);
            var queued = Rent<bool>(SumCount);
            try
            {
                for (var i = 0; i < n; i++)
                {
                    isHidden[i] = hidden[i] || _figures[i].Suppressed;
                    (low[i], high[i]) = Interval(_figures[i], isHidden[i], rule);
                }

                var (head, waitingCount) = (0, checks);
                for (var k = 0; k < checks; k++)
                {
                    waiting[k] = _audited + k;
                }

                Array.Fill(queued, true, 0, SumCount);
                void Tighten(int key, long newLow, long newHigh)
                {
                    (newLow, newHigh) = (Math.Max(low[key], newLow), Math.Min(high[key], newHigh));
                    if ((newLow == low[key] && newHigh == high[key]) || newLow > newHigh)
                    {
                        return;
                    }

                    (low[key], high[key]) = (newLow, newHigh);
                    foreach (var g in SumsOf(key))
                    {
                        if (!queued[g])
                        {
                            queued[g] = true;
                            var at = head + waitingCount++;
                            waiting[at < checks ? at : at - checks] = g;
                        }
                    }
                }

                while (waitingCount > 0)
                {
                    var g = waiting[head];
                    head = head + 1 == checks ? 0 : head + 1;
                    waitingCount--;
                    queued[g] = false;
                    var total = _totals[g];
                    var (totalLow, totalHigh) = (low[total], high[total]);
                    long partsLow = 0, partsHigh = 0;
                    foreach (var p in PartsOf(g))
                    {
                        partsLow += low[p];
                        partsHigh += high[p];
                    }

                    Tighten(total, partsLow, partsHigh);
                    foreach (var p in PartsOf(g))
                    {
                        var (ownLow, ownHigh) = (low[p], high[p]);
                        Tighten(p, totalLow - (partsHigh - ownHigh), totalHigh - (partsLow - ownLow));
                    }
                }

                var pinned = new List<int>();
                for (var i = 0; i < n; i++)
                {
                    if (isHidden[i] && low[i] >= high[i])
                    {
                        pinned.Add(i);
                    }
                }

                return [.. pinned.OrderBy(i => _numbered.KeyOf(_ids[i]), StringComparer.Ordinal)];
            }
            finally
            {
                Return(isHidden);
                Return(low);
                Return(high);
                Return(waiting);
                Return(queued);
            }
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

/// <summary>A sum over numbered figures (<see cref="AuditFigures"/>).</summary>
public readonly record struct AuditSum(int Total, int[] Parts);

/// <summary>Sums over numbered figures stored flat, one array of totals and one of all their parts: a lattice keeps
/// hundreds of thousands of sums of a few parts each, and one array per sum would weigh more than its parts.</summary>
public sealed class AuditSums
{
    private readonly int[] _totals;
    private readonly int[] _starts;
    private readonly int[] _parts;

    public AuditSums(IReadOnlyCollection<AuditSum> sums)
    {
        _totals = new int[sums.Count];
        _starts = new int[sums.Count + 1];
        _parts = new int[sums.Sum(s => s.Parts.Length)];
        var g = 0;
        foreach (var sum in sums)
        {
            _totals[g] = sum.Total;
            sum.Parts.CopyTo(_parts, _starts[g]);
            _starts[g + 1] = _starts[g] + sum.Parts.Length;
            g++;
        }
    }

    public int Count => _totals.Length;

    public int PartCount => _parts.Length;

    public int TotalOf(int g) => _totals[g];

    public ReadOnlySpan<int> PartsOf(int g) => _parts.AsSpan(_starts[g], _starts[g + 1] - _starts[g]);
}

/// <summary>Figures numbered once by name, so that many audits over overlapping reports (the reports inside a longer
/// period or a scheme, each audited with every report inside it) share them instead of naming every figure again.
/// A figure of a report inside another is named <c>{report}/{key}</c> (<see cref="Add"/>): its name is only put
/// together when asked for, since a lattice holds millions of them and its audits order only the few they pin by name.
/// Not for use by two audits at once: each audit borrows its scratch space.</summary>
public sealed class AuditFigures
{
    // Stored in chunks, not lists: a lattice numbers millions of figures, and a list's doubling would hold up to twice
    // that and copy it on the large object heap as it grows.
    private const int ChunkBits = 16;
    private const int ChunkMask = (1 << ChunkBits) - 1;

    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<string[]> _keys = [];
    private readonly List<Figure[]> _figures = [];

    // The report each figure is named under, by runs of numbers (a report's figures are numbered together).
    private readonly List<int> _runFirst = [];
    private readonly List<string?> _runReport = [];
    private int _count;
    private int[] _local = [];

    public string KeyOf(int id)
    {
        var run = _runFirst.BinarySearch(id);
        var report = _runReport[run >= 0 ? run : ~run - 1];
        var key = _keys[id >> ChunkBits][id & ChunkMask];
        return report is null ? key : $"{report}/{key}";
    }

    public Figure FigureOf(int id) => _figures[id >> ChunkBits][id & ChunkMask];

    /// <summary>The number of the figure named <paramref name="key"/>, holding <paramref name="figure"/> from now on.</summary>
    public int Set(string key, Figure figure)
    {
        var id = IdOf(key);
        Set(id, figure);
        return id;
    }

    /// <summary>The figure's value from now on.</summary>
    public void Set(int id, Figure figure) => _figures[id >> ChunkBits][id & ChunkMask] = figure;

    /// <summary>A new number for the figure <paramref name="key"/> of the report <paramref name="report"/>: the caller
    /// keeps it (by report and key), and asks for each name once.</summary>
    public int Add(string report, string key, Figure figure) => Append(report, key, figure);

    private int Append(string? report, string key, Figure figure)
    {
        var id = _count++;
        var (chunk, at) = (id >> ChunkBits, id & ChunkMask);
        if (chunk == _keys.Count)
        {
            // The first chunk grows as a list would, so that one report's few hundred figures stay small.
            var size = chunk == 0 ? 256 : 1 << ChunkBits;
            _keys.Add(new string[size]);
            _figures.Add(new Figure[size]);
        }
        else if (at == _keys[chunk].Length)
        {
            var size = Math.Min(at * 2, 1 << ChunkBits);
            var (keys, figures) = (_keys[chunk], _figures[chunk]);
            Array.Resize(ref keys, size);
            Array.Resize(ref figures, size);
            (_keys[chunk], _figures[chunk]) = (keys, figures);
        }

        _keys[^1][id & ChunkMask] = key;
        _figures[^1][id & ChunkMask] = figure;
        if (_runReport.Count == 0 || !ReferenceEquals(_runReport[^1], report))
        {
            _runFirst.Add(id);
            _runReport.Add(report);
        }

        return id;
    }

    /// <summary>The number of a name; a name only a sum uses is numbered too (an audit it is not present in leaves the
    /// sum out).</summary>
    public int IdOf(string key)
    {
        if (!_ids.TryGetValue(key, out var id))
        {
            id = Append(null, key, default);
            _ids[key] = id;
        }

        return id;
    }

    public AuditSum Sum(AdditiveGroup group) => new(IdOf(group.Total), [.. group.Parts.Select(IdOf)]);

    /// <summary>Every figure's place in a new audit, none yet (-1); the audit sets back to -1 what it set.</summary>
    internal int[] BeginAudit()
    {
        if (_local.Length < _count)
        {
            _local = new int[Math.Max(_count, _local.Length * 2)];
            Array.Fill(_local, -1);
        }

        return _local;
    }
}

using Hub.FollowUp;

namespace Hub.Evidence;

/// <summary>What a report covers: the period, the filters and the snapshot it was computed from.</summary>
public sealed record ReportScope(DateTimeOffset? From, DateTimeOffset? To, IReadOnlyList<string> Filters, DateTimeOffset SnapshotTakenAt)
{
    public string PeriodText => (From, To) switch
    {
        (null, null) => "all referrals to date",
        ({ } f, null) => $"referrals from {f:d MMMM yyyy}",
        (null, { } t) => $"referrals before {t:d MMMM yyyy}",
        ({ } f, { } t) => $"referrals from {f:d MMMM yyyy} to {t.AddDays(-1):d MMMM yyyy}",
    };
}

/// <summary>The evidence for one scheme, provider, practice and period: what happened to the referrals
/// (<see cref="ReferralFunnel"/>), how quickly (<see cref="ReportTimeliness"/>), and what changed for the people who
/// took part (<see cref="OutcomeChange"/>, <see cref="CostOffset"/>), every count a <see cref="Figure"/> under one
/// <see cref="DisclosureRule"/> that every output prints. Which measures it
/// shows, their labels and which way is better come from the instruments' <see cref="MeasureCatalogue"/>.</summary>
public sealed record EvidenceReport(
    ReportScope Scope,
    IReadOnlyList<FunnelStage> Funnel,
    IReadOnlyList<FunnelDrop> Drops,
    IReadOnlyList<Timeliness> Timeliness,
    IReadOnlyList<Figure> TimeToAcceptBins,
    IReadOnlyList<OutcomeChange> Outcomes,
    IReadOnlyList<OutcomeChange> NhsUse,
    IReadOnlyList<OutcomeChange> ComparisonOutcomes,
    Figure ComparisonGroup,
    CostOffset Cost,
    DisclosureRule Rule,
    LinkWorkFigures LinkWork,
    EngagementFigures Engagement)
{
    /// <summary>The report over the shipped instruments' measures.</summary>
    public static EvidenceReport Build(IReadOnlyList<EvidenceRow> rows, ReportScope scope, ReportingOptions costs) =>
        Build(rows, scope, costs, MeasureCatalogue.Shipped);

    /// <summary>The same report from the merge of the cells it covers (<see cref="EvidenceCell"/>): memory bounded by
    /// the cells, not the referrals, and the same figures as <see cref="Build(IReadOnlyList{EvidenceRow}, ReportScope, ReportingOptions, MeasureCatalogue)"/>
    /// over the same referrals.</summary>
    public static EvidenceReport FromCell(EvidenceCell cell, ReportScope scope, ReportingOptions costs, MeasureCatalogue measures) =>
        Protected(Unprotected(cell, scope, costs, measures));

    /// <summary>The report for a set of practices over a calendar block of months (<see cref="ReportQuery.IsCalendarBlock"/>),
    /// protected against every report inside it that is also published: a quarter is the sum of its months, a half-year
    /// of its quarters, a year of its halves, a set of practices (a scheme) the sum of its practices and, from acceptance
    /// on, every view's report the sum of the views of the providers that accepted its referrals (a referral is accepted
    /// by one provider at most). Each of those is built the same way whoever asks, from the same practices' months in
    /// the same view, so a figure hidden in one is hidden in every report of it; the larger report then hides what would
    /// pin a figure hidden in a report inside it (<see cref="SecondarySuppression"/> over all of them at once, hiding only
    /// the larger report's own figures). Any other period (open-ended, or not a block) is protected within itself only.</summary>
    /// <param name="merge">The merged cell of these practices in the months from the first day (inclusive) to the second
    /// (exclusive; null: without that end), in a view (<see cref="CellKey.Everyone"/> or a provider's id).</param>
    /// <param name="view">The view asked for: every offer's (<see cref="CellKey.Everyone"/>), audited against its
    /// providers' views, or one provider's.</param>
    /// <param name="hidden">What the audit of this report hid at the state of the cells <paramref name="merge"/> reads
    /// (<see cref="HiddenOf"/>, kept by <see cref="ReportQuestions"/>): given, the report is made from its own cells
    /// with those figures hidden, the same report without auditing again.</param>
    public static async Task<EvidenceReport> ForAsync(IReadOnlyCollection<string> practices, Func<IReadOnlyCollection<string>, DateTimeOffset?, DateTimeOffset?, string, Task<EvidenceCell>> merge,
        string view, DateTimeOffset? from, DateTimeOffset? to, ReportScope scope, ReportingOptions costs, MeasureCatalogue measures, IReadOnlySet<string>? hidden = null)
    {
        if (!AuditedInside(practices, from, to) || from is not { } start || to is not { } end)
        {
            return FromCell(await merge(practices, from, to, view), scope, costs, measures);
        }

        // Divided by practice up to a limit: past it (a region, the whole hub) the practices' reports are not audited
        // with it, and the set is one unit divided by months (and providers) only.
        var area = practices.Order(StringComparer.Ordinal).ToList();
        var units = area.Count <= costs.Disclosure.PracticesAuditedUpTo ? area.Select(p => (IReadOnlyList<string>)[p]).ToList() : [area];
        var length = MonthsOf(start, end);
        async Task<Dictionary<(string, string, int), EvidenceCell>> Read(IEnumerable<(string View, IReadOnlyList<string> Unit, int Month)> wanted)
        {
            var read = await Task.WhenAll(wanted.Select(async w => (w.View, string.Join(',', w.Unit), w.Month,
                await merge(w.Unit.Count == area.Count ? practices : w.Unit, start.AddMonths(w.Month), start.AddMonths(w.Month + 1), w.View))));
            return read.ToDictionary(r => (r.Item1, r.Item2, r.Month), r => r.Item4);
        }

        var leaves = await Read(units.SelectMany(u => Enumerable.Range(0, length).Select(i => (view, u, i))));
        if (units.Count == 1)
        {
            area = [string.Join(',', units[0])];
        }

        var lattice = new ReportLattice(leaves, start, scope, costs, measures);
        if (hidden is not null)
        {
            return lattice.ReportWith(view, area, start, end, hidden);
        }

        if (view == CellKey.Everyone)
        {
            // The providers' months each report of the lattice is audited against, read before any report is built.
            await lattice.AddProviderLeavesAsync(area, start, end, Read);
        }

        return lattice.ReportOf(view, area, start, end);
    }

    /// <summary>Whether a report is audited against every report inside it (some practices over a bounded calendar
    /// block); any other (open-ended, or not a block) is protected within itself only.</summary>
    public static bool AuditedInside(IReadOnlyCollection<string> practices, DateTimeOffset? from, DateTimeOffset? to) =>
        from is not null && to is not null && practices.Count > 0 && ReportQuery.IsCalendarBlock(from, to);

    /// <summary>The keys of the figures a protected report hides (by the primary rule and by the audit): what
    /// <see cref="ForAsync(IReadOnlyCollection{string}, Func{IReadOnlyCollection{string}, DateTimeOffset?, DateTimeOffset?, string, Task{EvidenceCell}}, string, DateTimeOffset?, DateTimeOffset?, ReportScope, ReportingOptions, MeasureCatalogue, IReadOnlySet{string}?)"/>
    /// needs to make it again from the same cells.</summary>
    public static IReadOnlyList<string> HiddenOf(EvidenceReport report) =>
        [.. report.Figures.Where(f => f.Value.Suppressed).Select(f => f.Key).Order(StringComparer.Ordinal)];

    /// <summary>The same over one view only, not audited against the providers' views.</summary>
    public static Task<EvidenceReport> ForAsync(IReadOnlyCollection<string> practices, Func<IReadOnlyCollection<string>, DateTimeOffset?, DateTimeOffset?, Task<EvidenceCell>> merge,
        DateTimeOffset? from, DateTimeOffset? to, ReportScope scope, ReportingOptions costs, MeasureCatalogue measures) =>
        ForAsync(practices, (p, f, t, _) => merge(p, f, t), OneView, from, to, scope, costs, measures);

    /// <summary>A view name no provider has: the lattice of a caller that gives one view only.</summary>
    private const string OneView = "\u0001one-view";

    private static int MonthsOf(DateTimeOffset from, DateTimeOffset to) => ((to.Year - from.Year) * 12) + to.Month - from.Month;

    /// <summary>The figures that, from acceptance on, are one provider's each: a view's figure is the sum of them over
    /// the views of the providers that accepted its referrals (the funnel from acceptance, times to acceptance and to
    /// a first session, outcomes, the comparison group, the cost offset, link work and engagement). Before acceptance
    /// (referred, why not accepted, time to a first answer) each provider's view counts its own offers, which overlap.</summary>
    public static bool FromAcceptanceOn(string key) =>
        !key.StartsWith("funnel-referred", StringComparison.Ordinal) && !key.StartsWith("drop:referred:", StringComparison.Ordinal)
        && !key.StartsWith("time-to-first-answer", StringComparison.Ordinal) && !key.StartsWith("time-to-provider-answer", StringComparison.Ordinal);

    /// <summary>One way of dividing a report: the reports of its parts, and whether they add up to it in every figure or
    /// only from acceptance on (the providers' views).</summary>
    private sealed record Division(IReadOnlyList<ReportNode> Parts, bool FromAcceptanceOnly);

    /// <summary>One report of the lattice and the reports directly inside it, one division per way of dividing it (by
    /// blocks of months, by practices, by providers).</summary>
    /// <param name="Id">A short name for the report's figures in an audit (the report's own are unnamed).</param>
    /// <remarks>Only names: what a report above it needs of it (its figures' numbers, its part of an audit) is worked out
    /// when it is built and kept by the lattice, and its report and cell are let go, so that a lattice of thousands of
    /// reports holds numbers, not reports.</remarks>
    private sealed record ReportNode(string Name, string Id, IReadOnlyList<Division> Divisions)
    {
        /// <summary>Every report inside this one, each once (the lattice has many paths to each).</summary>
        public IReadOnlyList<ReportNode> Below
        {
            get
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                var below = new List<ReportNode>();
                var waiting = new Stack<ReportNode>(Divisions.SelectMany(d => d.Parts));
                while (waiting.TryPop(out var node))
                {
                    if (seen.Add(node.Name))
                    {
                        below.Add(node);
                        foreach (var part in node.Divisions.SelectMany(d => d.Parts))
                        {
                            waiting.Push(part);
                        }
                    }
                }

                return below;
            }
        }
    }

    /// <summary>Every report inside one: each practice alone and the set, each block of months inside the period, and
    /// (in the view of every offer) each provider's view of the same practices and months.</summary>
    private sealed class ReportLattice(Dictionary<(string View, string Practice, int Month), EvidenceCell> leaves, DateTimeOffset first, ReportScope scope, ReportingOptions costs, MeasureCatalogue measures)
    {
        private readonly Dictionary<string, ReportNode> _built = new(StringComparer.Ordinal);
        private readonly Dictionary<string, EvidenceCell> _cells = new(StringComparer.Ordinal);

        /// <summary>The practices' blocks of months inside a block: its halves, quarters or months, recursively.</summary>
        private static IEnumerable<(DateTimeOffset From, DateTimeOffset To)> Blocks(DateTimeOffset from, DateTimeOffset to)
        {
            yield return (from, to);
            var length = MonthsOf(from, to);
            if (length > 1)
            {
                var step = Step(length);
                for (var i = 0; i < length / step; i++)
                {
                    foreach (var inner in Blocks(from.AddMonths(i * step), from.AddMonths((i + 1) * step)))
                    {
                        yield return inner;
                    }
                }
            }
        }

        private static int Step(int length) => length switch { 12 => 6, 6 => 3, _ => 1 };

        /// <summary>The providers a view-of-every-offer report is audited against: those that accepted its referrals, when
        /// there are no more than <see cref="DisclosureOptions.ProvidersAuditedUpTo"/> (a function of the report alone).</summary>
        private IReadOnlyList<string> ProvidersOf(EvidenceCell cell) =>
            cell.AcceptedBy.Count <= costs.Disclosure.ProvidersAuditedUpTo ? [.. cell.AcceptedBy.Keys.Order(StringComparer.Ordinal)] : [];

        /// <summary>Reads the provider months every report of the lattice needs: for each report and each provider it is
        /// audited against, that provider's cells of the report's practices and months.</summary>
        public async Task AddProviderLeavesAsync(List<string> area, DateTimeOffset from, DateTimeOffset to,
            Func<IEnumerable<(string View, IReadOnlyList<string> Unit, int Month)>, Task<Dictionary<(string, string, int), EvidenceCell>>> read)
        {
            var areas = area.Count > 1 ? area.Select(p => (IReadOnlyList<string>)[p]).Prepend(area) : [area];
            var wanted = new HashSet<(string View, string Unit, int Month)>();
            foreach (var places in areas)
            {
                foreach (var (start, end) in Blocks(from, to))
                {
                    foreach (var provider in ProvidersOf(CellOf(CellKey.Everyone, places, start, end)))
                    {
                        foreach (var unit in places)
                        {
                            for (var month = MonthsOf(first, start); month < MonthsOf(first, end); month++)
                            {
                                wanted.Add((provider, unit, month));
                            }
                        }
                    }
                }
            }

            foreach (var (key, cell) in await read(wanted.Select(w => (w.View, (IReadOnlyList<string>)w.Unit.Split(','), w.Month))))
            {
                leaves[key] = cell;
            }
        }

        /// <summary>The merge of a view's leaves over these practices and months.</summary>
        private EvidenceCell CellOf(string view, IReadOnlyList<string> area, DateTimeOffset from, DateTimeOffset to)
        {
            var name = NameOf(view, area, from, to);
            if (_cells.TryGetValue(name, out var done))
            {
                return done;
            }

            var (firstMonth, endMonth) = (MonthsOf(first, from), MonthsOf(first, to));
            EvidenceCell merged;
            if (area.Count == 1 && endMonth - firstMonth == 1)
            {
                merged = leaves[(view, area[0], firstMonth)];
            }
            else
            {
                merged = new EvidenceCell();
                foreach (var place in area)
                {
                    for (var month = firstMonth; month < endMonth; month++)
                    {
                        merged.Merge(leaves[(view, place, month)]);
                    }
                }

                merged = merged.Pruned();
            }

            _cells[name] = merged;
            return merged;
        }

        private static string NameOf(string view, IReadOnlyList<string> area, DateTimeOffset from, DateTimeOffset to) =>
            $"{view}:{string.Join(',', area)}@{from:yyyy-MM}+{MonthsOf(from, to)}";

        private string? _wanted;
        private EvidenceReport? _report;

        /// <summary>The report of these practices and months in this view with these figures hidden: the top of the
        /// lattice when they are what its audit hid (hiding one the primary rule hid already changes nothing).</summary>
        public EvidenceReport ReportWith(string view, IReadOnlyList<string> area, DateTimeOffset from, DateTimeOffset to, IReadOnlySet<string> hidden)
        {
            var own = Unprotected(CellOf(view, area, from, to), scope, costs, measures);
            return Hiding(own, own.Figures, hidden).Report;
        }

        /// <summary>The protected report of these practices and months in this view: the top of the lattice.</summary>
        public EvidenceReport ReportOf(string view, IReadOnlyList<string> area, DateTimeOffset from, DateTimeOffset to)
        {
            _wanted = NameOf(view, area, from, to);
            Node(view, area, from, to);
            return _report!;
        }

        private ReportNode Node(string view, IReadOnlyList<string> area, DateTimeOffset from, DateTimeOffset to)
        {
            var length = MonthsOf(from, to);
            var name = NameOf(view, area, from, to);
            if (_built.TryGetValue(name, out var done))
            {
                return done;
            }

            var merged = CellOf(view, area, from, to);
            var own = Unprotected(merged, scope, costs, measures);
            var ownFigures = own.Figures;
            var id = _built.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (ownFigures.Values.All(f => f.IsZero))
            {
                // No one: it hides nothing, and it adds nothing to an audit above it (every figure of it is a zero in
                // every sum it is in, and the reports inside it are empty too). Half of a lattice is empty: a
                // provider's view of one practice in a month it had no offers from there.
                _cells.Remove(name);
                _empty.Add(name);
                if (name == _wanted)
                {
                    _report = own;
                }

                return _built[name] = new ReportNode(name, id, []);
            }

            var divisions = new List<Division>();
            if (length > 1)
            {
                // The blocks directly inside: a year's halves, a half-year's quarters, a quarter's months.
                var step = Step(length);
                divisions.Add(new([.. Enumerable.Range(0, length / step).Select(i => Node(view, area, from.AddMonths(i * step), from.AddMonths((i + 1) * step)))], false));
            }

            if (area.Count > 1)
            {
                divisions.Add(new([.. area.Select(p => Node(view, [p], from, to))], false));
            }

            if (view == CellKey.Everyone && ProvidersOf(merged) is { Count: > 0 } providers)
            {
                divisions.Add(new([.. providers.Select(p => Node(p, area, from, to))], true));
            }

            // The merge is not needed again once its report is made (a report above merges the months it covers).
            _cells.Remove(name);
            // A report with nothing inside it is audited alone, over the lattice's numbers all the same.
            var ownSums = own.Sums;
            var (report, figures) = Against(name, own, ownFigures, ownSums, divisions);
            if (name == _wanted)
            {
                // The top: no report above it needs its numbers.
                _report = report;
            }
            else
            {
                _ids[name] = IdsOf(id, figures);
                // The same sums as its unprotected report's: hiding changes figures, not what adds up.
                _audits[name] = InsidePart(id, _ids[name], ownSums, figures, divisions, name);
            }

            _divided.Remove(name);
            var node = new ReportNode(name, id, divisions);
            _built[name] = node;
            return node;
        }

        /// <summary>A report's part of an audit, worked out once per report of the lattice: its figures and its sums
        /// (named under the report), the zeros its parts lack, and the sums of each division of it, numbered among the
        /// lattice's figures.</summary>
        private sealed record AuditPart(int[] Figures, int[] NonZero, int[] Zeros, AuditSums Sums, AuditSums SumsFurtherIn, AuditSums Divided);

        private readonly Dictionary<string, AuditPart> _audits = new(StringComparer.Ordinal);

        /// <summary>The reports of the lattice with no one in them (every figure a zero).</summary>
        private readonly HashSet<string> _empty = new(StringComparer.Ordinal);

        /// <summary>Every figure of the lattice's reports, numbered once (a report's own, unnamed, by the one being audited).</summary>
        private readonly AuditFigures _numbered = new();

        /// <summary>Each report's figures by key, numbered under the report's id (<c>{id}/{key}</c>) once it is built,
        /// with the zeros of keys it lacks that a report above it asked for.</summary>
        private readonly Dictionary<string, Dictionary<string, int>> _ids = new(StringComparer.Ordinal);

        /// <summary>Each report's division sums (a key and the numbers of its parts' figures) and the zeros they need,
        /// the same whether the report is audited itself or inside another.</summary>
        private readonly Dictionary<string, (List<(string Key, int[] Parts)> Sums, List<int> Zeros)> _divided = new(StringComparer.Ordinal);

        /// <summary>Names under a report's id that are not among its figures, numbered once each: the zeros reports
        /// above it need for keys it lacks, and the keys its own sums name that it lacks (the same number when both).</summary>
        private readonly Dictionary<string, Dictionary<string, int>> _lacking = new(StringComparer.Ordinal);

        /// <summary>A report's figures numbered under its id, once, when it is built.</summary>
        private Dictionary<string, int> IdsOf(string id, IReadOnlyDictionary<string, Figure> figures)
        {
            var ids = new Dictionary<string, int>(figures.Count, StringComparer.Ordinal);
            foreach (var (made, figure) in figures)
            {
                // Every report makes its own key strings; the lattice keeps one of each (thousands of reports, the same
                // few hundred keys).
                if (!_keys.TryGetValue(made, out var key))
                {
                    _keys[made] = key = made;
                }

                ids[key] = _numbered.Add(id, key, figure);
            }

            return ids;
        }

        private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);

        /// <summary>The number of <c>{id}/{key}</c> for a key the report <paramref name="id"/> lacks.</summary>
        private int LackingOf(string id, string key)
        {
            if (!_lacking.TryGetValue(id, out var lacking))
            {
                _lacking[id] = lacking = new Dictionary<string, int>(StringComparer.Ordinal);
            }

            if (!lacking.TryGetValue(key, out var number))
            {
                lacking[key] = number = _numbered.Add(id, key, default);
            }

            return number;
        }

        private (List<(string Key, int[] Parts)> Sums, List<int> Zeros) DividedOf(string name, IReadOnlyDictionary<string, Figure> figures, IReadOnlyList<Division> divisions)
        {
            if (_divided.TryGetValue(name, out var done))
            {
                return done;
            }

            var sums = new List<(string Key, int[] Parts)>();
            var zeros = new List<int>();
            foreach (var division in divisions)
            {
                // An empty report inside is left out of the sums: its parts would all be zeros.
                var inside = division.Parts.Where(p => !_empty.Contains(p.Name)).ToList();
                var children = inside.Select(p => _ids[p.Name]).ToList();
                foreach (var key in figures.Keys.Where(k => !division.FromAcceptanceOnly || FromAcceptanceOn(k)))
                {
                    var parts = new int[children.Count];
                    for (var c = 0; c < children.Count; c++)
                    {
                        if (!children[c].TryGetValue(key, out parts[c]))
                        {
                            // Not in the report inside: none there (a reason no one had that month).
                            parts[c] = LackingOf(inside[c].Id, key);
                            _numbered.Set(parts[c], new Figure(0, 0));
                            zeros.Add(parts[c]);
                        }
                    }

                    sums.Add((key, parts));
                }
            }

            return _divided[name] = (sums, zeros);
        }

        /// <summary>The audited report's own part of its audit, whole: its figures (unnamed: its own keys, not yet
        /// protected), the zeros its parts lack, its sums and the sums of each division of it.</summary>
        private (int[] Figures, int[] Zeros, AuditSums Sums) OwnPart(Dictionary<string, int> ids, IReadOnlyList<AdditiveGroup> reportSums, IReadOnlyDictionary<string, Figure> figures, IReadOnlyList<Division> divisions, string name)
        {
            int Id(string key) => ids.TryGetValue(key, out var id) ? id : _numbered.IdOf(key);
            var (sums, zeros) = DividedOf(name, figures, divisions);
            List<AuditSum> groups = [.. reportSums.Select(g => new AuditSum(Id(g.Total), [.. g.Parts.Select(Id)])), .. sums.Select(d => new AuditSum(ids[d.Key], d.Parts))];
            return ([.. ids.Values], [.. zeros], new AuditSums(groups));
        }

        /// <summary>A report's part of the audits of reports above it, named under its id. SecondarySuppression leaves
        /// out of an audit every zero but those of the audited report's own sums (a zero is exact and never narrows),
        /// and those are the figures of that report and of the reports directly inside it: so the zeros are left out
        /// here once, for a report further inside (most of a lattice's figures are zeros), and kept for one directly
        /// inside (its own sums whole; its division sums are a level further in).</summary>
        private AuditPart InsidePart(string reportId, Dictionary<string, int> ids, IReadOnlyList<AdditiveGroup> reportSums, IReadOnlyDictionary<string, Figure> figures, IReadOnlyList<Division> divisions, string name)
        {
            int Id(string key) => ids.TryGetValue(key, out var id) ? id : LackingOf(reportId, key);
            bool Zero(int id) => _numbered.FigureOf(id).IsZero;
            var (sums, zeros) = DividedOf(name, figures, divisions);
            var whole = reportSums.Select(g => new AuditSum(Id(g.Total), [.. g.Parts.Select(Id)])).ToList();
            // A zero of its own leaves its sums (one whose total is a zero says nothing); a key it lacks stays, as
            // whether it is present depends on the reports above.
            var own = new HashSet<int>(ids.Values);
            var further = whole.Where(g => !(own.Contains(g.Total) && Zero(g.Total)))
                .Select(g => g with { Parts = [.. g.Parts.Where(p => !(own.Contains(p) && Zero(p)))] }).ToList();
            var divided = sums.Where(d => !Zero(ids[d.Key])).Select(d => new AuditSum(ids[d.Key], [.. d.Parts.Where(p => !Zero(p))])).ToList();
            return new AuditPart([.. ids.Values], [.. ids.Values.Where(i => !Zero(i))], [.. zeros], new AuditSums(whole), new AuditSums(further), new AuditSums(divided));
        }

        /// <summary>The report with what it must hide so that no figure hidden in a report inside it is pinned.</summary>
        private (EvidenceReport Report, IReadOnlyDictionary<string, Figure> Figures) Against(string name, EvidenceReport own, IReadOnlyDictionary<string, Figure> figures, IReadOnlyList<AdditiveGroup> sums, IReadOnlyList<Division> divisions)
        {
            var mine = OwnPart(figures.ToDictionary(f => f.Key, f => _numbered.Set(f.Key, f.Value), StringComparer.Ordinal), sums, figures, divisions, name);
            var direct = divisions.SelectMany(d => d.Parts).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            var below = new ReportNode(string.Empty, string.Empty, divisions).Below.Where(n => !_empty.Contains(n.Name))
                .Select(n => (Part: _audits[n.Name], Direct: direct.Contains(n.Name))).ToList();
            if (name == _wanted)
            {
                // The last and largest audit: every report inside is built, so their cells and names can go before it.
                leaves.Clear();
                _cells.Clear();
                _ids.Clear();
                _lacking.Clear();
            }

            List<IReadOnlyList<int>> present = [mine.Figures, .. below.Select(b => b.Direct ? b.Part.Figures : b.Part.NonZero), mine.Zeros, .. below.Select(b => b.Part.Zeros)];
            List<AuditSums> audited = [mine.Sums];
            foreach (var (part, isDirect) in below)
            {
                audited.Add(isDirect ? part.Sums : part.SumsFurtherIn);
                audited.Add(part.Divided);
            }

            var hide = SecondarySuppression.Hide(_numbered, present, [.. sums.Select(_numbered.Sum)], audited, costs.Rule).Select(_numbered.KeyOf).ToHashSet(StringComparer.Ordinal);
            return Hiding(own, figures, hide);
        }
    }

    private static EvidenceReport Unprotected(EvidenceCell cell, ReportScope scope, ReportingOptions costs, MeasureCatalogue measures)
    {
        var rule = costs.Rule;
        var (timeliness, bins) = ReportTimeliness.FromHistograms(cell, rule);
        var outcomes = measures.ReportedAs(MeasureReporting.Outcome).ToList();
        return new EvidenceReport(
            scope,
            ReferralFunnel.StagesOf(cell.Referred, cell.Accepted, cell.Engaged, cell.FollowedUp, cell.Responded, rule),
            ReferralFunnel.DropsOf(new DropCounts(cell.AllDeclined, cell.NoProvider, cell.WithdrawnBeforeAcceptance, cell.InProgress, cell.Declines,
                cell.WithdrawnAfterAcceptance, cell.DidNotAttend, cell.OptedOutBeforeSurvey, cell.NotYetDue, cell.NoResponse, cell.OptedOut, cell.SurveyOpen), rule),
            timeliness,
            bins,
            outcomes.Select(m => OutcomeChanges.FromSums(cell.Outcomes.GetValueOrDefault(m.Code), m, rule)).ToList(),
            measures.ReportedAs(MeasureReporting.NhsUse).Select(m => OutcomeChanges.FromSums(cell.Outcomes.GetValueOrDefault(m.Code), m, rule)).ToList(),
            outcomes.Select(m => OutcomeChanges.FromSums(cell.Comparison.GetValueOrDefault(m.Code), m, rule)).ToList(),
            rule.Count(cell.ComparisonGroup),
            CostOffset.FromChanges(cell.NhsUseChanges, costs),
            rule,
            LinkWorkFigures.FromCell(cell, rule, measures),
            EngagementFigures.FromCell(cell, rule));
    }

    public static EvidenceReport Build(IReadOnlyList<EvidenceRow> rows, ReportScope scope, ReportingOptions costs, MeasureCatalogue measures)
    {
        var rule = costs.Rule;
        // Onward connections are the same people again: counted on their parents' rows, never as referrals.
        rows = rows.Where(r => !r.IsConnection).ToList();
        var funnel = new ReferralFunnel(rows, rule);
        var (timeliness, bins) = ReportTimeliness.Of(rows, funnel.Accepted, rule);

        // The comparison group: people followed up who did not take part, whether declined or never attending. Not
        // randomised: they differ from those who took part in ways the hub cannot see.
        var comparison = rows.Where(r => !ReferralFunnel.TookUp(r) && r.FollowUpResult == FollowUpResult.Answered).ToList();
        // Attrition counts people whose follow-up is over; those still waiting have not had the chance to answer.
        var finished = funnel.Engaged.Where(r => r.FollowUpResult is FollowUpResult.Answered or FollowUpResult.NoResponse or FollowUpResult.OptedOut).ToList();
        var outcomes = measures.ReportedAs(MeasureReporting.Outcome).ToList();
        // Link work and engagement: the same sums the cells keep, over these rows.
        var cell = EvidenceCells.Of(rows, measures).Merge(rows.Select(r => r.PracticeOds).Distinct(StringComparer.Ordinal), null, null);

        return Protected(new EvidenceReport(
            scope,
            funnel.Stages(),
            funnel.Drops(),
            timeliness,
            bins,
            outcomes.Select(m => OutcomeChange.Of(finished, m, rule)).ToList(),
            measures.ReportedAs(MeasureReporting.NhsUse).Select(m => OutcomeChange.Of(finished, m, rule)).ToList(),
            outcomes.Select(m => OutcomeChange.Of(comparison, m, rule)).ToList(),
            rule.Count(comparison.Count),
            CostOffset.Of(finished, costs),
            rule,
            LinkWorkFigures.FromCell(cell, rule, measures),
            EngagementFigures.FromCell(cell, rule)));
    }

    /// <summary>The sums that hold between the funnel's figures, as data: each stage is the next stage plus the reasons
    /// referrals stopped there or are still on the way; the days-to-acceptance bins add up to the people accepted, who
    /// are also the people timed to acceptance.</summary>
    public static readonly IReadOnlyList<AdditiveGroup> FunnelSums =
    [
        new("funnel-referred", ["funnel-accepted", "drop:referred:all-declined", "drop:referred:no-provider", "drop:referred:cancelled", "drop:referred:in-progress"]),
        new("funnel-accepted", ["funnel-engaged", "drop:accepted:cancelled", "drop:accepted:did-not-attend"]),
        new("funnel-engaged", ["funnel-followed-up", "drop:engaged:opted-out", "drop:engaged:not-yet-due"]),
        new("funnel-followed-up", ["funnel-responded", "drop:followed-up:no-response", "drop:followed-up:opted-out", "drop:followed-up:survey-open"]),
        new("time-to-acceptance", [.. ReportTimeliness.TimeToAcceptBinEdges.Select((_, i) => $"days-bin-{i}")]),
        new("funnel-accepted", ["time-to-acceptance"]),
    ];

    /// <summary>Every sum this report publishes (<see cref="FunnelSums"/>, and for each measure the people with both
    /// answers = improved + unchanged + worse): the groups secondary suppression protects. A figure added to the report
    /// is protected by naming its key (<see cref="Map"/>) in a group here.</summary>
    public IReadOnlyList<AdditiveGroup> Sums =>
    [
        .. FunnelSums,
        .. Outcomes.Concat(NhsUse).Select(c => Directions(c, "took-up")),
        .. ComparisonOutcomes.Select(c => Directions(c, "comparison-group")),
        .. EngagementFigures.Sums,
        // The link workers' assessments and the onward comparison print improved, unchanged and worse beside their
        // paired count too: the same sums, so one hidden direction cannot be had from the other three.
        .. LinkWork.Assessments.Select(c => Directions(c, "link-worker-assessment")),
        .. LinkWork.Onward.TookUp.Select(c => Directions(c, "onward-took-up")),
        .. LinkWork.Onward.None.Select(c => Directions(c, "onward-none")),
    ];

    /// <summary>Every count in the report by its key (the MeasureReport's codes): the figures secondary suppression sees.</summary>
    public IReadOnlyDictionary<string, Figure> Figures
    {
        get
        {
            var figures = new Dictionary<string, Figure>(StringComparer.Ordinal);
            Map((key, figure) => figures[key] = figure);
            return figures;
        }
    }

    private static AdditiveGroup Directions(OutcomeChange change, string group) =>
        new($"{change.Code}+{group}|measure-population", [$"{change.Code}+{group}|improved", $"{change.Code}+{group}|unchanged", $"{change.Code}+{group}|worse"]);

    /// <summary>The report with every count passed through <paramref name="map"/> with its key: the one place that names
    /// the report's figures, for <see cref="Figures"/> and for hiding them. A figure printed twice (a stage and the next
    /// stage's denominator) has one key.</summary>
    public EvidenceReport Map(Func<string, Figure, Figure> map)
    {
        OutcomeChange Change(OutcomeChange c, string group)
        {
            Figure F(string part, Figure f) => map($"{c.Code}+{group}|{part}", f);
            return c with
            {
                Paired = F("measure-population", c.Paired),
                BaselineOnly = F("baseline-only", c.BaselineOnly),
                FollowUpOnly = F("follow-up-only", c.FollowUpOnly),
                Improved = F("improved", c.Improved),
                Unchanged = F("unchanged", c.Unchanged),
                Worse = F("worse", c.Worse),
            };
        }

        var link = LinkWork;
        var lines = link.Lines.ToDictionary(l => l.Code, l => map(l.Code, l.Count), StringComparer.Ordinal);
        return this with
        {
            Funnel = Funnel.Select((s, i) => s with
            {
                Count = map($"funnel-{s.Code}", s.Count),
                Previous = s.Previous is { } p && i > 0 ? map($"funnel-{Funnel[i - 1].Code}", p) : s.Previous,
            }).ToList(),
            Drops = Drops.Select(d => d with { Count = map($"drop:{d.AfterStage}:{d.Code}", d.Count) }).ToList(),
            Timeliness = Timeliness.Select(t => t with { N = map($"time-to-{t.Code}", t.N) }).ToList(),
            TimeToAcceptBins = TimeToAcceptBins.Select((b, i) => map($"days-bin-{i}", b)).ToList(),
            Outcomes = Outcomes.Select(c => Change(c, "took-up")).ToList(),
            NhsUse = NhsUse.Select(c => Change(c, "took-up")).ToList(),
            ComparisonOutcomes = ComparisonOutcomes.Select(c => Change(c, "comparison-group")).ToList(),
            ComparisonGroup = map("comparison-group", ComparisonGroup),
            Cost = Cost with { N = map("cost-offset-3m", Cost.N) },
            LinkWork = link with
            {
                People = lines["link-work-people"],
                Contacts = lines["link-work-contacts"],
                FirstContacts = lines["link-work-first-contact"],
                Connections = lines["link-work-connections"],
                ConnectionsTakenUp = lines["link-work-connections-taken-up"],
                PeopleConnected = lines["link-work-people-connected"],
                GoalsSet = lines["link-work-goals-set"],
                GoalsMet = lines["link-work-goals-met"],
                ConnectionsStarted = lines["link-work-connections-started"],
                PeopleAssessed = lines["link-work-people-assessed"],
                Assessments = link.Assessments.Select(c => Change(c, "link-worker-assessment")).ToList(),
                Onward = link.Onward with
                {
                    TookUpPeople = map("onward-took-up-people", link.Onward.TookUpPeople),
                    NonePeople = map("onward-none-people", link.Onward.NonePeople),
                    TookUp = link.Onward.TookUp.Select(c => Change(c, "onward-took-up")).ToList(),
                    None = link.Onward.None.Select(c => Change(c, "onward-none")).ToList(),
                },
            },
            Engagement = Engagement.Map(map),
        };
    }

    /// <summary>The report under the whole disclosure rule: the primary rule has hidden small counts as each figure was
    /// made; here <see cref="SecondarySuppression"/> hides the figures that would let a sum give one of them back. Every
    /// output prints the result, so the page, the MeasureReport and the charts hide the same figures.</summary>
    private static EvidenceReport Protected(EvidenceReport report) => Protected(report, report.Figures).Report;

    /// <summary>The same, given the report's figures; with the protected report's figures, so that a lattice of reports
    /// works each report's figures out once.</summary>
    private static (EvidenceReport Report, IReadOnlyDictionary<string, Figure> Figures) Protected(EvidenceReport report, IReadOnlyDictionary<string, Figure> figures) =>
        Hiding(report, figures, SecondarySuppression.Hide(figures, report.Sums, report.Rule));

    private static (EvidenceReport Report, IReadOnlyDictionary<string, Figure> Figures) Hiding(EvidenceReport report, IReadOnlyDictionary<string, Figure> figures, IReadOnlySet<string> hide) =>
        hide.Count == 0 ? (report, figures) : (report.Map((key, figure) => hide.Contains(key) ? figure.Hidden() : figure),
            figures.ToDictionary(f => f.Key, f => hide.Contains(f.Key) ? f.Value.Hidden() : f.Value, StringComparer.Ordinal));
}

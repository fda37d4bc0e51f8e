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
    /// of its quarters, a year of its halves, and a set of practices (a scheme) the sum of its practices. Each of those
    /// is built the same way whoever asks, from the same practices' months, so a figure hidden in one is hidden in every
    /// report of it; the larger report then hides what would pin a figure hidden in a report inside it
    /// (<see cref="SecondarySuppression"/> over all of them at once, hiding only the larger report's own figures). Any
    /// other period (open-ended, or not a block) is protected within itself only.</summary>
    /// <param name="merge">The merged cell of these practices in the months from the first day (inclusive) to the second
    /// (exclusive; null: without that end).</param>
    public static async Task<EvidenceReport> ForAsync(IReadOnlyCollection<string> practices, Func<IReadOnlyCollection<string>, DateTimeOffset?, DateTimeOffset?, Task<EvidenceCell>> merge,
        DateTimeOffset? from, DateTimeOffset? to, ReportScope scope, ReportingOptions costs, MeasureCatalogue measures)
    {
        if (from is not { } start || to is not { } end || practices.Count == 0 || !ReportQuery.IsCalendarBlock(from, to)
            || (MonthsOf(start, end) == 1 && (practices.Count <= 1 || practices.Count > costs.Disclosure.PracticesAuditedUpTo)))
        {
            return FromCell(await merge(practices, from, to), scope, costs, measures);
        }

        // Divided by practice up to a limit: past it (a region, the whole hub) the practices' reports are not audited
        // with it, and the set is one unit divided by months only.
        var area = practices.Order(StringComparer.Ordinal).ToList();
        var units = area.Count <= costs.Disclosure.PracticesAuditedUpTo ? area.Select(p => (IReadOnlyList<string>)[p]).ToList() : [area];
        var length = MonthsOf(start, end);
        var leaves = new Dictionary<(string, int), EvidenceCell>();
        var cells = await Task.WhenAll(units.SelectMany(u => Enumerable.Range(0, length).Select(async i => (string.Join(',', u), i, await merge(u.Count == area.Count ? practices : u, start.AddMonths(i), start.AddMonths(i + 1))))));
        foreach (var (unit, month, cell) in cells)
        {
            leaves[(unit, month)] = cell;
        }

        if (units.Count == 1)
        {
            area = [string.Join(',', units[0])];
        }

        var lattice = new ReportLattice(leaves, start, scope, costs, measures);
        return lattice.Node(area, start, end).Report;
    }

    private static int MonthsOf(DateTimeOffset from, DateTimeOffset to) => ((to.Year - from.Year) * 12) + to.Month - from.Month;

    /// <summary>One report of the lattice and the reports directly inside it, one list per way of dividing it (by
    /// blocks of months, by practices).</summary>
    private sealed record ReportNode(string Name, EvidenceCell Cell, EvidenceReport Report, IReadOnlyList<IReadOnlyList<ReportNode>> Divisions)
    {
        public IEnumerable<ReportNode> Below => Divisions.SelectMany(d => d).SelectMany(c => c.Below.Prepend(c));
    }

    /// <summary>Every report inside one: each practice alone and the set, each block of months inside the period.</summary>
    private sealed class ReportLattice(Dictionary<(string Practice, int Month), EvidenceCell> leaves, DateTimeOffset first, ReportScope scope, ReportingOptions costs, MeasureCatalogue measures)
    {
        private readonly Dictionary<string, ReportNode> _built = new(StringComparer.Ordinal);

        public ReportNode Node(IReadOnlyList<string> area, DateTimeOffset from, DateTimeOffset to)
        {
            var length = MonthsOf(from, to);
            var name = $"{string.Join(',', area)}@{from:yyyy-MM}+{length}";
            if (_built.TryGetValue(name, out var done))
            {
                return done;
            }

            var divisions = new List<IReadOnlyList<ReportNode>>();
            if (length > 1)
            {
                // The blocks directly inside: a year's halves, a half-year's quarters, a quarter's months.
                var step = length switch { 12 => 6, 6 => 3, _ => 1 };
                divisions.Add([.. Enumerable.Range(0, length / step).Select(i => Node(area, from.AddMonths(i * step), from.AddMonths((i + 1) * step)))]);
            }

            if (area.Count > 1)
            {
                divisions.Add([.. area.Select(p => Node([p], from, to))]);
            }

            var merged = new EvidenceCell();
            if (divisions.Count == 0)
            {
                merged = leaves[(area[0], MonthsOf(first, from))];
            }
            else
            {
                foreach (var child in divisions[0])
                {
                    merged.Merge(child.Cell);
                }

                merged = merged.Pruned();
            }

            var own = Unprotected(merged, scope, costs, measures);
            var node = divisions.Count == 0 ? new ReportNode(name, merged, Protected(own), []) : new ReportNode(name, merged, Against(own, divisions), divisions);
            _built[name] = node;
            return node;
        }

        /// <summary>The report with what it must hide so that no figure hidden in a report inside it is pinned.</summary>
        private EvidenceReport Against(EvidenceReport own, IReadOnlyList<IReadOnlyList<ReportNode>> divisions)
        {
            var self = new ReportNode(string.Empty, new EvidenceCell(), own, divisions);
            var nodes = self.Below.DistinctBy(n => n.Name, StringComparer.Ordinal).Prepend(self).ToList();
            var figures = new Dictionary<string, Figure>(StringComparer.Ordinal);
            var audited = new List<AdditiveGroup>();
            static string Key(ReportNode node, string key) => node.Name.Length == 0 ? key : $"{node.Name}/{key}";
            foreach (var node in nodes)
            {
                foreach (var (key, figure) in node.Report.Figures)
                {
                    figures[Key(node, key)] = figure;
                }

                audited.AddRange(node.Report.Sums.Select(g => new AdditiveGroup(Key(node, g.Total), [.. g.Parts.Select(p => Key(node, p))])));
            }

            foreach (var node in nodes)
            {
                foreach (var children in node.Divisions)
                {
                    foreach (var key in node.Report.Figures.Keys)
                    {
                        foreach (var child in children.Where(c => !c.Report.Figures.ContainsKey(key)))
                        {
                            // Not in the report inside: none there (a reason no one had that month).
                            figures.TryAdd(Key(child, key), new Figure(0, 0));
                        }

                        audited.Add(new AdditiveGroup(Key(node, key), [.. children.Select(c => Key(c, key))]));
                    }
                }
            }

            var mine = own.Figures;
            var hide = SecondarySuppression.Hide(figures, own.Sums, audited, mine.ContainsKey, costs.Rule);
            return hide.Count == 0 ? own : own.Map((key, figure) => hide.Contains(key) ? figure.Hidden() : figure);
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
            },
        };
    }

    /// <summary>The report under the whole disclosure rule: the primary rule has hidden small counts as each figure was
    /// made; here <see cref="SecondarySuppression"/> hides the figures that would let a sum give one of them back. Every
    /// output prints the result, so the page, the MeasureReport and the charts hide the same figures.</summary>
    private static EvidenceReport Protected(EvidenceReport report)
    {
        var hide = SecondarySuppression.Hide(report.Figures, report.Sums, report.Rule);
        return hide.Count == 0 ? report : report.Map((key, figure) => hide.Contains(key) ? figure.Hidden() : figure);
    }
}

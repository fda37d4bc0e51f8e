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
    public static EvidenceReport FromCell(EvidenceCell cell, ReportScope scope, ReportingOptions costs, MeasureCatalogue measures)
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

        return new EvidenceReport(
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
            EngagementFigures.FromCell(cell, rule));
    }
}

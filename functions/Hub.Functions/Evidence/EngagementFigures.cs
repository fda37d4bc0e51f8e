namespace Hub.Evidence;

/// <summary>Where an engagement figure comes from: the two are never added together or set against each other as one.</summary>
public enum EngagementSource
{
    /// <summary>What the accepting provider reported on the handover page or through the provider API.</summary>
    Provider,
    /// <summary>What the person said in their follow-up survey.</summary>
    Person,
}

/// <summary>What an engagement line's second figure is.</summary>
public enum EngagementStatistic
{
    None,
    /// <summary>The median, in whole days.</summary>
    MedianDays,
    /// <summary>The median number of sessions per person.</summary>
    MedianSessions,
}

/// <summary>One line of <see cref="EngagementFigures"/>: a code (in the hub's <c>sp-evidence</c> CodeSystem, naming its
/// source: <c>engagement-provider-…</c> or <c>engagement-person-…</c>), a label,
/// its source, the people counted and, for some, a median (null when withheld for too few people).</summary>
public sealed record EngagementLine(string Code, string Label, EngagementSource Source, Figure Count, EngagementStatistic Statistic, double? Value)
{
    /// <summary>The second figure as the page prints it: "–" when the line has none, "withheld" for too few people.</summary>
    public string ValueText(DisclosureRule rule) => Statistic switch
    {
        EngagementStatistic.None => "–",
        _ when Value is null => "withheld",
        _ => rule.DaysText(Value.Value),
    };
}

/// <summary>Engagement after acceptance, each figure labelled with its source: what the accepting providers reported
/// (progress reports: a first session attended, sessions attended so far, the person declining, the work finished or
/// stopped) beside what the people said at follow-up (attended or not, and how many sessions). Over accepted referrals;
/// counts under the <see cref="DisclosureRule"/>, medians only for enough people.</summary>
public sealed record EngagementFigures(IReadOnlyList<EngagementLine> ReportedByProviders, IReadOnlyList<EngagementLine> SaidByPeople)
{
    public IEnumerable<EngagementLine> Lines => ReportedByProviders.Concat(SaidByPeople);

    /// <summary>The sums between engagement figures and the funnel, as data (secondary suppression protects them, and
    /// an attacker could use them): each source's figures add up within that source only, and each to the funnel's own
    /// figure for the same people. A provider's figure is never added to a person's.</summary>
    public static readonly IReadOnlyList<AdditiveGroup> Sums =
    [
        // Providers: every accepted referral was reported on or not; each one reported on has one ending, or none yet.
        new("funnel-accepted", ["engagement-provider-reported", "engagement-provider-not-reported"]),
        new("engagement-provider-reported", ["engagement-provider-ongoing", "engagement-provider-declined", "engagement-provider-finished", "engagement-provider-stopped"]),
        // People: everyone who answered the follow-up said they attended, said they never did, or did not say.
        new("engagement-person-answered", ["engagement-person-attended", "engagement-person-not-attended", "engagement-person-attendance-not-said"]),
        // The funnel counts the same answers: those who responded are those who did not say they never attended.
        new("engagement-person-answered", ["funnel-responded", "engagement-person-not-attended"]),
        new("funnel-responded", ["engagement-person-attended", "engagement-person-attendance-not-said"]),
        new("drop:accepted:did-not-attend", ["engagement-person-not-attended"]),
    ];

    /// <summary>The same figures with every count passed through <paramref name="map"/> with its code.</summary>
    public EngagementFigures Map(Func<string, Figure, Figure> map) => new(
        [.. ReportedByProviders.Select(l => l with { Count = map(l.Code, l.Count) })],
        [.. SaidByPeople.Select(l => l with { Count = map(l.Code, l.Count) })]);

    public static EngagementFigures FromCell(EvidenceCell cell, DisclosureRule rule)
    {
        double? Median(Dictionary<double, int> histogram) =>
            rule.ShowsStatistics(Histogram.Total(histogram)) ? rule.Days(Histogram.Quantile(histogram, 0.5)) : null;
        EngagementLine Line(string code, string label, EngagementSource source, int count, EngagementStatistic statistic = EngagementStatistic.None, double? value = null) =>
            new(code, label, source, rule.Count(count), statistic, value);

        return new EngagementFigures(
        [
            Line("engagement-provider-reported", "Accepted referrals the provider reported progress on", EngagementSource.Provider, cell.ProviderReported),
            Line("engagement-provider-not-reported", "Accepted referrals the provider has reported nothing on", EngagementSource.Provider, cell.Accepted - cell.ProviderReported),
            Line("engagement-provider-attended", "Attended at least one session", EngagementSource.Provider, cell.ProviderAttended),
            Line("engagement-provider-first-session", "First session attended, with its date: days from acceptance", EngagementSource.Provider,
                Histogram.Total(cell.DaysToFirstSessionAttended), EngagementStatistic.MedianDays, Median(cell.DaysToFirstSessionAttended)),
            Line("engagement-provider-sessions", "Sessions attended so far, as last reported: sessions per person", EngagementSource.Provider,
                Histogram.Total(cell.SessionsReported), EngagementStatistic.MedianSessions, Median(cell.SessionsReported)),
            Line("engagement-provider-declined", "Declined after the provider accepted", EngagementSource.Provider, cell.ProviderDeclined),
            Line("engagement-provider-finished", "Finished with the provider", EngagementSource.Provider, cell.ProviderFinished),
            Line("engagement-provider-stopped", "Stopped before finishing", EngagementSource.Provider, cell.ProviderStopped),
            Line("engagement-provider-ongoing", "No ending reported yet", EngagementSource.Provider,
                cell.ProviderReported - cell.ProviderDeclined - cell.ProviderFinished - cell.ProviderStopped),
        ],
        [
            Line("engagement-person-answered", "Answered the follow-up", EngagementSource.Person, cell.PersonAnswered),
            Line("engagement-person-attended", "Said they attended", EngagementSource.Person, cell.PersonAttended),
            Line("engagement-person-sessions", "Said how many sessions they attended: sessions per person", EngagementSource.Person,
                Histogram.Total(cell.SessionsSaid), EngagementStatistic.MedianSessions, Median(cell.SessionsSaid)),
            Line("engagement-person-not-attended", "Said they never attended", EngagementSource.Person, cell.PersonNotAttended),
            Line("engagement-person-attendance-not-said", "Answered without saying whether they attended", EngagementSource.Person,
                cell.PersonAnswered - cell.PersonAttended - cell.PersonNotAttended),
        ]);
    }
}

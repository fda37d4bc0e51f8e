namespace Hub.Evidence;

/// <summary>How long something took, in days: withheld (null) under <see cref="DisclosureOptions.StatisticsFrom"/> people.</summary>
public sealed record Timeliness(string Code, string Label, Figure N, double? MedianDays, double? P90Days);

/// <summary>How quickly referrals moved: days from referral to a provider's first answer, to acceptance and to the
/// first session, and the spread of days to acceptance for the chart.</summary>
public static class ReportTimeliness
{
    /// <summary>The bins of the time-to-accept chart, in days from referral.</summary>
    public static readonly IReadOnlyList<(string Label, double UpToDays)> TimeToAcceptBinEdges =
    [
        ("under 1 day", 1), ("1–2 days", 3), ("3–6 days", 7), ("7–13 days", 14), ("14–27 days", 28), ("28 days or more", double.PositiveInfinity),
    ];

    public static (IReadOnlyList<Timeliness> Times, IReadOnlyList<Figure> TimeToAcceptBins) Of(IReadOnlyList<EvidenceRow> rows, IReadOnlyList<EvidenceRow> accepted, DisclosureRule? rule = null)
    {
        rule ??= DisclosureRule.Default;
        var toAnswer = rows.Select(r => r.DaysToFirstAnswer).OfType<double>().ToList();
        var toAccept = accepted.Select(r => r.DaysToAcceptance).OfType<double>().ToList();
        var toSession = accepted.Select(r => r.DaysToFirstSession).OfType<int>().Select(d => (double)d).ToList();
        var times = new List<Timeliness>
        {
            Time("provider-answer", "Referral to a provider's first answer", toAnswer, rule),
            Time("acceptance", "Referral to acceptance", toAccept, rule),
            Time("first-session", "Referral to the first session (as booked by the provider)", toSession, rule),
        };
        var bins = TimeToAcceptBinEdges.Select((edge, i) =>
            rule.Count(toAccept.Count(d => d < edge.UpToDays && (i == 0 || d >= TimeToAcceptBinEdges[i - 1].UpToDays)))).ToList();
        return (times, bins);
    }

    /// <summary>The same figures from a cell's exact histograms of days.</summary>
    public static (IReadOnlyList<Timeliness> Times, IReadOnlyList<Figure> TimeToAcceptBins) FromHistograms(EvidenceCell cell, DisclosureRule rule)
    {
        var times = new List<Timeliness>
        {
            Time("provider-answer", "Referral to a provider's first answer", cell.DaysToFirstAnswer, rule),
            Time("acceptance", "Referral to acceptance", cell.DaysToAcceptance, rule),
            Time("first-session", "Referral to the first session (as booked by the provider)", cell.DaysToFirstSession, rule),
        };
        var bins = TimeToAcceptBinEdges.Select((edge, i) => rule.Count(cell.DaysToAcceptance
            .Where(e => e.Key < edge.UpToDays && (i == 0 || e.Key >= TimeToAcceptBinEdges[i - 1].UpToDays)).Sum(e => e.Value))).ToList();
        return (times, bins);
    }

    private static Timeliness Time(string code, string label, Dictionary<double, int> days, DisclosureRule rule)
    {
        var n = Histogram.Total(days);
        return !rule.ShowsStatistics(n)
            ? new Timeliness(code, label, rule.Count(n), null, null)
            : new Timeliness(code, label, rule.Count(n), Histogram.Quantile(days, 0.5), Histogram.Quantile(days, 0.9));
    }

    private static Timeliness Time(string code, string label, List<double> days, DisclosureRule rule) =>
        !rule.ShowsStatistics(days.Count)
            ? new Timeliness(code, label, rule.Count(days.Count), null, null)
            : new Timeliness(code, label, rule.Count(days.Count), PairedStatistics.Quantile(days, 0.5), PairedStatistics.Quantile(days, 0.9));
}

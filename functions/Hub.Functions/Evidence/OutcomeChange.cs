using Hub.FollowUp;

namespace Hub.Evidence;

/// <summary>One measure, baseline against follow-up, within the same people.</summary>
/// <param name="Measure">The measure, as the instruments define it: its code, label and which way is better.</param>
/// <param name="Paired">People with both answers: the only ones whose change counts.</param>
/// <param name="BaselineOnly">People whose follow-up ended without this answer: the attrition that may bias the result.</param>
/// <param name="FollowUpOnly">People with a follow-up answer but no baseline.</param>
/// <param name="T">Null when withheld (fewer than <see cref="DisclosureOptions.StatisticsFrom"/> pairs).</param>
public sealed record OutcomeChange(
    OutcomeMeasure Measure,
    Figure Paired,
    Figure BaselineOnly,
    Figure FollowUpOnly,
    PairedTResult? T,
    WilcoxonResult? Wilcoxon,
    Figure Improved,
    Figure Unchanged,
    Figure Worse)
{
    public string Code => Measure.Code;

    public string Label => Measure.Label;

    public bool HigherIsBetter => Measure.HigherIsBetter;

    public bool Withheld => T is null;

    /// <summary>The change in one measure for these people, with the statistics withheld under
    /// <see cref="DisclosureOptions.StatisticsFrom"/> pairs.</summary>
    public static OutcomeChange Of(IEnumerable<EvidenceRow> rows, OutcomeMeasure measure, DisclosureRule? rule = null)
    {
        rule ??= DisclosureRule.Default;
        var pairs = ScorePairs.Of(rows, measure.ScoreIn);
        int improved = 0, unchanged = 0, worse = 0;
        for (var i = 0; i < pairs.Before.Count; i++)
        {
            var better = measure.HigherIsBetter ? pairs.After[i] - pairs.Before[i] : pairs.Before[i] - pairs.After[i];
            if (better > 0)
            {
                improved++;
            }
            else if (better < 0)
            {
                worse++;
            }
            else
            {
                unchanged++;
            }
        }

        var enough = rule.ShowsStatistics(pairs.Before.Count);
        return new OutcomeChange(measure, rule.Count(pairs.Before.Count), rule.Count(pairs.BaselineOnly), rule.Count(pairs.FollowUpOnly),
            enough ? PairedStatistics.PairedT(pairs.Before, pairs.After) : null,
            enough ? PairedStatistics.WilcoxonSignedRank(pairs.Before, pairs.After) : null,
            rule.Count(improved), rule.Count(unchanged), rule.Count(worse));
    }
}

/// <summary>The change from a cell's sums (see <see cref="ScoreChange"/>), exactly as <see cref="OutcomeChange.Of"/>
/// gives it from the people.</summary>
public static class OutcomeChanges
{
    public static OutcomeChange FromSums(ScoreChange? change, OutcomeMeasure measure, DisclosureRule rule)
    {
        change ??= new ScoreChange();
        int improved = 0, unchanged = 0, worse = 0;
        foreach (var (difference, count) in change.Differences)
        {
            var better = measure.HigherIsBetter ? difference : -difference;
            if (better > 0)
            {
                improved += count;
            }
            else if (better < 0)
            {
                worse += count;
            }
            else
            {
                unchanged += count;
            }
        }

        var enough = rule.ShowsStatistics(change.Paired);
        return new OutcomeChange(measure, rule.Count(change.Paired), rule.Count(change.BaselineOnly), rule.Count(change.FollowUpOnly),
            enough ? PairedStatistics.PairedT(change.Differences, change.SumBefore / change.Paired, change.SumAfter / change.Paired) : null,
            enough ? PairedStatistics.WilcoxonSignedRank(change.Differences) : null,
            rule.Count(improved), rule.Count(unchanged), rule.Count(worse));
    }
}

/// <summary>One score at baseline and at follow-up for the people who have both, in the same order, and how many
/// people have only one of them.</summary>
public sealed record ScorePairs(IReadOnlyList<double> Before, IReadOnlyList<double> After, int BaselineOnly, int FollowUpOnly)
{
    /// <param name="score">The score in one survey's scores, or null when it was not answered.</param>
    public static ScorePairs Of(IEnumerable<EvidenceRow> rows, Func<IReadOnlyDictionary<string, double>, double?> score)
    {
        var before = new List<double>();
        var after = new List<double>();
        int baselineOnly = 0, followUpOnly = 0;
        foreach (var row in rows)
        {
            var b = score(row.Baseline);
            var a = score(row.FollowUp);
            if (b is { } bv && a is { } av)
            {
                before.Add(bv);
                after.Add(av);
            }
            else if (b is not null)
            {
                baselineOnly++;
            }
            else if (a is not null)
            {
                followUpOnly++;
            }
        }

        return new ScorePairs(before, after, baselineOnly, followUpOnly);
    }
}

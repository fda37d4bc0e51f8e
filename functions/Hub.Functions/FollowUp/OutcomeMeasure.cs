namespace Hub.FollowUp;

/// <summary>How a measure gets its score.</summary>
public enum MeasureKind
{
    /// <summary>One answered question.</summary>
    Item,

    /// <summary>A total the instrument defines: a group's items added up when the answers come in.</summary>
    Total,

    /// <summary>Worked out when a report is made, from other measures (a CodeSystem concept with <c>sum-of</c>).</summary>
    Derived,
}

/// <summary>Where the evidence shows a measure.</summary>
public enum MeasureReporting
{
    /// <summary>The wellbeing table and chart, the comparison group, the MeasureReport and the CSV.</summary>
    Outcome,

    /// <summary>The self-reported NHS use table, the MeasureReport and the CSV.</summary>
    NhsUse,

    /// <summary>The CSV only.</summary>
    Export,

    /// <summary>Only the Observations: an item counted in a total, or an answer the journey reads for itself.</summary>
    None,
}

/// <summary>One outcome measure as the reports know it.</summary>
/// <param name="Label">What reports call it, e.g. "Life satisfaction (ONS4, 0–10)".</param>
/// <param name="Display">What the Observation calls it: the coding's display.</param>
/// <param name="Lowest">The lowest score it can take, when the instrument says.</param>
/// <param name="Instrument">The Questionnaire that asks it (for a derived score, the CodeSystem that defines it).</param>
/// <param name="SumOf">For a derived score, the measures it adds up.</param>
public sealed record OutcomeMeasure(
    string Code,
    string System,
    string Label,
    string Display,
    decimal? Lowest,
    decimal? Highest,
    bool LowerIsBetter,
    MeasureKind Kind,
    MeasureReporting Reporting,
    string Instrument,
    IReadOnlyList<string> SumOf)
{
    public bool HigherIsBetter => !LowerIsBetter;

    /// <summary>In the CSV: what was answered or totalled, not what a report works out (analysts can add those up).</summary>
    public bool Exported => Kind != MeasureKind.Derived && Reporting != MeasureReporting.None;

    /// <summary>This measure's score among one survey's scores; a derived score only when every part was answered.</summary>
    public double? ScoreIn(IReadOnlyDictionary<string, double> scores)
    {
        if (Kind != MeasureKind.Derived)
        {
            return scores.TryGetValue(Code, out var value) ? value : null;
        }

        var sum = 0.0;
        foreach (var part in SumOf)
        {
            if (!scores.TryGetValue(part, out var value))
            {
                return null;
            }

            sum += value;
        }

        return sum;
    }
}

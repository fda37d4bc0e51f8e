namespace Hub.Evidence;

/// <summary>A bar whose count may be suppressed for privacy: <see cref="Count"/> null means "not shown";
/// <see cref="Display"/> is what to print ("&lt;5", "123", "withheld").</summary>
public sealed record ChartBar(string Label, int? Count, string Display);

/// <summary>One measure's mean change with its 95% confidence interval; a null <see cref="Mean"/> means withheld
/// (too few people). <see cref="Display"/> is the printed value, e.g. "+1.6 (0.7 to 2.5)" or "withheld (n &lt; 10)".
/// <see cref="HigherIsBetter"/> says which direction is improvement (ONS4 anxiety and UCLA loneliness: lower is better).</summary>
public sealed record ChangeRow(string Label, double? Mean, double? Low, double? High, string Display, bool HigherIsBetter);

/// <summary>The evidence report's charts, drawn on the server as inline SVG. They carry no script, no style
/// element and no style attribute (the page's CSP is <c>style-src 'self'</c>): only SVG presentation attributes.
/// Every value is printed next to its mark and listed in the chart's &lt;desc&gt;, so nothing rests on colour and the
/// charts read the same on a greyscale print. Text takes the page's font; the 640-unit-wide view box draws at
/// its natural size in a two-thirds column and scales with the width of whatever holds it.</summary>
public static class EvidenceCharts
{
    /// <inheritdoc cref="FunnelChart.Draw"/>
    public static string Funnel(string id, string title, IReadOnlyList<ChartBar> stages) => FunnelChart.Draw(id, title, stages);

    /// <inheritdoc cref="ChangeChart.Draw"/>
    public static string Change(string id, string title, IReadOnlyList<ChangeRow> rows) => ChangeChart.Draw(id, title, rows);

    /// <inheritdoc cref="HistogramChart.Draw"/>
    public static string Histogram(string id, string title, string xAxisLabel, IReadOnlyList<ChartBar> bins) => HistogramChart.Draw(id, title, xAxisLabel, bins);
}

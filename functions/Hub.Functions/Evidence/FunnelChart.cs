using System.Text;
using static Hub.Evidence.ChartSvg;

namespace Hub.Evidence;

/// <summary>The funnel: horizontal bars from referral to follow-up.</summary>
internal static class FunnelChart
{
    /// <summary>Horizontal bars, one per funnel stage, widths proportional to Count relative to the largest non-null
    /// count; a later stage also shows its percentage of the first. Suppressed bars are drawn as an outlined
    /// (unfilled, dashed) stub with their Display text.</summary>
    public static string Draw(string id, string title, IReadOnlyList<ChartBar> stages)
    {
        if (Empty(id, title, stages) is { } empty)
        {
            return empty;
        }

        var first = stages[0];
        var shares = stages.Select((s, i) => i > 0 && s.Count is int count && first.Count is int of && of > 0
            ? Percent(count, of)
            : null).ToList();
        var values = stages.Select((s, i) => shares[i] is { } share ? $"{s.Display} ({share})" : s.Display).ToList();
        var desc = string.Join("; ", stages.Select((s, i) => shares[i] is { } share
            ? $"{s.Label}: {s.Display} ({share} of {first.Label})"
            : $"{s.Label}: {s.Display}"));

        const double barHeight = 24;
        const double stubWidth = 24;
        var labelWidth = Math.Clamp(stages.Max(s => TextWidth(s.Label, FontSize)), 80, 220);
        var valueWidth = Math.Clamp(values.Max(v => TextWidth(v, FontSize)), 40, 200);
        var barX = Margin + labelWidth + 12;
        var maxBarWidth = Width - barX - 8 - valueWidth - Margin;
        var largest = stages.Max(s => s.Count is int c ? Math.Max(c, 0) : 0);

        var body = new StringBuilder();
        var y = Margin;
        for (var i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            var lines = Wrap(stage.Label, labelWidth, FontSize);
            var rowHeight = Math.Max(40, (lines.Count * LineHeight) + 16);
            var centre = y + (rowHeight / 2);

            body.Append("<g>\n");
            LabelLines(body, Margin + labelWidth, centre, lines);
            var drawn = BarLength(stage.Count, largest, maxBarWidth, stubWidth);
            BarRect(body, barX, centre - (barHeight / 2), drawn, barHeight, stage.Count);

            Text(body, barX + drawn + 8, Baseline(centre, FontSize), values[i], "start", FontSize, Black);
            body.Append("</g>\n");
            y += rowHeight;
        }

        body.Append(Inv, $"<line x1=\"{N(barX)}\" y1=\"{N(Margin / 2)}\" x2=\"{N(barX)}\" y2=\"{N(y + (Margin / 2))}\" stroke=\"{DarkGrey}\" stroke-width=\"1\"/>\n");
        return Svg(id, title, Sentence(desc), y + Margin, body);
    }
}

using System.Text;
using static Hub.Evidence.ChartSvg;

namespace Hub.Evidence;

/// <summary>A distribution as vertical bars, such as days from referral to acceptance.</summary>
internal static class HistogramChart
{
    /// <summary>Vertical bars for a distribution (e.g. days from referral to provider answer, bins "0–1 d", "2–3 d",
    /// ...), the Display above each bar and the bin labels under the axis (slanted when they would not fit
    /// side by side); suppressed bins are drawn as a dashed outline with their Display.</summary>
    public static string Draw(string id, string title, string xAxisLabel, IReadOnlyList<ChartBar> bins)
    {
        CheckArguments(id, title);
        ArgumentNullException.ThrowIfNull(xAxisLabel);
        if (Empty(id, title, bins) is { } empty)
        {
            return empty;
        }

        var desc = Sentence(xAxisLabel) + " " + string.Join("; ", bins.Select(b => $"{b.Label}: {b.Display}"));

        const double plotTop = Margin + 22;
        const double plotHeight = 180;
        const double baseline = plotTop + plotHeight;
        const double stubHeight = 16;
        const double slant = 40;
        var widest = bins.Max(b => TextWidth(b.Label, SmallFontSize));
        var slot = (Width - (2 * Margin)) / bins.Count;
        var slanted = widest > slot - 6;
        var left = Margin;
        if (slanted)
        {
            left = Math.Clamp((widest * Math.Cos(slant * Math.PI / 180)) - (slot / 2) + 4, Margin, 200);
            slot = (Width - left - Margin) / bins.Count;
        }

        var barWidth = Math.Min(slot * 0.72, 72);
        var largest = bins.Max(b => b.Count is int c ? Math.Max(c, 0) : 0);

        var body = new StringBuilder();
        for (var i = 0; i < bins.Count; i++)
        {
            var bin = bins[i];
            var centre = left + (slot * (i + 0.5));
            var x = centre - (barWidth / 2);
            var drawn = BarLength(bin.Count, largest, plotHeight, stubHeight);
            body.Append("<g>\n");
            BarRect(body, x, baseline - drawn, barWidth, drawn, bin.Count);

            Text(body, centre, baseline - drawn - 6, bin.Display, "middle", SmallFontSize, Black);
            if (slanted)
            {
                var labelY = baseline + 16;
                body.Append(Inv, $"<text x=\"{N(centre)}\" y=\"{N(labelY)}\" font-size=\"{N(SmallFontSize)}\" text-anchor=\"end\" fill=\"{Black}\" transform=\"rotate(-{N(slant)} {N(centre)} {N(labelY)})\">{Esc(bin.Label)}</text>\n");
            }
            else
            {
                Text(body, centre, baseline + 20, bin.Label, "middle", SmallFontSize, Black);
            }

            body.Append("</g>\n");
        }

        body.Append(Inv, $"<line x1=\"{N(left)}\" y1=\"{N(baseline)}\" x2=\"{N(Width - Margin)}\" y2=\"{N(baseline)}\" stroke=\"{DarkGrey}\" stroke-width=\"1\"/>\n");
        var labelsBottom = baseline + (slanted ? (widest * Math.Sin(slant * Math.PI / 180)) + 22 : 26);
        Text(body, (left + Width - Margin) / 2, labelsBottom + 20, xAxisLabel, "middle", FontSize, Black);
        return Svg(id, title, Sentence(desc), labelsBottom + 30, body);
    }
}

using System.Text;
using static Hub.Evidence.ChartSvg;

namespace Hub.Evidence;

/// <summary>The change chart: a forest plot of each measure's mean change with its interval.</summary>
internal static class ChangeChart
{
    /// <summary>A forest plot: one row per measure, a point at the mean change and a line from Low to High, a vertical
    /// zero line and a symmetric axis with round ticks covering every interval. The label is on the left with a note
    /// of which way is better, the Display on the right; withheld rows show their Display and no mark.</summary>
    public static string Draw(string id, string title, IReadOnlyList<ChangeRow> rows)
    {
        if (Empty(id, title, rows) is { } empty)
        {
            return empty;
        }

        const string caption = "Mean change with 95% confidence interval; 0 means no change";
        var desc = caption + ". " + string.Join("; ", rows.Select(r =>
            $"{r.Label} ({(r.HigherIsBetter ? "higher" : "lower")} is better): {r.Display}"));

        var extent = rows
            .Where(r => Shown(r.Mean))
            .SelectMany(r => new[] { r.Mean, r.Low, r.High })
            .Where(Shown)
            .Select(v => Math.Abs(v!.Value))
            .DefaultIfEmpty(0)
            .Max();
        var step = NiceStep(extent > 0 ? extent / 2 : 0.5);
        var axisEnd = 2 * step;

        var labelWidth = Math.Clamp(rows.Max(r => Math.Max(TextWidth(r.Label, FontSize), TextWidth(Note(r), SmallFontSize))), 120, 200);
        var displayWidth = Math.Clamp(rows.Max(r => TextWidth(r.Display, FontSize)), 80, 170);
        var plotLeft = Margin + labelWidth + 16;
        var plotRight = Width - Margin - displayWidth - 16;
        double X(double value) => plotLeft + ((plotRight - plotLeft) * (value + axisEnd) / (2 * axisEnd));

        var body = new StringBuilder();
        var rowBodies = new StringBuilder();
        var y = Margin;
        foreach (var row in rows)
        {
            var lines = Wrap(row.Label, labelWidth, FontSize);
            var content = (lines.Count * LineHeight) + 18;
            var rowHeight = Math.Max(52, content + 14);
            var centre = y + (rowHeight / 2);
            var top = centre - (content / 2);

            rowBodies.Append("<g>\n");
            for (var k = 0; k < lines.Count; k++)
            {
                Text(rowBodies, Margin + labelWidth, top + (k * LineHeight) + 15, lines[k], "end", FontSize, Black);
            }

            Text(rowBodies, Margin + labelWidth, top + (lines.Count * LineHeight) + 14, Note(row), "end", SmallFontSize, DarkGrey);
            if (Shown(row.Mean))
            {
                var mean = row.Mean!.Value;
                if (Shown(row.Low) && Shown(row.High))
                {
                    var low = X(Math.Min(row.Low!.Value, row.High!.Value));
                    var high = X(Math.Max(row.Low.Value, row.High.Value));
                    rowBodies.Append(Inv, $"<line x1=\"{N(low)}\" y1=\"{N(centre)}\" x2=\"{N(high)}\" y2=\"{N(centre)}\" stroke=\"{Black}\" stroke-width=\"2\"/>\n");
                    foreach (var end in new[] { low, high })
                    {
                        rowBodies.Append(Inv, $"<line x1=\"{N(end)}\" y1=\"{N(centre - 6)}\" x2=\"{N(end)}\" y2=\"{N(centre + 6)}\" stroke=\"{Black}\" stroke-width=\"2\"/>\n");
                    }
                }

                rowBodies.Append(Inv, $"<circle cx=\"{N(X(mean))}\" cy=\"{N(centre)}\" r=\"6\" fill=\"{Blue}\" stroke=\"{Black}\" stroke-width=\"1\"/>\n");
                Text(rowBodies, plotRight + 16, Baseline(centre, FontSize), row.Display, "start", FontSize, Black);
            }
            else
            {
                Text(rowBodies, plotRight + 16, Baseline(centre, FontSize), row.Display, "start", FontSize, DarkGrey);
            }

            rowBodies.Append("</g>\n");
            y += rowHeight;
            rowBodies.Append(Inv, $"<line x1=\"{N(Margin)}\" y1=\"{N(y)}\" x2=\"{N(Width - Margin)}\" y2=\"{N(y)}\" stroke=\"{LightGrey}\" stroke-width=\"1\"/>\n");
        }

        var axisY = y + 4;
        for (var i = -2; i <= 2; i++)
        {
            if (i != 0)
            {
                var x = X(i * step);
                body.Append(Inv, $"<line x1=\"{N(x)}\" y1=\"{N(Margin / 2)}\" x2=\"{N(x)}\" y2=\"{N(axisY)}\" stroke=\"{LightGrey}\" stroke-width=\"1\"/>\n");
            }
        }

        body.Append(Inv, $"<line x1=\"{N(X(0))}\" y1=\"{N(Margin / 2)}\" x2=\"{N(X(0))}\" y2=\"{N(axisY)}\" stroke=\"{DarkGrey}\" stroke-width=\"2\"/>\n");
        body.Append(rowBodies);
        body.Append(Inv, $"<line x1=\"{N(plotLeft)}\" y1=\"{N(axisY)}\" x2=\"{N(plotRight)}\" y2=\"{N(axisY)}\" stroke=\"{DarkGrey}\" stroke-width=\"1\"/>\n");
        for (var i = -2; i <= 2; i++)
        {
            var x = X(i * step);
            body.Append(Inv, $"<line x1=\"{N(x)}\" y1=\"{N(axisY)}\" x2=\"{N(x)}\" y2=\"{N(axisY + 6)}\" stroke=\"{DarkGrey}\" stroke-width=\"1\"/>\n");
            Text(body, x, axisY + 22, Tick(i * step), "middle", SmallFontSize, Black);
        }

        var captionWidth = TextWidth(caption, SmallFontSize);
        var captionX = Math.Clamp((plotLeft + plotRight) / 2, Margin + (captionWidth / 2), Width - Margin - (captionWidth / 2));
        Text(body, captionX, axisY + 44, caption, "middle", SmallFontSize, DarkGrey);
        return Svg(id, title, Sentence(desc), axisY + 54, body);
    }

    private static string Note(ChangeRow row) => row.HigherIsBetter ? "higher is better \u2192" : "\u2190 lower is better";

    private static bool Shown(double? value) => value is double v && double.IsFinite(v);

    /// <summary>The smallest of 1, 2 or 5 times a power of ten that is at least <paramref name="atLeast"/>.</summary>
    private static double NiceStep(double atLeast)
    {
        var power = Math.Pow(10, Math.Floor(Math.Log10(atLeast)));
        foreach (var multiple in new[] { 1.0, 2.0, 5.0 })
        {
            if (multiple * power >= atLeast * (1 - 1e-9))
            {
                return multiple * power;
            }
        }

        return 10 * power;
    }

    private static string Tick(double value)
    {
        var text = Math.Abs(value).ToString("0.###", Inv);
        return text == "0" ? "0" : value < 0 ? "\u2212" + text : text;
    }
}

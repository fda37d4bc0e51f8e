using System.Globalization;
using System.Text;
using System.Xml;

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
    private const double Width = 640;
    private const double Margin = 8;
    private const double FontSize = 16;
    private const double SmallFontSize = 14;
    private const double LineHeight = 20;

    // An average glyph is a little over half an em wide in Frutiger and Arial; labels are laid out on this estimate.
    private const double CharWidthEm = 0.56;

    private const string Blue = "#005eb8";
    private const string DarkGrey = "#4c6272";
    private const string LightGrey = "#d8dde0";
    private const string Black = "#212b32";
    private const string Dashes = "4 3";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Horizontal bars, one per funnel stage, widths proportional to Count relative to the largest non-null
    /// count; a later stage also shows its percentage of the first. Suppressed bars are drawn as an outlined
    /// (unfilled, dashed) stub with their Display text.</summary>
    public static string Funnel(string id, string title, IReadOnlyList<ChartBar> stages)
    {
        CheckArguments(id, title);
        ArgumentNullException.ThrowIfNull(stages);
        if (stages.Count == 0)
        {
            return NoData(id, title);
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

    /// <summary>A forest plot: one row per measure, a point at the mean change and a line from Low to High, a vertical
    /// zero line and a symmetric axis with round ticks covering every interval. The label is on the left with a note
    /// of which way is better, the Display on the right; withheld rows show their Display and no mark.</summary>
    public static string Change(string id, string title, IReadOnlyList<ChangeRow> rows)
    {
        CheckArguments(id, title);
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return NoData(id, title);
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

    /// <summary>Vertical bars for a distribution (e.g. days from referral to provider answer, bins "0–1 d", "2–3 d",
    /// ...), the Display above each bar and the bin labels under the axis (slanted when they would not fit
    /// side by side); suppressed bins are drawn as a dashed outline with their Display.</summary>
    public static string Histogram(string id, string title, string xAxisLabel, IReadOnlyList<ChartBar> bins)
    {
        CheckArguments(id, title);
        ArgumentNullException.ThrowIfNull(xAxisLabel);
        ArgumentNullException.ThrowIfNull(bins);
        if (bins.Count == 0)
        {
            return NoData(id, title);
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

    private static void CheckArguments(string id, string title)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(title);
        if (id.Length == 0 || !id.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            throw new ArgumentException($"A chart id is lowercase letters, digits and hyphens, not '{id}'.", nameof(id));
        }
    }

    private static string NoData(string id, string title)
    {
        var body = new StringBuilder();
        Text(body, Margin, 26, "No data", "start", FontSize, DarkGrey);
        return Svg(id, title, "No data.", 40, body);
    }

    private static string Svg(string id, string title, string desc, double height, StringBuilder body)
    {
        var svg = new StringBuilder();
        svg.Append(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" viewBox=\"0 0 {N(Width)} {N(height)}\" width=\"100%\">\n");
        svg.Append(Inv, $"<title id=\"{id}-title\">{Esc(title)}</title>\n");
        svg.Append(Inv, $"<desc id=\"{id}-desc\">{Esc(desc)}</desc>\n");
        svg.Append(body);
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static void Text(StringBuilder sb, double x, double y, string? text, string anchor, double size, string fill) =>
        sb.Append(Inv, $"<text x=\"{N(x)}\" y=\"{N(y)}\" font-size=\"{N(size)}\" text-anchor=\"{anchor}\" fill=\"{fill}\">{Esc(text)}</text>\n");

    /// <summary>A right-aligned label of one or more lines, centred on <paramref name="centre"/>.</summary>
    private static void LabelLines(StringBuilder sb, double right, double centre, List<string> lines)
    {
        for (var k = 0; k < lines.Count; k++)
        {
            var y = Baseline(centre + ((k - ((lines.Count - 1) / 2.0)) * LineHeight), FontSize);
            Text(sb, right, y, lines[k], "end", FontSize, Black);
        }
    }

    /// <summary>The baseline that puts a line of text's middle on <paramref name="middle"/>.</summary>
    private static double Baseline(double middle, double size) => middle + (size * 0.35);

    private static double TextWidth(string? text, double size) => (text?.Length ?? 0) * size * CharWidthEm;

    /// <summary>Breaks text at spaces into lines that fit the width; a single word longer than that keeps its own line.</summary>
    private static List<string> Wrap(string? text, double width, double size)
    {
        var fits = Math.Max(8, (int)(width / (size * CharWidthEm)));
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in (text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > fits)
            {
                lines.Add(line.ToString());
                line.Clear();
            }

            if (line.Length > 0)
            {
                line.Append(' ');
            }

            line.Append(word);
        }

        if (line.Length > 0 || lines.Count == 0)
        {
            lines.Add(line.ToString());
        }

        return lines;
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

    private static string Percent(int count, int of) =>
        Math.Round(100.0 * count / of, MidpointRounding.AwayFromZero).ToString("0", Inv) + "%";

    private static string Sentence(string text)
    {
        var trimmed = text.TrimEnd();
        return trimmed.Length > 0 && trimmed[^1] is '.' or '!' or '?' ? trimmed : trimmed + ".";
    }

    /// <summary>A coordinate or size, to two places, never "-0".</summary>
    private static string N(double value)
    {
        var text = value.ToString("0.##", Inv);
        return text == "-0" ? "0" : text;
    }

    /// <summary>Text for an XML text node: markup characters escaped, and characters XML cannot carry replaced.</summary>
    private static string Esc(string? text)
    {
        var sb = new StringBuilder();
        var s = text ?? "";
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '&':
                    sb.Append("&amp;");
                    break;
                case '<':
                    sb.Append("&lt;");
                    break;
                case '>':
                    sb.Append("&gt;");
                    break;
                case '"':
                    sb.Append("&quot;");
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                    {
                        sb.Append(c).Append(s[i + 1]);
                        i++;
                    }
                    else
                    {
                        sb.Append(XmlConvert.IsXmlChar(c) ? c : '\uFFFD');
                    }

                    break;
            }
        }

        return sb.ToString();
    }

    /// <summary>A bar's length along its axis: in proportion to the largest count, at least 2 units when above zero so
    /// it can be seen; a hidden count (null) gets a fixed stub.</summary>
    private static double BarLength(int? count, int largest, double full, double stub) => count switch
    {
        null => stub,
        > 0 => Math.Max(largest > 0 ? full * count.Value / largest : 0, 2),
        _ => 0,
    };

    /// <summary>A shown count is a filled bar (none for zero); a hidden one an unfilled dashed outline, so greyscale
    /// print and colour-blind readers still tell them apart.</summary>
    private static void BarRect(StringBuilder body, double x, double y, double width, double height, int? count)
    {
        if (count is null)
        {
            body.Append(Inv, $"<rect x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(width)}\" height=\"{N(height)}\" fill=\"none\" stroke=\"{DarkGrey}\" stroke-width=\"1.5\" stroke-dasharray=\"{Dashes}\"/>\n");
        }
        else if (count > 0)
        {
            body.Append(Inv, $"<rect x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(width)}\" height=\"{N(height)}\" fill=\"{Blue}\"/>\n");
        }
    }
}

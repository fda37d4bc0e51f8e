using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Xml;

namespace Hub.Evidence;

/// <summary>What the evidence charts draw with: the page's sizes and NHS colours, text laid out on an estimate of its
/// width, the &lt;svg&gt; element with its title and desc, and the bars both bar charts share.</summary>
internal static class ChartSvg
{
    public const double Width = 640;
    public const double Margin = 8;
    public const double FontSize = 16;
    public const double SmallFontSize = 14;
    public const double LineHeight = 20;

    // An average glyph is a little over half an em wide in Frutiger and Arial; labels are laid out on this estimate.
    public const double CharWidthEm = 0.56;

    public const string Blue = "#005eb8";
    public const string DarkGrey = "#4c6272";
    public const string LightGrey = "#d8dde0";
    public const string Black = "#212b32";
    public const string Dashes = "4 3";

    public static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The checks every chart makes, and the "No data" chart when there is nothing to draw (null otherwise).</summary>
    public static string? Empty<T>(string id, string title, IReadOnlyList<T> items, [CallerArgumentExpression(nameof(items))] string? name = null)
    {
        CheckArguments(id, title);
        ArgumentNullException.ThrowIfNull(items, name);
        return items.Count == 0 ? NoData(id, title) : null;
    }

    public static void CheckArguments(string id, string title)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(title);
        if (id.Length == 0 || !id.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            throw new ArgumentException($"A chart id is lowercase letters, digits and hyphens, not '{id}'.", nameof(id));
        }
    }

    public static string NoData(string id, string title)
    {
        var body = new StringBuilder();
        Text(body, Margin, 26, "No data", "start", FontSize, DarkGrey);
        return Svg(id, title, "No data.", 40, body);
    }

    public static string Svg(string id, string title, string desc, double height, StringBuilder body)
    {
        var svg = new StringBuilder();
        svg.Append(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" viewBox=\"0 0 {N(Width)} {N(height)}\" width=\"100%\">\n");
        svg.Append(Inv, $"<title id=\"{id}-title\">{Esc(title)}</title>\n");
        svg.Append(Inv, $"<desc id=\"{id}-desc\">{Esc(desc)}</desc>\n");
        svg.Append(body);
        svg.Append("</svg>");
        return svg.ToString();
    }

    public static void Text(StringBuilder sb, double x, double y, string? text, string anchor, double size, string fill) =>
        sb.Append(Inv, $"<text x=\"{N(x)}\" y=\"{N(y)}\" font-size=\"{N(size)}\" text-anchor=\"{anchor}\" fill=\"{fill}\">{Esc(text)}</text>\n");

    /// <summary>A right-aligned label of one or more lines, centred on <paramref name="centre"/>.</summary>
    public static void LabelLines(StringBuilder sb, double right, double centre, List<string> lines)
    {
        for (var k = 0; k < lines.Count; k++)
        {
            var y = Baseline(centre + ((k - ((lines.Count - 1) / 2.0)) * LineHeight), FontSize);
            Text(sb, right, y, lines[k], "end", FontSize, Black);
        }
    }

    /// <summary>The baseline that puts a line of text's middle on <paramref name="middle"/>.</summary>
    public static double Baseline(double middle, double size) => middle + (size * 0.35);

    public static double TextWidth(string? text, double size) => (text?.Length ?? 0) * size * CharWidthEm;

    /// <summary>Breaks text at spaces into lines that fit the width; a single word longer than that keeps its own line.</summary>
    public static List<string> Wrap(string? text, double width, double size)
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

    public static string Percent(int count, int of) =>
        Math.Round(100.0 * count / of, MidpointRounding.AwayFromZero).ToString("0", Inv) + "%";

    public static string Sentence(string text)
    {
        var trimmed = text.TrimEnd();
        return trimmed.Length > 0 && trimmed[^1] is '.' or '!' or '?' ? trimmed : trimmed + ".";
    }

    /// <summary>A coordinate or size, to two places, never "-0".</summary>
    public static string N(double value)
    {
        var text = value.ToString("0.##", Inv);
        return text == "-0" ? "0" : text;
    }

    /// <summary>Text for an XML text node: markup characters escaped, and characters XML cannot carry replaced.</summary>
    public static string Esc(string? text)
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
    public static double BarLength(int? count, int largest, double full, double stub) => count switch
    {
        null => stub,
        > 0 => Math.Max(largest > 0 ? full * count.Value / largest : 0, 2),
        _ => 0,
    };

    /// <summary>A shown count is a filled bar (none for zero); a hidden one an unfilled dashed outline, so greyscale
    /// print and colour-blind readers still tell them apart.</summary>
    public static void BarRect(StringBuilder body, double x, double y, double width, double height, int? count)
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

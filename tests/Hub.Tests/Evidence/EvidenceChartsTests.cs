using System.Globalization;
using System.Xml.Linq;
using Hub.Evidence;

namespace Hub.Tests.Evidence;

/// <summary>The three server-drawn SVG charts of the evidence page: shapes, scales, hidden figures and text alternatives.
/// Long because each chart's cases sit beside the others', sharing one reading of the SVG.</summary>
[Trait("Category", "Unit")]
public class EvidenceChartsTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static readonly ChartBar[] Stages =
    [
        new("Referred", 120, "120"),
        new("Accepted", 96, "96"),
        new("Started", 50, "50"),
        new("Completed", null, "<5"),
    ];

    private static readonly ChangeRow[] Measures =
    [
        new("Life satisfaction", 1.6, 0.7, 2.5, "+1.6 (0.7 to 2.5)", HigherIsBetter: true),
        new("Anxiety", -0.8, -1.5, -0.1, "\u22120.8 (\u22121.5 to \u22120.1)", HigherIsBetter: false),
        new("Loneliness", null, null, null, "withheld (n < 10)", HigherIsBetter: false),
    ];

    private static readonly ChartBar[] Bins =
    [
        new("0\u20131 d", 12, "12"),
        new("2\u20133 d", 30, "30"),
        new("4\u20135 d", null, "<5"),
        new("6+ d", 7, "7"),
    ];

    private static string FunnelChart() => EvidenceCharts.Funnel("funnel", "Referrals through the service", Stages);

    private static string ChangeChart() => EvidenceCharts.Change("change", "Change in wellbeing", Measures);

    private static string HistogramChart() => EvidenceCharts.Histogram("days", "Time to a provider's answer", "Days from referral to answer", Bins);

    public static TheoryData<string> AllCharts() => new() { FunnelChart(), ChangeChart(), HistogramChart() };

    [Theory]
    [MemberData(nameof(AllCharts))]
    public void Each_chart_is_well_formed_svg_labelled_by_its_own_title_and_desc(string chart)
    {
        var root = XDocument.Parse(chart).Root!;

        Assert.Equal(Svg + "svg", root.Name);
        Assert.Equal("img", (string?)root.Attribute("role"));
        Assert.Equal("100%", (string?)root.Attribute("width"));
        Assert.NotNull(root.Attribute("viewBox"));
        var ids = ((string)root.Attribute("aria-labelledby")!).Split(' ');
        Assert.Equal(2, ids.Length);
        Assert.Equal(Svg + "title", ElementWithId(root, ids[0]).Name);
        Assert.Equal(Svg + "desc", ElementWithId(root, ids[1]).Name);
        Assert.False(string.IsNullOrWhiteSpace(ElementWithId(root, ids[0]).Value));
    }

    [Theory]
    [MemberData(nameof(AllCharts))]
    public void No_chart_carries_style_script_or_a_link_out(string chart)
    {
        Assert.DoesNotContain("style", chart, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("script", chart, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href", chart, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://", chart.Replace("xmlns=\"http://www.w3.org/2000/svg\"", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Each_desc_lists_every_label_and_value()
    {
        var funnel = Desc(FunnelChart());
        var change = Desc(ChangeChart());
        var histogram = Desc(HistogramChart());

        Assert.All(Stages, s => Assert.Contains($"{s.Label}: {s.Display}", funnel, StringComparison.Ordinal));
        Assert.Contains("Accepted: 96 (80% of Referred)", funnel, StringComparison.Ordinal);
        Assert.All(Measures, m => Assert.Contains(m.Label, change, StringComparison.Ordinal));
        Assert.All(Measures, m => Assert.Contains(m.Display, change, StringComparison.Ordinal));
        Assert.Contains("Life satisfaction (higher is better)", change, StringComparison.Ordinal);
        Assert.Contains("Anxiety (lower is better)", change, StringComparison.Ordinal);
        Assert.Contains("Days from referral to answer", histogram, StringComparison.Ordinal);
        Assert.All(Bins, b => Assert.Contains($"{b.Label}: {b.Display}", histogram, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_label_and_value_is_printed_on_the_chart_too()
    {
        var funnel = Texts(XDocument.Parse(FunnelChart()).Root!);
        var change = Texts(XDocument.Parse(ChangeChart()).Root!);
        var histogram = Texts(XDocument.Parse(HistogramChart()).Root!);

        Assert.All(Stages, s => Assert.Contains(s.Label, funnel));
        Assert.Contains("120", funnel);
        Assert.Contains("96 (80%)", funnel);
        Assert.Contains("50 (42%)", funnel);
        Assert.Contains("<5", funnel);
        Assert.All(Measures, m => Assert.Contains(m.Label, change));
        Assert.All(Measures, m => Assert.Contains(m.Display, change));
        Assert.Contains("higher is better \u2192", change);
        Assert.Contains("\u2190 lower is better", change);
        Assert.All(Bins, b => Assert.Contains(b.Label, histogram));
        Assert.All(Bins, b => Assert.Contains(b.Display, histogram));
        Assert.Contains("Days from referral to answer", histogram);
    }

    [Fact]
    public void A_larger_stage_draws_a_wider_bar()
    {
        var root = XDocument.Parse(EvidenceCharts.Funnel("f", "Funnel",
            [new("Referred", 40, "40"), new("Accepted", 120, "120"), new("Started", 10, "10")])).Root!;

        var referred = Number(FilledBar(Row(root, "Referred")), "width");
        var accepted = Number(FilledBar(Row(root, "Accepted")), "width");
        var started = Number(FilledBar(Row(root, "Started")), "width");

        Assert.True(accepted > referred, $"120 drew {accepted} wide, 40 drew {referred}");
        Assert.True(referred > started, $"40 drew {referred} wide, 10 drew {started}");
        Assert.Equal(3.0, accepted / referred, 1);
    }

    [Fact]
    public void A_suppressed_stage_is_a_dashed_outline_with_its_display()
    {
        var row = Row(XDocument.Parse(FunnelChart()).Root!, "Completed");

        var stub = Assert.Single(row.Elements(Svg + "rect"));
        Assert.Equal("none", (string?)stub.Attribute("fill"));
        Assert.NotNull(stub.Attribute("stroke-dasharray"));
        Assert.Contains("<5", Texts(row));
        Assert.True(Number(stub, "width") < Number(FilledBar(Row(XDocument.Parse(FunnelChart()).Root!, "Started")), "width"));
    }

    [Fact]
    public void A_suppressed_bin_is_a_dashed_outline_with_its_display_and_bigger_bins_are_taller()
    {
        var root = XDocument.Parse(HistogramChart()).Root!;

        var suppressed = Assert.Single(Row(root, "4\u20135 d").Elements(Svg + "rect"));
        Assert.Equal("none", (string?)suppressed.Attribute("fill"));
        Assert.NotNull(suppressed.Attribute("stroke-dasharray"));
        Assert.Contains("<5", Texts(Row(root, "4\u20135 d")));

        var twelve = FilledBar(Row(root, "0\u20131 d"));
        var thirty = FilledBar(Row(root, "2\u20133 d"));
        Assert.True(Number(thirty, "height") > Number(twelve, "height"));
        Assert.Equal(Number(thirty, "y") + Number(thirty, "height"), Number(twelve, "y") + Number(twelve, "height"), 3);
        Assert.True(Number(thirty, "x") > Number(twelve, "x"), "bins run left to right in the order given");
    }

    [Fact]
    public void A_bins_count_sits_above_its_bar_and_its_label_below()
    {
        var row = Row(XDocument.Parse(HistogramChart()).Root!, "2\u20133 d");
        var bar = FilledBar(row);
        var count = row.Elements(Svg + "text").Single(t => t.Value == "30");
        var label = row.Elements(Svg + "text").Single(t => t.Value == "2\u20133 d");

        Assert.True(Number(count, "y") < Number(bar, "y"));
        Assert.True(Number(label, "y") > Number(bar, "y") + Number(bar, "height"));
    }

    [Fact]
    public void Change_puts_improvement_and_worsening_on_their_side_of_zero_inside_their_intervals()
    {
        var root = XDocument.Parse(ChangeChart()).Root!;
        var zero = Number(root.Elements(Svg + "text").Single(t => t.Value == "0"), "x");
        Assert.Contains(root.Elements(Svg + "line"), l => Number(l, "x1") == zero && Number(l, "x2") == zero);

        var up = Row(root, "Life satisfaction");
        var down = Row(root, "Anxiety");
        Assert.True(Number(up.Element(Svg + "circle")!, "cx") > zero);
        Assert.True(Number(down.Element(Svg + "circle")!, "cx") < zero);
        foreach (var row in new[] { up, down })
        {
            var point = Number(row.Element(Svg + "circle")!, "cx");
            var interval = row.Elements(Svg + "line").Single(l => Number(l, "y1") == Number(l, "y2"));
            Assert.True(Number(interval, "x1") < point && point < Number(interval, "x2"));
        }

        Assert.True(Number(Row(root, "Life satisfaction").Elements(Svg + "line").Single(l => Number(l, "y1") == Number(l, "y2")), "x1") > zero,
            "an interval of 0.7 to 2.5 lies wholly right of zero");
    }

    [Fact]
    public void Change_axis_is_symmetric_round_and_covers_every_interval()
    {
        var root = XDocument.Parse(EvidenceCharts.Change("c", "Change",
            [new("Wide", 0.4, -0.9, 3.3, "+0.4 (\u22120.9 to 3.3)", true), new("Narrow", -0.2, -0.5, 0.1, "\u22120.2 (\u22120.5 to 0.1)", false)])).Root!;

        var ticks = root.Elements(Svg + "text")
            .Where(t => double.TryParse(t.Value.Replace('\u2212', '-'), NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            .ToDictionary(t => double.Parse(t.Value.Replace('\u2212', '-'), CultureInfo.InvariantCulture), t => Number(t, "x"));
        Assert.Equal(new[] { -4.0, -2.0, 0.0, 2.0, 4.0 }, ticks.Keys.Order());
        Assert.Equal(ticks[0] - ticks[-4], ticks[4] - ticks[0], 3);
        Assert.Contains(root.Elements(Svg + "line"), l =>
            Number(l, "y1") == Number(l, "y2") && Number(l, "x1") == ticks[-4] && Number(l, "x2") == ticks[4]);

        var wide = Row(root, "Wide").Elements(Svg + "line").Single(l => Number(l, "y1") == Number(l, "y2"));
        Assert.True(Number(wide, "x1") > ticks[-4] && Number(wide, "x1") < ticks[0]);
        Assert.True(Number(wide, "x2") < ticks[4] && Number(wide, "x2") > ticks[2]);
    }

    [Fact]
    public void A_withheld_measure_shows_its_display_and_no_mark()
    {
        var row = Row(XDocument.Parse(ChangeChart()).Root!, "Loneliness");

        Assert.Empty(row.Elements(Svg + "circle"));
        Assert.Empty(row.Elements(Svg + "line"));
        Assert.Contains("withheld (n < 10)", Texts(row));
    }

    [Fact]
    public void Markup_in_text_is_escaped()
    {
        const string nasty = "<script>&\"";
        var charts = new[]
        {
            EvidenceCharts.Funnel("f", nasty, [new(nasty, 3, nasty)]),
            EvidenceCharts.Change("c", nasty, [new(nasty, 1, 0, 2, nasty, true)]),
            EvidenceCharts.Histogram("h", nasty, nasty, [new(nasty, 3, nasty)]),
        };

        Assert.All(charts, chart =>
        {
            Assert.DoesNotContain("<script", chart, StringComparison.Ordinal);
            Assert.Contains("&lt;script&gt;&amp;&quot;", chart, StringComparison.Ordinal);
            var root = XDocument.Parse(chart).Root!;
            Assert.Equal(nasty, root.Element(Svg + "title")!.Value);
            Assert.Contains(nasty, root.Element(Svg + "desc")!.Value, StringComparison.Ordinal);
            Assert.Contains(nasty, Texts(root));
        });
    }

    [Fact]
    public void Characters_xml_cannot_carry_do_not_break_the_chart()
    {
        var chart = EvidenceCharts.Funnel("f", "Bell\u0007", [new("Tab\tand\u0001", 3, "3")]);

        Assert.Equal("Bell\uFFFD", XDocument.Parse(chart).Root!.Element(Svg + "title")!.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Funnel")]
    [InlineData("a b")]
    [InlineData("a\"b")]
    [InlineData("a_b")]
    [InlineData("caf\u00e9")]
    public void A_bad_id_is_refused(string id)
    {
        Assert.Throws<ArgumentException>(() => EvidenceCharts.Funnel(id, "t", Stages));
        Assert.Throws<ArgumentException>(() => EvidenceCharts.Change(id, "t", Measures));
        Assert.Throws<ArgumentException>(() => EvidenceCharts.Histogram(id, "t", "x", Bins));
    }

    [Fact]
    public void The_id_prefixes_the_title_and_desc_ids()
    {
        var root = XDocument.Parse(EvidenceCharts.Histogram("wait-2024-q1", "t", "x", Bins)).Root!;

        Assert.Equal("wait-2024-q1-title wait-2024-q1-desc", (string?)root.Attribute("aria-labelledby"));
        Assert.Equal("wait-2024-q1-title", (string?)root.Element(Svg + "title")!.Attribute("id"));
    }

    [Fact]
    public void Empty_input_draws_a_small_chart_that_says_no_data()
    {
        var charts = new[]
        {
            EvidenceCharts.Funnel("f", "Funnel", []),
            EvidenceCharts.Change("c", "Change", []),
            EvidenceCharts.Histogram("h", "Histogram", "Days", []),
        };

        Assert.All(charts, chart =>
        {
            var root = XDocument.Parse(chart).Root!;
            Assert.Contains("No data", root.Element(Svg + "desc")!.Value, StringComparison.Ordinal);
            Assert.Contains("No data", Texts(root));
            Assert.Equal("img", (string?)root.Attribute("role"));
        });
    }

    [Fact]
    public void The_same_input_gives_the_same_chart_in_any_culture()
    {
        var first = FunnelChart() + ChangeChart() + HistogramChart();
        var original = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            Assert.Equal(first, FunnelChart() + ChangeChart() + HistogramChart());
        }
        finally
        {
            CultureInfo.CurrentCulture = original;
        }

        Assert.Equal(first, FunnelChart() + ChangeChart() + HistogramChart());
    }

    private static XElement ElementWithId(XElement root, string id) =>
        Assert.Single(root.Descendants(), e => (string?)e.Attribute("id") == id);

    private static string Desc(string chart) => XDocument.Parse(chart).Root!.Element(Svg + "desc")!.Value;

    private static List<string> Texts(XElement scope) => scope.Descendants(Svg + "text").Select(t => t.Value).ToList();

    /// <summary>The group that draws one bar, bin or measure: the one holding a text that reads <paramref name="label"/>.</summary>
    private static XElement Row(XElement root, string label) =>
        Assert.Single(root.Elements(Svg + "g"), g => g.Elements(Svg + "text").Any(t => t.Value == label));

    private static XElement FilledBar(XElement row)
    {
        var bar = Assert.Single(row.Elements(Svg + "rect"));
        Assert.Equal("#005eb8", (string?)bar.Attribute("fill"));
        Assert.Null(bar.Attribute("stroke-dasharray"));
        return bar;
    }

    private static double Number(XElement element, string attribute) =>
        double.Parse((string)element.Attribute(attribute)!, CultureInfo.InvariantCulture);
}

using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Evidence;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Evidence;

/// <summary>The page and the MeasureReport print the same figures: one rule applied to one set of figures, compared
/// figure by figure with the report they were both drawn from.</summary>
public sealed class OutputsAgreeTests(DisclosureHub hub) : IClassFixture<DisclosureHub>
{
    [Theory]
    [InlineData("scheme", "?subject=Group/smalltown&period=2026")]
    [InlineData("small practice, one month", "?subject=Group/smalltown&subject=Organization/S20003&period=2026-03")]
    [InlineData("small provider", "?subject=Group/smalltown&subject=HealthcareService/prov-tiny&period=ge2026-01-01&period=le2026-06-30")]
    public async System.Threading.Tasks.Task The_page_and_the_MeasureReport_agree_figure_by_figure(string what, string search)
    {
        var caller = (await hub.Get<ApiKeys>().AuthenticateAsync(hub.SchemeKey))!;
        var queryString = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(search);
        var (query, _) = ReportQuery.Parse(queryString["subject"], queryString["period"]);
        var report = (await hub.Get<EvidenceReports>().ForAsync(caller, query!)).Report!;
        var rule = report.Rule;
        var measure = EvidenceReaders.Report(await EvidenceReaders.MeasureReportAsync(hub, hub.SchemeKey, search));
        var page = await TestHub.CallAsync(HttpCall.Request("GET", "/api/reports/evidence", apiKey: hub.SchemeKey, query: search), r => hub.Function<ReportHttp>().Page(r));
        Assert.Equal(200, page.Status);
        var compared = 0;

        void Same(string figure, string expected, string? inMeasureReport, string? onPage)
        {
            Assert.True(expected == inMeasureReport, $"{what}, {figure}: the report says {expected}, the MeasureReport {inMeasureReport}");
            Assert.True(expected == onPage, $"{what}, {figure}: the report says {expected}, the page {onPage}");
            compared++;
        }

        static string Shown(int? count) => count is { } c ? c.ToString("N0", CultureInfo.InvariantCulture) : Figure.SuppressedMark;
        MeasureReport.GroupComponent Group(params string[] codes) => measure.Group.Single(g => codes.All(c => g.Code.Coding.Any(x => x.Code == c)));
        int? Population(MeasureReport.GroupComponent g, string code) => g.Population.Single(p => p.Code.Coding[0].Code == code).Count;

        var funnel = Table(page.Body, "Referrals at each stage");
        foreach (var stage in report.Funnel)
        {
            var row = funnel.Single(r => r[0] == stage.Label);
            Same($"stage {stage.Code}", stage.Count.Display, Shown(Population(Group($"funnel-{stage.Code}"), "numerator")), row[1]);
            if (stage.Previous is { } previous)
            {
                Assert.Equal(stage.Count.ShareOf(previous) is { } share ? Math.Round(share, 3) : null, (double?)Group($"funnel-{stage.Code}").MeasureScore?.Value);
                Assert.Equal(stage.Count.ShareDisplay(previous), row[2]);
            }
        }

        var drops = Table(page.Body, "Why referrals stopped, or where they are now");
        var strata = measure.Group.Single(g => g.Code.Coding[0].Code == "funnel-drops").Stratifier.Single().Stratum;
        foreach (var drop in report.Drops)
        {
            var row = drops.Single(r => r[1].StartsWith(drop.Label, StringComparison.Ordinal) && report.Funnel.Single(s => s.Code == drop.AfterStage).Label == r[0]);
            Same($"drop {drop.AfterStage}:{drop.Code}", drop.Count.Display, Shown(strata.Single(s => s.Value.Coding[0].Code == $"drop:{drop.AfterStage}:{drop.Code}").Population.Single().Count), row[2]);
        }

        var times = Table(page.Body, "Days from referral");
        foreach (var time in report.Timeliness)
        {
            var row = times.Single(r => r[0] == time.Label);
            var median = Group($"time-to-{time.Code}-median");
            Same($"time {time.Code} people", time.N.Display, Shown(Population(median, "measure-population")), row[1]);
            Same($"time {time.Code} median", time.MedianDays is { } m ? rule.DaysText(m) : "withheld",
                median.MeasureScore?.Value is { } v ? ((double)v).ToString("F1", CultureInfo.InvariantCulture) : "withheld", row[2]);
        }

        var chart = Regex.Match(page.Body, "<desc id=\"accept-chart-desc\">(.*?)</desc>", RegexOptions.Singleline);
        Assert.True(chart.Success, "no time-to-acceptance chart");
        var binStrata = Group("time-to-acceptance-days").Stratifier.Single().Stratum;
        for (var i = 0; i < report.TimeToAcceptBins.Count; i++)
        {
            var label = ReportTimeliness.TimeToAcceptBinEdges[i].Label;
            var onPage = Regex.Match(WebUtility.HtmlDecode(chart.Groups[1].Value), $"{Regex.Escape(label)}: ([^;.]+)").Groups[1].Value;
            Same($"days to acceptance, {label}", report.TimeToAcceptBins[i].Display, Shown(binStrata.Single(s => s.Value.Coding[0].Code == $"days-bin-{i}").Population.Single().Count), onPage);
        }

        var changes = Table(page.Body, "Change for people who took up the referral");
        foreach (var change in report.Outcomes)
        {
            var row = changes.Single(r => r[0].StartsWith(change.Label + " (", StringComparison.Ordinal));
            var group = Group(change.Code, "took-up");
            Same($"{change.Code} paired", change.Paired.Display, Shown(Population(group, "measure-population")), row[1]);
            Same($"{change.Code} baseline only", change.BaselineOnly.Display, Shown(Population(group, "baseline-only")), row[2].Split(" baseline only")[0]);
            Same($"{change.Code} follow-up only", change.FollowUpOnly.Display, Shown(Population(group, "follow-up-only")), row[2].Split(", ")[1].Split(" follow-up only")[0]);
            var split = row[6].Split(" / ").Select(part => part.Split(" (")[0]).ToList();
            var direction = group.Stratifier.Single().Stratum;
            Same($"{change.Code} improved", change.Improved.Display, Shown(direction.Single(s => s.Value.Coding[0].Code == "improved").Population.Single().Count), split[0]);
            Same($"{change.Code} unchanged", change.Unchanged.Display, Shown(direction.Single(s => s.Value.Coding[0].Code == "unchanged").Population.Single().Count), split[1]);
            Same($"{change.Code} worse", change.Worse.Display, Shown(direction.Single(s => s.Value.Coding[0].Code == "worse").Population.Single().Count), split[2]);
            if (change.T is { } t)
            {
                var interval = (Hl7.Fhir.Model.Range)group.MeasureScore.GetExtension(EvidenceMeasureReport.ConfidenceIntervalExtension).Value;
                var inMeasure = $"{rule.SignedMeanText((double)group.MeasureScore.Value!.Value)} ({rule.MeanText((double)interval.Low.Value!.Value)} to {rule.MeanText((double)interval.High.Value!.Value)})";
                Same($"{change.Code} mean change", $"{rule.SignedMeanText(t.MeanDifference)} ({rule.MeanText(t.ConfidenceLow)} to {rule.MeanText(t.ConfidenceHigh)})", inMeasure, row[4]);
                var p = ((FhirDecimal)group.MeasureScore.GetExtension(EvidenceMeasureReport.PairedTPExtension).Value).Value!.Value;
                Same($"{change.Code} p", rule.PText(t.P), (double)p <= rule.PFloor && t.P < rule.PFloor ? rule.PText(t.P) : ((double)p).ToString("F3", CultureInfo.InvariantCulture), row[5].Split("; ")[0]);
            }
            else
            {
                Assert.Null(group.MeasureScore);
                Assert.StartsWith("withheld", row[4], StringComparison.Ordinal);
            }
        }

        var linkWork = Table(page.Body, "Link-worker services");
        foreach (var line in report.LinkWork.Lines)
        {
            var row = linkWork.Single(r => r[0] == line.Label);
            var group = Group(line.Code);
            Same($"{line.Code} count", line.Count.Display, Shown(Population(group, "measure-population")), row[1]);
            var inMeasure = line.Statistic == LinkWorkStatistic.None ? "–"
                : group.MeasureScore?.Value is { } value ? (line.Statistic == LinkWorkStatistic.PerPerson ? rule.MeanText((double)value) : rule.DaysText((double)value)) : "withheld";
            Same($"{line.Code} value", line.ValueText(rule), inMeasure, row[2]);
        }

        // Engagement, each source in its own table, and each group's code naming its source in the MeasureReport.
        foreach (var (caption, lines) in new[] { ("Engagement reported by providers", report.Engagement.ReportedByProviders), ("Engagement said by the person at follow-up", report.Engagement.SaidByPeople) })
        {
            var table = Table(page.Body, caption);
            Assert.Equal(lines.Select(l => l.Label), table.Select(r => r[0]));
            foreach (var line in lines)
            {
                var row = table.Single(r => r[0] == line.Label);
                var group = Group(line.Code);
                Same($"{line.Code} people", line.Count.Display, Shown(Population(group, "measure-population")), row[1]);
                var inMeasure = line.Statistic == EngagementStatistic.None ? "–" : group.MeasureScore?.Value is { } value ? rule.DaysText((double)value) : "withheld";
                Same($"{line.Code} median", line.ValueText(rule), inMeasure, row[2]);
            }
        }

        // The onward comparison (not randomised): the groups' sizes in the text and the MeasureReport, their changes in tables.
        var onward = report.LinkWork.Onward;
        Assert.Contains($"{onward.TookUpPeople.Display} took up at least one onward connection", page.Body, StringComparison.Ordinal);
        Same("onward took-up people", onward.TookUpPeople.Display, Shown(Population(Group("onward-took-up-people"), "measure-population")), onward.TookUpPeople.Display);
        foreach (var (caption, onwardChanges, code) in new[] { ("Change for people who took up an onward connection (not randomised)", onward.TookUp, "onward-took-up"), ("Change for people who took up no onward connection (not randomised)", onward.None, "onward-none") })
        {
            var table = Table(page.Body, caption);
            foreach (var change in onwardChanges)
            {
                var row = table.Single(r => r[0].StartsWith(change.Label + " (", StringComparison.Ordinal));
                Same($"{code} {change.Code} paired", change.Paired.Display, Shown(Population(Group(change.Code, code), "measure-population")), row[1]);
            }
        }

        Assert.True(compared > 30, $"only {compared} figures compared");
    }

    /// <summary>The body rows of the page's table with this caption, as the text of each cell.</summary>
    private static List<string[]> Table(string html, string caption)
    {
        var table = Regex.Match(html, $"<table[^>]*><caption[^>]*>{Regex.Escape(WebUtility.HtmlEncode(caption))}</caption>(.*?)</table>", RegexOptions.Singleline);
        Assert.True(table.Success, $"no table '{caption}'");
        var body = table.Groups[1].Value[table.Groups[1].Value.IndexOf("<tbody", StringComparison.Ordinal)..];
        return Regex.Matches(body, "<tr[^>]*>(.*?)</tr>", RegexOptions.Singleline)
            .Select(row => Regex.Matches(row.Groups[1].Value, "<td[^>]*>(.*?)</td>", RegexOptions.Singleline)
                .Select(cell => WebUtility.HtmlDecode(Regex.Replace(Regex.Replace(cell.Groups[1].Value, "<span class=\"nhsuk-table-responsive__heading\"[^>]*>.*?</span>", string.Empty), "<[^>]+>", string.Empty)).Trim())
                .ToArray())
            .ToList();
    }
}

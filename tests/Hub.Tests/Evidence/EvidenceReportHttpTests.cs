using System.Text.RegularExpressions;
using System.Xml.Linq;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Evidence;
using Hub.Platform.Storage;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Evidence;

/// <summary>A hub holding a generated population (<see cref="EvidencePopulation"/>, seed 11, 500 referrals across four
/// practices) written into its tables as the hub records journeys, a scheme over all four practices, and keys for the
/// scheme lead and for one practice.</summary>
public sealed class ReportingHub : TestHub
{
    public const string Scheme = EvidenceReaders.Scheme;

    private readonly EvidenceReaders _readers = new();

    public EvidencePopulation Population => _readers.Population;

    public string SchemeKey => _readers.SchemeKey;

    public string PracticeKey => _readers.PracticeKey;

    public string AnalystKey => _readers.AnalystKey;

    public string PracticeAnalystKey => _readers.PracticeAnalystKey;

    public static string OwnPractice => EvidenceReaders.OwnPractice;

    protected override void Setup(HubSetup hub) => _readers.Setup(hub, this);

    public Task<HttpAnswer> MeasureReportAsync(string? key, string query) => EvidenceReaders.MeasureReportAsync(this, key, query);

    public static MeasureReport Report(HttpAnswer answer) => EvidenceReaders.Report(answer);

    public static int? Count(MeasureReport report, string group, string population = "numerator") => EvidenceReaders.Count(report, group, population);

    public static int? Shown(int count) => EvidenceReaders.Shown(count);
}

public sealed class EvidenceReportHttpTests(ReportingHub hub) : IClassFixture<ReportingHub>
{
    [Fact]
    public async System.Threading.Tasks.Task A_scheme_lead_reads_a_summary_MeasureReport_with_the_counts_and_effects_put_in()
    {
        var report = ReportingHub.Report(await hub.MeasureReportAsync(hub.SchemeKey, $"?subject=Group/{ReportingHub.Scheme}"));
        var population = hub.Population;

        Assert.Equal(MeasureReport.MeasureReportType.Summary, report.Type);
        Assert.Equal(MeasureReport.MeasureReportStatus.Complete, report.Status);
        Assert.Equal(EvidenceMeasureReport.Measure, report.Measure);
        Assert.Equal("#cohort", report.Subject.Reference);
        Assert.Equal(ReportingHub.Shown(population.ExpectedOf("referred")), ReportingHub.Count(report, "funnel-referred"));
        Assert.Equal(ReportingHub.Shown(population.ExpectedOf("accepted")), ReportingHub.Count(report, "funnel-accepted"));
        Assert.Equal(ReportingHub.Shown(population.ExpectedOf("referred")), ReportingHub.Count(report, "funnel-accepted", "denominator"));
        Assert.Equal(ReportingHub.Shown(population.ExpectedOf("engaged")), ReportingHub.Count(report, "funnel-engaged"));
        Assert.Equal(ReportingHub.Shown(population.ExpectedOf("responded")), ReportingHub.Count(report, "funnel-responded"));

        // The life-satisfaction effect put in (+1.5) lies inside the reported 95% interval, and the p-values are tiny.
        var life = report.Group.Single(g => g.Code.Coding.Any(c => c.Code == "ons4-life-satisfaction") && g.Code.Coding.Any(c => c.Code == "took-up"));
        Assert.Equal(ReportingHub.Shown(population.ExpectedOf("responded")), life.Population.Single(p => p.Code.Coding[0].Code == "measure-population").Count);
        var interval = (Hl7.Fhir.Model.Range)life.MeasureScore.GetExtension(EvidenceMeasureReport.ConfidenceIntervalExtension).Value;
        Assert.InRange((decimal)EvidencePopulation.LifeSatisfactionEffect, interval.Low.Value!.Value, interval.High.Value!.Value);
        Assert.True(((FhirDecimal)life.MeasureScore.GetExtension(EvidenceMeasureReport.WilcoxonPExtension).Value).Value <= 0.001m);   // written at the floor: "at most 0.001"
        Assert.Equal(ReportingHub.Shown(population.ExpectedOf("no-response") + population.ExpectedOf("opted-out")),
            life.Population.Single(p => p.Code.Coding[0].Code == "baseline-only").Count);

        // The drop reasons, with the counts put in.
        var drops = report.Group.Single(g => g.Code.Coding[0].Code == "funnel-drops").Stratifier.Single().Stratum;
        int? Drop(string code) => drops.SingleOrDefault(s => s.Value.Coding[0].Code == code)?.Population.Single().Count;
        Assert.Equal(ReportingHub.Shown(population.ExpectedOf("declined:no-capacity")), Drop("drop:referred:declined:no-capacity"));
        Assert.Equal(ReportingHub.Shown(population.ExpectedOf("no-response")), Drop("drop:followed-up:no-response"));

        // The cost offset is there, labelled as an estimate.
        var cost = report.Group.Single(g => g.Code.Coding[0].Code == "cost-offset-3m");
        Assert.Contains("estimate", cost.Code.Text, StringComparison.Ordinal);
        Assert.Equal("GBP", cost.MeasureScore.Code);
    }

    [Fact]
    public async System.Threading.Tasks.Task The_MeasureReport_is_valid_FHIR_R4()
    {
        var report = ReportingHub.Report(await hub.MeasureReportAsync(hub.SchemeKey, "?period=2026-02"));
        FhirValidation.AssertValid(FhirValidation.NewValidator(), report);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_practice_sees_only_its_own_referrals_and_is_refused_another_practice_or_the_scheme()
    {
        var own = ReportingHub.Report(await hub.MeasureReportAsync(hub.PracticeKey, string.Empty));
        Assert.Equal(ReportingHub.Shown(hub.Population.ExpectedOf($"referred:{ReportingHub.OwnPractice}")), ReportingHub.Count(own, "funnel-referred"));
        var named = ReportingHub.Report(await hub.MeasureReportAsync(hub.PracticeKey, $"?subject=Organization/{ReportingHub.OwnPractice}"));
        Assert.Equal(ReportingHub.Count(own, "funnel-referred"), ReportingHub.Count(named, "funnel-referred"));

        var other = await hub.MeasureReportAsync(hub.PracticeKey, $"?subject=Organization/{EvidencePopulation.Practices[1]}");
        Assert.Equal(403, other.Status);
        Assert.Equal(["subject"], other.Expressions);
        var scheme = await hub.MeasureReportAsync(hub.PracticeKey, $"?subject=Group/{ReportingHub.Scheme}");
        Assert.Equal(403, scheme.Status);

        // The scheme lead may narrow to one of its practices and gets the same figures as the practice itself.
        var narrowed = ReportingHub.Report(await hub.MeasureReportAsync(hub.SchemeKey, $"?subject=Group/{ReportingHub.Scheme}&subject=Organization/{ReportingHub.OwnPractice}"));
        Assert.Equal(ReportingHub.Count(own, "funnel-referred"), ReportingHub.Count(narrowed, "funnel-referred"));
    }

    [Fact]
    public async System.Threading.Tasks.Task The_period_counts_referrals_received_in_it_and_a_provider_sees_its_own_offers()
    {
        var march = ReportingHub.Report(await hub.MeasureReportAsync(hub.SchemeKey, "?period=2026-03"));
        Assert.Equal(ReportingHub.Shown(hub.Population.Referrals.Count(r => r.ReferredAt.Month == 3)), ReportingHub.Count(march, "funnel-referred"));
        Assert.Equal("2026-03-01", march.Period.Start);
        Assert.Equal("2026-03-31", march.Period.End);

        var provider = EvidencePopulation.Providers[1];
        var seen = ReportingHub.Report(await hub.MeasureReportAsync(hub.SchemeKey, $"?subject=HealthcareService/{provider}"));
        Assert.Equal(ReportingHub.Shown(hub.Population.ExpectedOf($"accepted-by:{provider}")), ReportingHub.Count(seen, "funnel-accepted"));
        var cohort = (Hl7.Fhir.Model.Group)seen.Contained.Single();
        Assert.Equal($"HealthcareService/{provider}", ((ResourceReference)cohort.Characteristic.Single().Value).Reference);
    }

    [Fact]
    public async System.Threading.Tasks.Task Small_numbers_are_masked_and_the_rest_rounded_to_fives_in_the_MeasureReport()
    {
        // One practice, one month: about twenty referrals, so several reasons and stages hold 1–7 people.
        var report = ReportingHub.Report(await hub.MeasureReportAsync(hub.PracticeKey, "?period=2026-02"));
        var counts = report.Group.SelectMany(g => g.Population.Cast<Element>().Select(p => (p, ((MeasureReport.PopulationComponent)p).Count))
            .Concat(g.Stratifier.SelectMany(st => st.Stratum).SelectMany(x => x.Population).Select(p => ((Element)p, p.Count)))).ToList();
        Assert.All(counts, c =>
        {
            if (c.Count is { } shown)
            {
                Assert.Equal(0, shown % 5);
            }
            else
            {
                Assert.Equal("masked", ((Code)c.Item1.GetExtension(EvidenceMeasureReport.DataAbsentReason).Value).Value);
            }
        });
        Assert.Contains(counts, c => c.Count is null);
        var expected = hub.Population.Referrals.Count(r => r.PracticeOds == ReportingHub.OwnPractice && r.ReferredAt.Month == 2);
        Assert.Equal(ReportingHub.Shown(expected), ReportingHub.Count(report, "funnel-referred"));
    }

    [Fact]
    public async System.Threading.Tasks.Task Bad_requests_get_an_OperationOutcome_naming_the_parameter()
    {
        Assert.Equal(401, (await hub.MeasureReportAsync(null, string.Empty)).Status);
        var bad = await hub.MeasureReportAsync(hub.SchemeKey, "?subject=Patient/1&period=2026-13&measure=x");
        Assert.Equal(400, bad.Status);
        Assert.Equal(["measure", "period", "subject"], bad.Expressions.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async System.Threading.Tasks.Task The_HTML_report_draws_its_charts_with_text_alternatives_and_keeps_small_numbers_hidden()
    {
        var page = await TestHub.CallAsync(HttpCall.Request("GET", "/api/reports/evidence", apiKey: hub.SchemeKey, query: "?period=2026"),
            r => hub.Function<ReportHttp>().Page(r));
        Assert.Equal(200, page.Status);
        Assert.StartsWith("text/html", page.ContentType, StringComparison.Ordinal);
        var charts = Regex.Matches(page.Body, "<svg.*?</svg>", RegexOptions.Singleline).Select(m => XElement.Parse(m.Value)).ToList();
        Assert.Equal(3, charts.Count);
        XNamespace svg = "http://www.w3.org/2000/svg";
        Assert.All(charts, c =>
        {
            Assert.Equal("img", (string?)c.Attribute("role"));
            Assert.False(string.IsNullOrWhiteSpace(c.Element(svg + "desc")?.Value));
        });
        var funnelDesc = charts[0].Element(svg + "desc")!.Value;
        Assert.Contains($"Referred: {DisclosureRule.Default.Count(hub.Population.ExpectedOf("referred")).Display}", funnelDesc, StringComparison.Ordinal);
        Assert.Contains("not randomised", page.Body, StringComparison.Ordinal);
        Assert.Contains("It is not a measured saving", page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("gen-11-", page.Body, StringComparison.Ordinal);   // no referral ids
        Assert.DoesNotContain("style=", page.Body, StringComparison.Ordinal);    // the CSP forbids inline styles
    }

    [Fact]
    public async System.Threading.Tasks.Task A_person_fills_in_the_form_and_gets_the_report_or_a_clear_page()
    {
        var form = await TestHub.CallAsync(HttpCall.Request("GET", "/api/reports"), r => System.Threading.Tasks.Task.FromResult(ReportHttp.Form(r)));
        var cookie = form.Headers.SetCookie.ToString().Split(';')[0];
        var csrf = Regex.Match(form.Body, "name=\"csrf\" value=\"([^\"]+)\"").Groups[1].Value;

        async Task<HttpAnswer> Post(string fields, bool withCookie = true)
        {
            var request = HttpCall.Request("POST", "/api/reports", TestHub.Utf8(fields), "application/x-www-form-urlencoded");
            if (withCookie)
            {
                request.Headers.Cookie = cookie;
            }

            return await TestHub.CallAsync(request, r => hub.Function<ReportHttp>().FromForm(r));
        }

        var shown = await Post($"csrf={csrf}&key={Uri.EscapeDataString(hub.PracticeKey)}&from=2026-01-01&to=2026-06-30&format=html");
        Assert.Equal(200, shown.Status);
        Assert.Contains("referrals from 1 January 2026 to 30 June 2026", shown.Body, StringComparison.Ordinal);
        Assert.Equal(403, (await Post($"csrf={csrf}&key={Uri.EscapeDataString(hub.PracticeKey)}", withCookie: false)).Status);
        var wrongKey = await Post($"csrf={csrf}&key=sph_nope_nope");
        Assert.Equal(401, wrongKey.Status);
        Assert.Contains("API key not recognised", wrongKey.Body, StringComparison.Ordinal);
        var badDate = await Post($"csrf={csrf}&key={Uri.EscapeDataString(hub.PracticeKey)}&from=last+spring");
        Assert.Equal(400, badDate.Status);
        Assert.Contains("is not a date", badDate.Body, StringComparison.Ordinal);
        var otherPractice = await Post($"csrf={csrf}&key={Uri.EscapeDataString(hub.PracticeKey)}&practice={EvidencePopulation.Practices[2]}");
        Assert.Equal(403, otherPractice.Status);
    }

    [Fact]
    public async System.Threading.Tasks.Task The_CSV_has_one_de_identified_row_per_referral_with_a_stable_pseudonym()
    {
        async Task<string[]> Export() => (await TestHub.CallAsync(HttpCall.Request("GET", "/api/reports/referrals.csv", apiKey: hub.PracticeAnalystKey, query: "?purpose=pseudonym-check"),
            r => hub.Function<ReportHttp>().Csv(r))).Body.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        var first = await Export();
        var second = await Export();
        Assert.StartsWith("pseudonym,practice_ods,referral_month,", first[0], StringComparison.Ordinal);
        Assert.Equal(hub.Population.ExpectedOf($"referred:{ReportingHub.OwnPractice}"), first.Length - 1);
        Assert.Equal(first, second);
        var pseudonyms = first.Skip(1).Select(l => l.Split(',')[0]).ToList();
        Assert.Equal(pseudonyms.Count, pseudonyms.Distinct().Count());
        Assert.All(pseudonyms, p => Assert.Matches("^p-[0-9a-f]{20}$", p));
        Assert.DoesNotContain("gen-11-", string.Join('\n', first), StringComparison.Ordinal);
        Assert.All(first.Skip(1), l => Assert.Equal(ReportingHub.OwnPractice, l.Split(',')[1]));
        Assert.Matches("^2026-0[1-6]$", first[1].Split(',')[2]);   // the month, not the date
    }

    [Fact]
    public async System.Threading.Tasks.Task An_operator_takes_a_snapshot_and_reports_show_the_figures_as_at_it()
    {
        // A new practice's referrals arrive after the snapshot (outside the scheme, so the other tests' figures stand).
        var key = await hub.KeyForAsync("late-practice", "P99999");
        await new EvidencePopulation(seed: 99, referrals: 12, practices: ["P99999"]).WriteAsync(hub.Get<HubTables>());
        var before = ReportingHub.Report(await hub.MeasureReportAsync(key, string.Empty));
        Assert.Equal(0, ReportingHub.Count(before, "funnel-referred"));

        var taken = await TestHub.CallAsync(HttpCall.Request("POST", "/api/manage/reports/snapshot"), r => hub.Function<EvidenceSnapshotTimer>().Now(r));
        Assert.Equal(200, taken.Status);
        Assert.Contains("\"referrals\":", taken.Body, StringComparison.Ordinal);
        var after = ReportingHub.Report(await hub.MeasureReportAsync(key, string.Empty));
        Assert.Equal(ReportingHub.Shown(12), ReportingHub.Count(after, "funnel-referred"));
        Assert.True(string.CompareOrdinal(after.Date, before.Date) > 0);
    }
}

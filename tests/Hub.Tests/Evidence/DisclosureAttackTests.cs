using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Evidence;
using Hub.Platform.Storage;
using Hub.Referrals;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Evidence;

/// <summary>A scheme of two large and two small practices (a handful of referrals a month each), three ordinary
/// providers (the third only ever asked second) and one tiny one, with keys for the scheme lead, a small practice and an analyst.</summary>
public sealed class DisclosureHub : TestHub
{
    public const string Scheme = "smalltown";
    public static readonly IReadOnlyList<string> Practices = ["L20001", "L20002", "S20003", "S20004"];
    public static readonly IReadOnlyList<string> Providers = ["prov-garden", "prov-walk", "prov-arts", "prov-tiny"];

    public EvidencePopulation Population { get; } = new(seed: 23, referrals: 640, Practices, practiceWeights: [10, 10, 1, 1],
        Providers, providerWeights: [40, 40, 0, 1]);

    public string SchemeKey { get; private set; } = null!;

    public string SmallPracticeKey { get; private set; } = null!;

    public string AnalystKey { get; private set; } = null!;

    protected override void Setup(HubSetup hub) =>
        hub.Set("Reporting:GpAppointmentCost", "40")
            .Set("Reporting:AeAttendanceCost", "200")
            .Set("Reporting:ProgrammeCostPerReferral", "300")
            .Set("Reporting:PseudonymKey", "disclosure-test-pseudonym-key")
            .OnStarted(async _ =>
            {
                await Population.WriteAsync(Get<HubTables>());
                await Get<Schemes>().SaveAsync(Scheme, "Smalltown social prescribing", Practices);
                var keys = Get<ApiKeys>();
                await keys.SaveClientAsync("smalltown-lead", "Smalltown scheme lead", [], [Scheme]);
                SchemeKey = (await keys.IssueAsync("smalltown-lead"))!.ApiKey;
                SmallPracticeKey = await KeyForAsync("small-practice", Practices[2]);
                await keys.SaveClientAsync("smalltown-analyst", "Smalltown analyst", [], [Scheme], KeyRole.Analyst);
                AnalystKey = (await keys.IssueAsync("smalltown-analyst"))!.ApiKey;
                await Get<EvidenceUpdate>().UpdateAsync();
            });
}

/// <summary>The attacker: with each key role, every report the key may get (scheme, each practice, each provider;
/// each month, runs of months and the whole half-year) is read, and every count the reports publish becomes an interval
/// of what the true count could be. Then every identity that holds between true counts is used to narrow them, over
/// and over until nothing narrows: within a report (referred = accepted + each not-accepted reason; people with both
/// answers = improved + unchanged + worse; accepted = engaged + withdrawn + did not attend), scheme = sum of its
/// practices, a run of months = sum of its months (so one run minus an overlapping one), accepted = sum over providers.
/// A hidden count is recovered when it is narrowed to one value: none may be. Means are tried against counts too.</summary>
public sealed class DisclosureAttackTests(DisclosureHub hub) : IClassFixture<DisclosureHub>
{
    private static readonly string[][] Runs =
    [
        ["2026-01"], ["2026-02"], ["2026-03"], ["2026-04"], ["2026-05"], ["2026-06"],
        ["2026-01", "2026-02", "2026-03"], ["2026-04", "2026-05", "2026-06"], ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"],
    ];

    /// <summary>Runs of months that overlap without one holding the other: one minus the other would leave a month.</summary>
    private static readonly string[][] Overlapping =
    [
        ["2026-01", "2026-02"], ["2026-02", "2026-03"], ["2026-02", "2026-03", "2026-04"], ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"],
    ];

    [Fact]
    public async System.Threading.Tasks.Task The_scheme_lead_recovers_no_hidden_count_inside_a_report_nor_from_scheme_minus_practices_nor_block_minus_months() =>
        AssertNothingRecovered(await AttackAsync(hub.SchemeKey, SchemeAreas, providerSums: false));

    [Fact]
    public async System.Threading.Tasks.Task An_analyst_recovers_no_hidden_count_inside_a_report_nor_from_scheme_minus_practices_nor_block_minus_months() =>
        AssertNothingRecovered(await AttackAsync(hub.AnalystKey, SchemeAreas, providerSums: false));

    [Fact]
    public async System.Threading.Tasks.Task A_small_practice_recovers_no_hidden_count_from_its_reports_and_its_providers_views() =>
        AssertNothingRecovered(await AttackAsync(hub.SmallPracticeKey, [("practice", string.Empty)]), enough: 5);

    /// <summary>The whole attack: the above and, from acceptance on, an area's figures as the sum of its providers'
    /// views, set against the practices and the months at once (before the providers' views were a division of the
    /// lattice, this pinned 111 hidden counts of 1–3 people where the three meet).</summary>
    [Fact]
    public async System.Threading.Tasks.Task The_scheme_lead_recovers_no_hidden_count_with_every_identity_at_once()
    {
        var attack = await AttackAsync(hub.SchemeKey, SchemeAreas);
        AssertNothingRecovered(attack);
        // The engagement figures are in the attack too, and some of them are hidden.
        Assert.True(attack.HiddenOf("engagement-provider-") > 0 && attack.HiddenOf("engagement-person-") > 0, "No engagement figure hidden: the attack does not reach them");
    }

    [Fact]
    public async System.Threading.Tasks.Task A_mean_and_a_count_never_give_back_the_change_of_the_people_in_a_month_whose_statistics_are_withheld()
    {
        var subjects = DisclosureHub.Practices.Select(p => ($"practice:{p}/all", string.Empty)).ToList();
        var attack = await AttackAsync(hub.SchemeKey, SchemeAreas);
        attack.Narrow();
        var tried = 0;
        foreach (var (subject, _) in subjects)
        {
            // A block of months minus a block inside it: the people in the months left over, whose own reports
            // withhold the mean because there are fewer than eight of them.
            foreach (var (longer, shorter, month) in new[] { (Runs[6], Runs[0], "2026-02,2026-03"), (Runs[8], Runs[6], "2026-04,2026-05,2026-06"), (Runs[7], Runs[3], "2026-05,2026-06") })
            {
                foreach (var group in attack.MeanGroups(subject, Period(longer)))
                {
                    if (attack.Mean(subject, Period(longer), group) is not { } mLong || attack.Mean(subject, Period(shorter), group) is not { } mShort)
                    {
                        continue;
                    }

                    var nLong = attack.Interval((subject, Period(longer), group + "|measure-population"));
                    var nShort = attack.Interval((subject, Period(shorter), group + "|measure-population"));
                    // Sum of the extra people's changes = n₁·m₁ − n₀·m₀, each mean known to ± half its last digit.
                    var half = 0.05;
                    var products1 = Corners(nLong, mLong - half, mLong + half);
                    var products0 = Corners(nShort, mShort - half, mShort + half);
                    var width = (products1.Max - products0.Min) - (products1.Min - products0.Max);
                    Assert.True(width >= 1, $"{subject} {month} {group}: the sum of the withheld people's changes is pinned to within {width:0.00} points");
                    tried++;
                }
            }
        }

        Assert.True(tried > 0);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_period_shorter_than_a_month_or_one_day_more_is_refused_to_every_report_key()
    {
        foreach (var key in new[] { hub.SchemeKey, hub.SmallPracticeKey, hub.AnalystKey })
        {
            foreach (var period in new[] { "?period=2026-02-15", "?period=ge2026-02-01&period=lt2026-02-02", "?period=ge2026-01-01&period=le2026-03-01", "?period=ge2026-01-02" })
            {
                var answer = await EvidenceReaders.MeasureReportAsync(hub, key, period);
                Assert.Equal(400, answer.Status);
                Assert.Equal(["period"], answer.Expressions);
            }
        }

        var page = await TestHub.CallAsync(HttpCall.Request("GET", "/api/reports/evidence", apiKey: hub.SchemeKey, query: "?period=ge2026-03-01&period=lt2026-03-09"), r => hub.Function<ReportHttp>().Page(r));
        Assert.Equal(400, page.Status);
        Assert.Contains("whole calendar months", page.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async System.Threading.Tasks.Task Runs_of_months_that_overlap_without_nesting_are_refused_to_every_report_key()
    {
        foreach (var key in new[] { hub.SchemeKey, hub.SmallPracticeKey, hub.AnalystKey })
        {
            foreach (var period in Overlapping.Select(r => "?" + Period(r)).Append("?period=ge2026-02-01").Append("?period=lt2026-03-01"))
            {
                var answer = await EvidenceReaders.MeasureReportAsync(hub, key, period);
                Assert.True(answer.Status == 400, $"{period}: {answer.Status}");
                Assert.Equal(["period"], answer.Expressions);
            }
        }

        var page = await TestHub.CallAsync(HttpCall.Request("GET", "/api/reports/evidence", apiKey: hub.SchemeKey, query: "?period=ge2026-02-01&period=le2026-03-31"), r => hub.Function<ReportHttp>().Page(r));
        Assert.Equal(400, page.Status);
        Assert.Contains("calendar block", page.Body, StringComparison.Ordinal);
        foreach (var block in new[] { "?period=2026-02", "?period=ge2026-04-01&period=le2026-06-30", "?period=ge2026-01-01&period=le2026-06-30", "?period=2026", "?period=ge2026-04-01" })
        {
            Assert.Equal(200, (await EvidenceReaders.MeasureReportAsync(hub, hub.SchemeKey, block)).Status);
        }
    }

    [Fact]
    public async System.Threading.Tasks.Task Only_an_analyst_key_exports_per_person_rows_each_export_audited_with_its_purpose()
    {
        Task<HttpAnswer> Csv(string key, string query) =>
            TestHub.CallAsync(HttpCall.Request("GET", "/api/reports/referrals.csv", apiKey: key, query: query), r => hub.Function<ReportHttp>().Csv(r));

        Assert.Equal(403, (await Csv(hub.SchemeKey, "?purpose=evaluation")).Status);
        Assert.Equal(403, (await Csv(hub.SmallPracticeKey, "?purpose=evaluation")).Status);
        Assert.Equal(400, (await Csv(hub.AnalystKey, string.Empty)).Status);

        var export = await Csv(hub.AnalystKey, "?purpose=DSA-2026-014%20outcomes%20evaluation");
        Assert.Equal(200, export.Status);
        var lines = export.Body.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(hub.Population.Referrals.Count, lines.Length - 1);
        var providers = lines.Skip(1).Select(l => l.Split(',')[3]).Where(p => p.Length > 0).ToHashSet();
        // The tiny provider had too few referrals to be named; the others are named.
        Assert.Contains(EvidenceCsv.OtherProvider, providers);
        Assert.DoesNotContain("prov-tiny", providers);
        Assert.Contains("prov-garden", providers);
        Assert.All(lines.Skip(1), l => Assert.Matches("^2026-0[1-6]$", l.Split(',')[2]));
        Assert.All(lines.Skip(1).Select(l => l.Split(',')[7]).Where(d => d.Length > 0), d => Assert.Matches("^[0-9]+$", d));   // whole days

        var audit = await hub.Get<AuditTrail>().ReadAsync("client-smalltown-analyst");
        var recorded = Assert.Single(audit, e => e.Event == "evidence-exported");
        Assert.Equal("client:smalltown-analyst", recorded.Actor);
        Assert.Contains("purpose: DSA-2026-014 outcomes evaluation", recorded.Outcome, StringComparison.Ordinal);
        Assert.Contains($"{hub.Population.Referrals.Count} rows", recorded.Outcome, StringComparison.Ordinal);
    }

    [Fact]
    public async System.Threading.Tasks.Task An_admin_issues_an_analyst_key_whose_exports_work_and_an_unknown_role_is_refused()
    {
        Task<HttpAnswer> Save(string json) => TestHub.CallAsync(HttpCall.Request("POST", "/api/manage/clients", TestHub.Utf8(json), "application/json"),
            r => hub.Function<ApiKeysAdminHttp>().SaveClient(r));

        var bad = await Save($"{{\"clientId\":\"odd-role\",\"schemeIds\":[\"{DisclosureHub.Scheme}\"],\"role\":\"superuser\"}}");
        Assert.Equal(400, bad.Status);
        Assert.Contains("analyst", bad.Body, StringComparison.Ordinal);

        var issued = await Save($"{{\"clientId\":\"issued-analyst\",\"name\":\"Evaluation team\",\"schemeIds\":[\"{DisclosureHub.Scheme}\"],\"role\":\"analyst\"}}");
        Assert.Equal(201, issued.Status);
        var key = System.Text.Json.JsonDocument.Parse(issued.Body).RootElement.GetProperty("apiKey").GetString()!;
        var export = await TestHub.CallAsync(HttpCall.Request("GET", "/api/reports/referrals.csv", apiKey: key, query: "?period=2026-03&purpose=evaluation"), r => hub.Function<ReportHttp>().Csv(r));
        Assert.Equal(200, export.Status);

        var reader = await Save($"{{\"clientId\":\"issued-reader\",\"schemeIds\":[\"{DisclosureHub.Scheme}\"]}}");
        var readerKey = System.Text.Json.JsonDocument.Parse(reader.Body).RootElement.GetProperty("apiKey").GetString()!;
        Assert.Equal(403, (await TestHub.CallAsync(HttpCall.Request("GET", "/api/reports/referrals.csv", apiKey: readerKey, query: "?purpose=evaluation"), r => hub.Function<ReportHttp>().Csv(r))).Status);
    }

    /// <summary>The areas a scheme key may name: the scheme, and each of its practices.</summary>
    private static readonly IReadOnlyList<(string Name, string Query)> SchemeAreas =
        [("scheme", $"subject=Group/{DisclosureHub.Scheme}"), .. DisclosureHub.Practices.Select(p => ($"practice:{p}", $"subject=Group/{DisclosureHub.Scheme}&subject=Organization/{p}"))];

    /// <summary>Sums every report publishes: the funnel stage by stage (each stage = the next + why the others stopped
    /// there or are still on the way), the days-to-acceptance chart (its bins add up to the people accepted).</summary>
    private static readonly (string Total, string[] Parts)[] InReport =
    [
        ("funnel-referred|numerator", ["funnel-accepted|numerator", "funnel-drops|stratum:drop:referred:all-declined", "funnel-drops|stratum:drop:referred:no-provider", "funnel-drops|stratum:drop:referred:cancelled", "funnel-drops|stratum:drop:referred:in-progress"]),
        ("funnel-accepted|numerator", ["funnel-engaged|numerator", "funnel-drops|stratum:drop:accepted:cancelled", "funnel-drops|stratum:drop:accepted:did-not-attend"]),
        ("funnel-engaged|numerator", ["funnel-followed-up|numerator", "funnel-drops|stratum:drop:engaged:opted-out", "funnel-drops|stratum:drop:engaged:not-yet-due"]),
        ("funnel-followed-up|numerator", ["funnel-responded|numerator", "funnel-drops|stratum:drop:followed-up:no-response", "funnel-drops|stratum:drop:followed-up:opted-out", "funnel-drops|stratum:drop:followed-up:survey-open"]),
        ("time-to-acceptance-median|measure-population", [.. Enumerable.Range(0, ReportTimeliness.TimeToAcceptBinEdges.Count).Select(i => $"time-to-acceptance-days|stratum:days-bin-{i}")]),
        // One figure printed twice is one figure: a stage is the next stage's denominator; a time's median and 90th percentile have one count.
        ("funnel-referred|numerator", ["funnel-accepted|denominator"]),
        ("funnel-accepted|numerator", ["funnel-engaged|denominator"]),
        ("funnel-engaged|numerator", ["funnel-followed-up|denominator"]),
        ("funnel-followed-up|numerator", ["funnel-responded|denominator"]),
        ("funnel-accepted|numerator", ["time-to-acceptance-median|measure-population"]),
        ("time-to-provider-answer-median|measure-population", ["time-to-provider-answer-p90|measure-population"]),
        ("time-to-acceptance-median|measure-population", ["time-to-acceptance-p90|measure-population"]),
        ("time-to-first-session-median|measure-population", ["time-to-first-session-p90|measure-population"]),
        // Engagement, each source within itself and against the funnel's own figure for the same people.
        ("funnel-accepted|numerator", ["engagement-provider-reported|measure-population", "engagement-provider-not-reported|measure-population"]),
        ("engagement-provider-reported|measure-population", ["engagement-provider-ongoing|measure-population", "engagement-provider-declined|measure-population", "engagement-provider-finished|measure-population", "engagement-provider-stopped|measure-population"]),
        ("engagement-person-answered|measure-population", ["engagement-person-attended|measure-population", "engagement-person-not-attended|measure-population", "engagement-person-attendance-not-said|measure-population"]),
        ("engagement-person-answered|measure-population", ["funnel-responded|numerator", "engagement-person-not-attended|measure-population"]),
        ("funnel-drops|stratum:drop:accepted:did-not-attend", ["engagement-person-not-attended|measure-population"]),
    ];

    private static readonly string[] Directions = ["improved", "unchanged", "worse"];

    private static string Period(string[] months) => months.Length == 1 ? $"period={months[0]}" : $"period=ge{months[0]}-01&period=le{months[^1]}";

    /// <summary>Reads every report the key may get over these areas (each alone and through each provider's view, for
    /// every block of months) and sets down every identity that holds between the true counts.</summary>
    /// <param name="providerSums">Also use that, from acceptance on, an area's figures are the sum of its providers' views.</param>
    private async Task<Attack> AttackAsync(string key, IReadOnlyList<(string Name, string Query)> areas, bool providerSums = true)
    {
        var attack = new Attack();
        var views = DisclosureHub.Providers.Select(p => ((string?)p, $"subject=HealthcareService/{p}")).Prepend((null, string.Empty)).ToList();
        foreach (var (area, areaQuery) in areas)
        {
            foreach (var (provider, providerQuery) in views)
            {
                foreach (var run in Runs)
                {
                    var search = "?" + string.Join('&', new[] { areaQuery, providerQuery, Period(run) }.Where(p => p.Length > 0));
                    var report = EvidenceReaders.Report(await EvidenceReaders.MeasureReportAsync(hub, key, search));
                    attack.Read(Subject(area, provider), Period(run), report);
                }
            }
        }

        // The identities that hold inside every report.
        foreach (var (subject, period) in attack.Reports)
        {
            foreach (var (total, parts) in InReport)
            {
                attack.Sum((subject, period, total), parts.Select(k => (subject, period, k)));
            }

            foreach (var group in attack.MeanGroups(subject, period))
            {
                // People with both answers = improved + unchanged + worse, for every measure and the comparison group.
                attack.Sum((subject, period, group + "|measure-population"), Directions.Select(d => (subject, period, $"{group}|stratum:{d}")));
            }
        }

        foreach (var run in Runs)
        {
            var period = Period(run);
            foreach (var (provider, _) in views)
            {
                // The scheme is the sum of its practices, figure by figure.
                if (areas.Any(a => a.Name == "scheme"))
                {
                    foreach (var key2 in attack.KeysOf(Subject("scheme", provider), period))
                    {
                        attack.Sum((Subject("scheme", provider), period, key2), DisclosureHub.Practices.Select(p => (Subject($"practice:{p}", provider), period, key2)));
                    }
                }
            }

            // A referral is accepted by one provider at most: from acceptance on, the area's figures are the sum of the providers' views.
            foreach (var (area, _) in providerSums ? areas : [])
            {
                foreach (var key2 in attack.KeysOf(Subject(area, null), period).Where(AfterAcceptance))
                {
                    attack.Sum((Subject(area, null), period, key2), DisclosureHub.Providers.Select(p => (Subject(area, p), period, key2)));
                }
            }
        }

        // A block of months is the sum of its months, and of the blocks inside it, per subject.
        foreach (var subject in attack.Reports.Select(r => r.Subject).Distinct().ToList())
        {
            foreach (var run in Runs.Where(r => r.Length > 1))
            {
                foreach (var key2 in attack.KeysOf(subject, Period(run)))
                {
                    attack.Sum((subject, Period(run), key2), run.Select(m => (subject, Period([m]), key2)));
                    if (run.Length == 6)
                    {
                        attack.Sum((subject, Period(run), key2), new[] { Runs[6], Runs[7] }.Select(q => (subject, Period(q), key2)));
                    }
                }
            }
        }

        return attack;
    }

    private static string Subject(string area, string? provider) => $"{area}/{provider ?? "all"}";

    /// <summary>Figures about people accepted: each is one provider's, so they add up over the providers' views.</summary>
    private static bool AfterAcceptance(string key) =>
        key.StartsWith("funnel-accepted|numerator", StringComparison.Ordinal) || key.StartsWith("funnel-engaged|", StringComparison.Ordinal)
        || key.StartsWith("funnel-followed-up|", StringComparison.Ordinal) || key.StartsWith("funnel-responded|", StringComparison.Ordinal)
        || key.StartsWith("funnel-drops|stratum:drop:accepted:", StringComparison.Ordinal) || key.StartsWith("funnel-drops|stratum:drop:engaged:", StringComparison.Ordinal)
        || key.StartsWith("funnel-drops|stratum:drop:followed-up:", StringComparison.Ordinal)
        || key.StartsWith("time-to-acceptance", StringComparison.Ordinal) || key.StartsWith("time-to-first-session", StringComparison.Ordinal)
        || key.StartsWith("engagement-", StringComparison.Ordinal)
        || key.Contains("+took-up|", StringComparison.Ordinal) || key.Contains("+comparison-group|", StringComparison.Ordinal);

    private static void AssertNothingRecovered(Attack attack, int enough = 20)
    {
        attack.Narrow();
        var recovered = attack.Recovered().ToList();
        Assert.True(recovered.Count == 0, $"{recovered.Count} hidden counts recovered: " + string.Join("; ", recovered.Take(40)));
        Assert.True(attack.Hidden > enough, $"Only {attack.Hidden} hidden counts: the population is not small enough to test anything.");
    }

    private static (double Min, double Max) Corners((int Low, int High) n, double low, double high)
    {
        var corners = new[] { n.Low * low, n.Low * high, n.High * low, n.High * high };
        return (corners.Min(), corners.Max());
    }

    /// <summary>What the attacker knows: an interval per published count, and the sums that hold between them.</summary>
    private sealed class Attack
    {
        private readonly Dictionary<(string Subject, string Period, string Key), (int Low, int High)> _known = [];
        private readonly HashSet<(string, string, string)> _hidden = [];
        private readonly Dictionary<(string Subject, string Period, string Group), double> _means = [];
        private readonly List<((string, string, string) Total, List<(string, string, string)> Parts)> _sums = [];

        public List<(string Subject, string Period)> Reports { get; } = [];

        /// <summary>What "*" can stand for: 1–7 under the primary rule alone, but any count once secondary suppression
        /// hides larger ones beside it (the page says so), so the attacker may assume no upper end.</summary>
        public const int HiddenUpTo = 100_000;

        public int Hidden => _hidden.Count;

        public int HiddenOf(string prefix) => _hidden.Count(h => h.Item3.StartsWith(prefix, StringComparison.Ordinal));

        public void Read(string subject, string period, MeasureReport report)
        {
            Reports.Add((subject, period));
            foreach (var group in report.Group)
            {
                var name = string.Join('+', group.Code.Coding.Select(c => c.Code));
                foreach (var population in group.Population)
                {
                    Learn((subject, period, $"{name}|{population.Code.Coding[0].Code}"), population.Count);
                }

                foreach (var stratum in group.Stratifier.SelectMany(s => s.Stratum))
                {
                    Learn((subject, period, $"{name}|stratum:{stratum.Value.Coding[0].Code}"), stratum.Population.Single().Count);
                }

                if (group.Code.Coding.Count == 2 && group.MeasureScore?.Value is { } mean)
                {
                    _means[(subject, period, name)] = (double)mean;
                }
            }
        }

        public List<string> KeysOf(string subject, string period) =>
            _known.Keys.Where(k => k.Subject == subject && k.Period == period).Select(k => k.Key).ToList();

        public List<string> MeanGroups(string subject, string period) =>
            KeysOf(subject, period).Where(k => k.EndsWith("|measure-population", StringComparison.Ordinal) && k.Contains('+', StringComparison.Ordinal))
                .Select(k => k[..k.IndexOf('|', StringComparison.Ordinal)]).Distinct().ToList();

        public double? Mean(string subject, string period, string group) => _means.TryGetValue((subject, period, group), out var m) ? m : null;

        public (int Low, int High) Interval((string, string, string) key) => _known.GetValueOrDefault(key, (0, 0));

        public void Sum((string, string, string) total, IEnumerable<(string, string, string)> parts) => _sums.Add((total, parts.ToList()));

        /// <summary>Narrows every interval by every sum until nothing changes.</summary>
        public void Narrow()
        {
            for (var changed = true; changed;)
            {
                changed = false;
                foreach (var (total, parts) in _sums)
                {
                    var t = Interval(total);
                    var low = parts.Sum(p => Interval(p).Low);
                    var high = parts.Sum(p => Interval(p).High);
                    changed |= Tighten(total, low, high);
                    foreach (var part in parts)
                    {
                        var own = Interval(part);
                        // The other parts add up to between (low - own.Low) and (high - own.High).
                        changed |= Tighten(part, t.Low - (high - own.High), t.High - (low - own.Low));
                    }
                }
            }
        }

        public IEnumerable<string> Recovered() =>
            _hidden.Where(h => Interval(h) is var (low, high) && low == high).Select(h => $"{h} = {Interval(h).Low}");

        private bool Tighten((string, string, string) key, int low, int high)
        {
            var (oldLow, oldHigh) = Interval(key);
            var (newLow, newHigh) = (Math.Max(oldLow, low), Math.Min(oldHigh, high));
            Assert.True(newLow <= newHigh, $"{key}: the attacker's identities contradict the published figures");
            if ((newLow, newHigh) == (oldLow, oldHigh))
            {
                return false;
            }

            _known[key] = (newLow, newHigh);
            return true;
        }

        private void Learn((string, string, string) key, int? shown)
        {
            // What a published figure says about the true count under NHS England's rule: 0 is 0, * is 1–7, n is n ± 2.
            (int, int) interval = shown switch
            {
                null => (1, HiddenUpTo),
                0 => (0, 0),
                { } n => (Math.Max(8, n - 2), n + 2),
            };
            if (shown is null)
            {
                _hidden.Add(key);
            }

            _known[key] = _known.TryGetValue(key, out var before) ? (Math.Max(before.Low, interval.Item1), Math.Min(before.High, interval.Item2)) : interval;
        }
    }
}

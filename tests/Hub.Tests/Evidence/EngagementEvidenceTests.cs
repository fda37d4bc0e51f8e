using Hub.Evidence;
using Hub.FollowUp;
using Hub.LinkWork;
using Hub.Platform.Fhir;
using Hub.Referrals;
using Microsoft.Extensions.Options;

namespace Hub.Tests.Evidence;

/// <summary>Engagement after acceptance in the evidence, from its two sources kept apart: what the accepting providers
/// reported (progress reports in the audit trail) and what the people said at follow-up; and the link workers' own
/// assessments and the onward comparison (not randomised) beside the follow-up's outcomes.</summary>
[Trait("Category", "Unit")]
public sealed class EngagementEvidenceTests
{
    private static readonly ReportScope Scope = new(null, null, [], DateTimeOffset.UnixEpoch);
    private static readonly ReportingOptions Costs = new();
    private static readonly MeasureCatalogue Measures = MeasureCatalogue.Shipped;
    private static readonly DateTimeOffset Referred = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Providers_reports_and_peoples_answers_are_counted_apart_as_the_population_made_them()
    {
        var population = new EvidencePopulation(seed: 31, referrals: 2000);
        var rows = population.Rows();
        var cell = EvidenceCells.Of(rows, Measures).Merge(EvidencePopulation.Practices, null, null);

        // What the providers reported, counted from the audit trail's progress-reported lines.
        Assert.Equal(population.ExpectedOf("provider-reported"), cell.ProviderReported);
        Assert.Equal(population.ExpectedOf("provider-attended"), cell.ProviderAttended);
        Assert.Equal(population.ExpectedOf("provider-declined"), cell.ProviderDeclined);
        Assert.Equal(population.ExpectedOf("provider-finished"), cell.ProviderFinished);
        Assert.Equal(population.ExpectedOf("provider-stopped"), cell.ProviderStopped);
        Assert.Equal(population.ExpectedDaysToFirstSession.Count, Histogram.Total(cell.DaysToFirstSessionAttended));
        Assert.Equal(population.ExpectedSessions.Sum(), cell.SessionsReported.Sum(s => s.Key * s.Value));
        // What the people said at follow-up: those who answered, attended or said they never did.
        Assert.Equal(population.ExpectedOf("responded") + population.ExpectedOf("did-not-attend"), cell.PersonAnswered);
        Assert.Equal(population.ExpectedOf("responded"), cell.PersonAttended);
        Assert.Equal(population.ExpectedOf("did-not-attend"), cell.PersonNotAttended);

        var report = EvidenceReport.Build(rows, Scope, Costs, Measures);
        var rule = report.Rule;
        var provider = report.Engagement.ReportedByProviders.ToDictionary(l => l.Code);
        Assert.All(report.Engagement.ReportedByProviders, l => Assert.Equal(EngagementSource.Provider, l.Source));
        Assert.All(report.Engagement.SaidByPeople, l => Assert.Equal(EngagementSource.Person, l.Source));
        Assert.Equal(rule.Days(PairedStatistics.Quantile(population.ExpectedDaysToFirstSession, 0.5)), provider["engagement-provider-first-session"].Value);
        Assert.Equal(rule.Days(PairedStatistics.Quantile(population.ExpectedSessions, 0.5)), provider["engagement-provider-sessions"].Value);
        Assert.Equal(rule.Count(population.ExpectedOf("provider-declined")), provider["engagement-provider-declined"].Count);
        var said = report.Engagement.SaidByPeople.ToDictionary(l => l.Code);
        Assert.Equal(population.ExpectedOf("did-not-attend"), said["engagement-person-not-attended"].Count.Count);
        Assert.NotNull(said["engagement-person-sessions"].Value);

        // A provider's view holds its own reports only; another provider's offer carries none.
        var garden = EvidencePopulation.Providers[0];
        var seen = EvidenceCells.Of(rows, Measures).Merge(EvidencePopulation.Practices, null, null, garden);
        var acceptedByGarden = rows.Where(r => r.Acceptance?.ProviderId == garden).ToList();
        Assert.Equal(acceptedByGarden.Count(r => r.Engagement is not null), seen.ProviderReported);
        Assert.True(seen.ProviderReported < cell.ProviderReported);
    }

    [Fact]
    public void A_journeys_progress_reports_are_read_from_the_audit_trail_the_latest_of_each_kind_and_only_the_accepting_providers()
    {
        var events = new List<AuditEntry>
        {
            new("r1", "referral-received", "client:gp", Referred, "http"),
            new("r1", "offered", "provider:alpha", Referred.AddMinutes(1), "offer"),
            new("r1", "declined", "provider:alpha", Referred.AddDays(1), "no-capacity"),
            new("r1", "offered", "provider:beta", Referred.AddDays(1).AddMinutes(1), "offer"),
            new("r1", "accepted", "provider:beta", Referred.AddDays(2), "2026-03-20"),
            // A report from a provider that did not accept counts for nothing.
            new("r1", "progress-reported", "provider:alpha", Referred.AddDays(3), "first-session:2026-03-05"),
            new("r1", "progress-reported", "provider:beta", Referred.AddDays(3), "contacted"),
            new("r1", "progress-reported", "provider:beta", Referred.AddDays(9), "first-session:2026-03-11"),
            new("r1", "progress-reported", "provider:beta", Referred.AddDays(20), "sessions:2"),
            new("r1", "progress-reported", "provider:beta", Referred.AddDays(30), "sessions:5"),
            new("r1", "progress-reported", "provider:beta", Referred.AddDays(31), "sessions:lots"),
            new("r1", "progress-reported", "provider:beta", Referred.AddDays(40), "stopped:moved-away"),
        };

        var row = ReferralJourney.From("r1", "P1", events, [])!;

        var engagement = row.Engagement!;
        Assert.Equal((6, new DateOnly(2026, 3, 11), 5, ProviderEnding.Stopped, "moved-away"),
            (engagement.Reports, engagement.FirstSessionAttended, engagement.Sessions, engagement.Ended, engagement.EndCode));
        // Accepted on 4 March, first session on 11 March: the booked session (20 March) is another figure.
        Assert.Equal(7, row.DaysToFirstSessionAttended);
        Assert.Equal(new DateOnly(2026, 3, 20), row.FirstSession);
        Assert.Null(row.AsSeenBy("alpha")!.Engagement);
        Assert.Equal(engagement, row.AsSeenBy("beta")!.Engagement);

        // Declined after acceptance; a referral never accepted has no engagement, whatever is reported.
        var declined = ReferralJourney.From("r2", "P1", [events[0], events[3], events[4], new("r2", "progress-reported", "provider:beta", Referred.AddDays(4), "declined")], [])!;
        Assert.Equal((ProviderEnding.Declined, false), (declined.Engagement!.Ended, declined.Engagement.Attended));
        Assert.Null(ReferralJourney.From("r3", "P1", [events[0], events[1], new("r3", "progress-reported", "provider:alpha", Referred.AddDays(1), "sessions:3")], [])!.Engagement);
    }

    [Fact]
    public void The_link_workers_assessments_are_read_by_measure_code_first_to_last()
    {
        var instrument = new QuestionnaireLibrary(Options.Create(new FollowUpOptions()), new FhirSerializer()).FollowUp;
        var episode = Episode.Start("r1", "link-workers", "P1", "t1", Referred) with
        {
            Assessments =
            [
                new EpisodeAssessment(2, new DateOnly(2026, 4, 20), Ons4(7, 7, 8, 3), Referred.AddDays(49)),
                new EpisodeAssessment(1, new DateOnly(2026, 3, 10), Ons4(4, 5, 5, 7), Referred.AddDays(8)),
                new EpisodeAssessment(3, new DateOnly(2026, 4, 1), Ons4(6, 6, 6, 5), Referred.AddDays(30)),
            ],
        };

        var facts = EpisodeFacts.Of(episode, instrument);

        Assert.Equal(new Dictionary<string, double> { ["ons4-life-satisfaction"] = 4, ["ons4-worthwhile"] = 5, ["ons4-happiness"] = 5, ["ons4-anxiety"] = 7 }, facts.FirstAssessment);
        Assert.Equal(new Dictionary<string, double> { ["ons4-life-satisfaction"] = 7, ["ons4-worthwhile"] = 7, ["ons4-happiness"] = 8, ["ons4-anxiety"] = 3 }, facts.LastAssessment);
        var once = EpisodeFacts.Of(episode with { Assessments = [episode.Taken[0]] }, instrument);
        Assert.Null(once.LastAssessment);
        Assert.Null(EpisodeFacts.Of(episode with { Assessments = null }, instrument).FirstAssessment);
    }

    [Fact]
    public void Assessments_and_the_onward_comparison_are_reported_apart_from_the_follow_up_and_labelled_not_randomised()
    {
        // Twenty people a link worker saw, all followed up: ten took up a connection and gained 3 points of life
        // satisfaction, ten took up none and gained 1. Twelve were assessed twice by the link worker (+2), four once.
        var rows = Enumerable.Range(0, 20).Select(i => LinkWorkRow(i, tookUp: i < 10, assessments: i < 12 ? 2 : i < 16 ? 1 : 0)).ToList();

        var report = EvidenceReport.Build(rows, Scope, Costs, Measures);

        var onward = report.LinkWork.Onward;
        Assert.Equal((10, 10), (onward.TookUpPeople.Count, onward.NonePeople.Count));
        var tookUp = onward.TookUp.Single(c => c.Code == "ons4-life-satisfaction");
        var none = onward.None.Single(c => c.Code == "ons4-life-satisfaction");
        Assert.Equal((10, 3.0, 10, 1.0), (tookUp.Paired.Count, tookUp.T!.MeanDifference, none.Paired.Count, none.T!.MeanDifference));
        var assessed = report.LinkWork.Assessments.Single(c => c.Code == "ons4-life-satisfaction");
        Assert.Equal((12, 4, 2.0), (assessed.Paired.Count, assessed.BaselineOnly.Count, assessed.T!.MeanDifference));
        Assert.Equal(["ons4-life-satisfaction", "ons4-worthwhile", "ons4-happiness", "ons4-anxiety"], report.LinkWork.Assessments.Select(c => c.Code));
        Assert.Equal(16, report.LinkWork.PeopleAssessed.Count);
        // The follow-up's own change is everyone's, untouched by the link worker's assessments.
        Assert.Equal(20, report.Outcomes.Single(c => c.Code == "ons4-life-satisfaction").Paired.Count);

        var page = ReportPage.Render(report);
        Assert.Contains("Wellbeing as the link worker assessed it", page, StringComparison.Ordinal);
        Assert.Contains("Change between the link worker&#39;s first and last assessments", page, StringComparison.Ordinal);
        Assert.Contains("Change for people who took up an onward connection (not randomised)", page, StringComparison.Ordinal);
        Assert.Contains("Change for people who took up no onward connection (not randomised)", page, StringComparison.Ordinal);
        Assert.Contains("is not the effect of the connections", page, StringComparison.Ordinal);

        var measure = EvidenceMeasureReport.From(report, ReportQuery.Everything, "snapshot", "reader");
        var coded = measure.Group.Where(g => g.Code.Coding.Any(c => c.Code == "ons4-life-satisfaction")).ToDictionary(g => g.Code.Coding[1].Code!);
        Assert.Equal(["took-up", "comparison-group", "link-worker-assessment", "onward-took-up", "onward-none"], coded.Keys);
        Assert.Contains("not randomised", coded["onward-none"].Code.Text, StringComparison.Ordinal);
        Assert.Contains("the link worker's, not the follow-up survey's", coded["link-worker-assessment"].Code.Text, StringComparison.Ordinal);
        Assert.Equal(3m, coded["onward-took-up"].MeasureScore.Value);
        Assert.Equal(10, measure.Group.Single(g => g.Code.Coding[0].Code == "onward-took-up-people").Population.Single().Count);
    }

    [Fact]
    public void The_page_and_the_MeasureReport_label_each_engagement_figure_with_its_source()
    {
        var report = EvidenceReport.Build(new EvidencePopulation(seed: 32, referrals: 400).Rows(), Scope, Costs, Measures);

        var page = ReportPage.Render(report);
        Assert.Contains("<h2 id=\"engagement\">Engagement</h2>", page, StringComparison.Ordinal);
        Assert.Contains("Engagement reported by providers</caption>", page, StringComparison.Ordinal);
        Assert.Contains("Engagement said by the person at follow-up</caption>", page, StringComparison.Ordinal);

        var measure = EvidenceMeasureReport.From(report, ReportQuery.Everything, "snapshot", "reader");
        foreach (var line in report.Engagement.Lines)
        {
            var group = measure.Group.Single(g => g.Code.Coding[0].Code == line.Code);
            Assert.Equal(EvidenceMeasureReport.EvidenceCodes, group.Code.Coding.Single().System);
            Assert.StartsWith(line.Source == EngagementSource.Provider ? "engagement-provider-" : "engagement-person-", line.Code, StringComparison.Ordinal);
            Assert.EndsWith(line.Source == EngagementSource.Provider ? "(reported by providers)" : "(said by the person at follow-up)", group.Code.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_CSV_carries_what_the_provider_reported_beside_what_the_person_said()
    {
        var rows = new EvidencePopulation(seed: 33, referrals: 300).Rows();
        var lines = new EvidenceCsv("key"u8.ToArray()).Write(rows).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',').ToList();
        int Column(string name) => header.IndexOf(name);
        Assert.True(Column("provider_attended") > Column("attended"));

        var cells = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(rows.Count(r => r.Engagement?.Ended == ProviderEnding.Declined), cells.Count(c => c[Column("provider_ended")] == "declined"));
        Assert.Equal(rows.Count(r => r.Engagement?.Attended == true), cells.Count(c => c[Column("provider_attended")] == "yes"));
        Assert.All(cells.Where(c => c[Column("provider_ended")] == "finished"), c => Assert.Equal("goals-met", c[Column("provider_end_code")]));
        Assert.All(cells.Select(c => c[Column("provider_days_to_first_session")]).Where(d => d.Length > 0), d => Assert.Matches("^[0-9]+$", d));
    }

    [Fact]
    public void Every_declared_engagement_sum_holds_on_the_true_counts_and_none_adds_a_providers_figure_to_a_persons()
    {
        var report = EvidenceReport.Build(new EvidencePopulation(seed: 34, referrals: 1500).Rows(), Scope, Costs, Measures);
        var figures = report.Figures;
        foreach (var group in EngagementFigures.Sums)
        {
            Assert.All(group.Members, m => Assert.True(figures.ContainsKey(m), $"{m} is not a figure of the report"));
            Assert.Equal(figures[group.Total].Count, group.Parts.Sum(p => figures[p].Count));
            Assert.False(group.Members.Any(m => m.StartsWith("engagement-provider-", StringComparison.Ordinal)) && group.Members.Any(m => m.StartsWith("engagement-person-", StringComparison.Ordinal)),
                $"{group.Total} adds a provider's figure to a person's");
            Assert.All(group.Members, m => Assert.Contains(report.Sums, g => g.Members.Contains(m)));
        }

        // Every engagement line is a figure of the report, so the secondary suppression sees it.
        Assert.All(report.Engagement.Lines, l => Assert.True(figures.ContainsKey(l.Code), l.Code));
        Assert.True(figures["engagement-provider-ongoing"].Count > 0 && figures["engagement-provider-not-reported"].Count > 0);
    }

    [Fact]
    public void A_hidden_engagement_count_alone_in_its_sum_gets_another_hidden_beside_it_in_the_page_and_the_MeasureReport_alike()
    {
        // Forty accepted: 22 reported on (2 declined, 10 finished, 10 with no ending yet), 18 not. Under the primary rule
        // alone the 2 declined would be the only hidden count in reported = ongoing + declined + finished + stopped.
        var rows = Enumerable.Range(0, 40).Select(i => AcceptedRow(i, i switch
        {
            < 2 => new ProviderEngagement(2, Ended: ProviderEnding.Declined),
            < 12 => new ProviderEngagement(3, Sessions: 4, Ended: ProviderEnding.Finished),
            < 22 => new ProviderEngagement(1),
            _ => null,
        })).ToList();

        var off = new ReportingOptions { Disclosure = new DisclosureOptions { SecondarySuppression = false } };
        var primary = EvidenceReport.Build(rows, Scope, off, Measures).Engagement.ReportedByProviders.ToDictionary(l => l.Code);
        Assert.True(primary["engagement-provider-declined"].Count.Suppressed);
        Assert.Single(EndingLines, c => primary[c].Count.Suppressed);

        var report = EvidenceReport.Build(rows, Scope, Costs, Measures);
        var lines = report.Engagement.ReportedByProviders.ToDictionary(l => l.Code);
        Assert.Equal((22, 2, 10, 10, 18), (lines["engagement-provider-reported"].Count.Count, lines["engagement-provider-declined"].Count.Count,
            lines["engagement-provider-finished"].Count.Count, lines["engagement-provider-ongoing"].Count.Count, lines["engagement-provider-not-reported"].Count.Count));
        Assert.Contains(EndingLines.Append("engagement-provider-reported"), c => c != "engagement-provider-declined" && lines[c].Count.Suppressed);
        Assert.Empty(SecondarySuppression.Pinned(report.Figures, report.Sums, k => report.Figures[k].Suppressed, report.Rule));

        // The page and the MeasureReport print the protected figures, line by line.
        var page = ReportPage.Render(report);
        var measure = EvidenceMeasureReport.From(report, ReportQuery.Everything, "snapshot", "reader");
        foreach (var line in report.Engagement.Lines)
        {
            var population = measure.Group.Single(g => g.Code.Coding[0].Code == line.Code).Population.Single();
            Assert.Equal(line.Count.Shown, population.Count);
            Assert.Contains($"{System.Net.WebUtility.HtmlEncode(line.Label)}</td><td class=\"nhsuk-table__cell nhsuk-table__cell--numeric\">{line.Count.Display}</td>", page, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_hidden_direction_of_the_link_workers_assessments_gets_another_hidden_beside_it_in_the_page_and_the_MeasureReport_alike()
    {
        // Twelve people assessed twice: ten rose in life satisfaction, two fell. The two are hidden by the primary rule;
        // with the paired count and the ten shown, paired - improved - unchanged would give them back.
        var rows = Enumerable.Range(0, 12).Select(i =>
        {
            var row = LinkWorkRow(i, tookUp: true, assessments: 2);
            var last = new Dictionary<string, double>(row.Episode!.LastAssessment!) { ["ons4-life-satisfaction"] = i < 2 ? 3 : 6 };
            return row with { Episode = row.Episode with { LastAssessment = last } };
        }).ToList();

        var off = new ReportingOptions { Disclosure = new DisclosureOptions { SecondarySuppression = false } };
        var primary = EvidenceReport.Build(rows, Scope, off, Measures).LinkWork.Assessments.Single(c => c.Code == "ons4-life-satisfaction");
        Assert.Equal((true, false, false), (primary.Worse.Suppressed, primary.Improved.Suppressed, primary.Paired.Suppressed));

        var report = EvidenceReport.Build(rows, Scope, Costs, Measures);
        var assessed = report.LinkWork.Assessments.Single(c => c.Code == "ons4-life-satisfaction");
        Assert.Equal((12, 10, 2), (assessed.Paired.Count, assessed.Improved.Count, assessed.Worse.Count));
        Assert.True(assessed.Worse.Suppressed);
        Assert.True(assessed.Improved.Suppressed || assessed.Paired.Suppressed, "a second figure of paired = improved + unchanged + worse is hidden");
        Assert.Empty(SecondarySuppression.Pinned(report.Figures, report.Sums, k => report.Figures[k].Suppressed, report.Rule));

        // The MeasureReport prints the same protected figures in the link worker's group.
        var measure = EvidenceMeasureReport.From(report, ReportQuery.Everything, "snapshot", "reader");
        var group = measure.Group.Single(g => g.Code.Coding.Any(c => c.Code == "ons4-life-satisfaction") && g.Code.Coding[1].Code == "link-worker-assessment");
        var strata = group.Stratifier.Single().Stratum.ToDictionary(s => s.Value.Coding[0].Code!, s => s.Population.Single().Count);
        Assert.Equal((assessed.Improved.Shown, assessed.Worse.Shown), (strata["improved"], strata["worse"]));
        Assert.Equal(assessed.Paired.Shown, group.Population.First().Count);
    }

    [Fact]
    public void A_providers_declined_report_stays_out_of_the_funnels_engaged_figure_whose_label_and_page_say_so()
    {
        // Ten accepted. The provider reported three as declined who never answered the follow-up, and a fourth who
        // answered that they never attended; one more said they never attended with no provider report at all.
        var rows = Enumerable.Range(0, 10).Select(i => AcceptedRow(i, i < 4 ? new ProviderEngagement(1, Ended: ProviderEnding.Declined) : null,
            answeredNeverAttended: i is 3 or 9)).ToList();

        var report = EvidenceReport.Build(rows, Scope, Costs, Measures);

        var stages = report.Funnel.ToDictionary(s => s.Code);
        var drops = report.Drops.ToDictionary(d => $"{d.AfterStage}:{d.Code}");
        var provider = report.Engagement.ReportedByProviders.ToDictionary(l => l.Code);
        var person = report.Engagement.SaidByPeople.ToDictionary(l => l.Code);
        // The funnel is the person's word (two said they never attended): the provider's four declines do not enter it.
        Assert.Equal((10, 8, 2), (stages["accepted"].Count.Count, stages["engaged"].Count.Count, drops["accepted:did-not-attend"].Count.Count));
        Assert.Equal((4, 2), (provider["engagement-provider-declined"].Count.Count, person["engagement-person-not-attended"].Count.Count));
        // Each says where it comes from, and nothing adds one source to the other.
        Assert.Equal(ReferralFunnel.EngagedLabel, stages["engaged"].Label);
        Assert.Contains("providers' reports are shown apart", stages["engaged"].Label, StringComparison.Ordinal);
        Assert.Equal("Said at follow-up they never attended", drops["accepted:did-not-attend"].Label);
        var page = ReportPage.Render(report);
        Assert.Contains("They are never added together: the funnel's engaged figure is from the referral's journey and the person's own answer", page, StringComparison.Ordinal);
        var measure = EvidenceMeasureReport.From(report, ReportQuery.Everything, "snapshot", "reader");
        Assert.Equal(ReferralFunnel.EngagedLabel, measure.Group.Single(g => g.Code.Coding[0].Code == "funnel-engaged").Code.Text);
    }

    private static readonly string[] EndingLines = ["engagement-provider-ongoing", "engagement-provider-declined", "engagement-provider-finished"];

    private static EvidenceRow AcceptedRow(int i, ProviderEngagement? engagement, bool answeredNeverAttended = false)
    {
        var offer = new ProviderOffer("prov-garden", Referred.AddMinutes(1), OfferAnswer.Accepted, Referred.AddDays(1), null);
        return new EvidenceRow($"e-{i}", "P1", Referred, [offer], ChaseResult.Accepted, null,
            answeredNeverAttended ? FollowUpResult.Answered : FollowUpResult.Waiting, answeredNeverAttended, answeredNeverAttended ? false : null,
            EvidenceRow.Empty, answeredNeverAttended ? new Dictionary<string, double> { ["attended"] = 0 } : EvidenceRow.Empty, Engagement: engagement);
    }

    private static Dictionary<string, int> Ons4(int satisfied, int worthwhile, int happy, int anxious) =>
        new(StringComparer.Ordinal) { ["ons4-1"] = satisfied, ["ons4-2"] = worthwhile, ["ons4-3"] = happy, ["ons4-4"] = anxious };

    private static EvidenceRow LinkWorkRow(int i, bool tookUp, int assessments)
    {
        var offer = new ProviderOffer("link-workers", Referred.AddMinutes(1), OfferAnswer.Accepted, Referred.AddDays(1), null);
        var first = new Dictionary<string, double> { ["ons4-life-satisfaction"] = 4, ["ons4-worthwhile"] = 5, ["ons4-happiness"] = 5, ["ons4-anxiety"] = 6 };
        var last = new Dictionary<string, double> { ["ons4-life-satisfaction"] = 6, ["ons4-worthwhile"] = 6, ["ons4-happiness"] = 6, ["ons4-anxiety"] = 5 };
        var episode = new EpisodeFacts(2, new DateOnly(2026, 3, 4), 1, 0, assessments > 0 ? first : null, assessments > 1 ? last : null);
        return new EvidenceRow($"lw-{i}", "P1", Referred, [offer], ChaseResult.Accepted, null, FollowUpResult.Answered, true, true,
            new Dictionary<string, double> { ["ons4-life-satisfaction"] = 4 }, new Dictionary<string, double> { ["ons4-life-satisfaction"] = tookUp ? 7 : 5, ["attended"] = 1 },
            Connections: 1, ConnectionsTakenUp: tookUp ? 1 : 0, Episode: episode, ConnectionsStarted: tookUp ? 1 : 0);
    }
}

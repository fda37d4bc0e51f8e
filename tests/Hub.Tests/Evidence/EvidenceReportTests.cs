using Hub.Evidence;
using Hub.Platform.Fhir;

namespace Hub.Tests.Evidence;

/// <summary>A report over a generated population finds the counts and effects that were put in (see
/// <see cref="EvidencePopulation"/> for what is put in), and hides what is too small to show.</summary>
[Trait("Category", "Unit")]
public sealed class EvidenceReportTests
{
    private static readonly ReportScope Scope = new(null, null, [], DateTimeOffset.UnixEpoch);
    private static readonly ReportingOptions Costs = new() { GpAppointmentCost = 40m, AeAttendanceCost = 200m, ProgrammeCostPerReferral = 300m };

    private static readonly Lazy<(EvidencePopulation Population, EvidenceReport Report)> Large = new(() =>
    {
        var population = new EvidencePopulation(seed: 2026, referrals: 3000);
        return (population, EvidenceReport.Build(population.Rows(), Scope, Costs));
    });

    [Fact]
    public void The_funnel_counts_every_stage_as_it_was_put_in()
    {
        var (population, report) = Large.Value;
        Assert.Equal(["referred", "accepted", "engaged", "followed-up", "responded"], report.Funnel.Select(s => s.Code));
        Assert.Equal(population.ExpectedOf("referred"), Count(report, "referred"));
        Assert.Equal(population.ExpectedOf("accepted"), Count(report, "accepted"));
        Assert.Equal(population.ExpectedOf("engaged"), Count(report, "engaged"));
        Assert.Equal(population.ExpectedOf("followed-up"), Count(report, "followed-up"));
        Assert.Equal(population.ExpectedOf("responded"), Count(report, "responded"));
        // Roughly the rates put in: 80% accepted, 70% of those surveyed answered.
        Assert.InRange((double)Count(report, "accepted") / Count(report, "referred"), 0.77, 0.83);
    }

    [Fact]
    public void Each_drop_has_its_reason_with_the_count_put_in()
    {
        var (population, report) = Large.Value;
        Assert.Equal(population.ExpectedOf("no-provider"), Drop(report, "referred", "no-provider"));
        Assert.Equal(population.ExpectedOf("all-declined"), Drop(report, "referred", "all-declined"));
        Assert.Equal(population.ExpectedOf("withdrawn-before"), Drop(report, "referred", "cancelled"));
        Assert.Equal(population.ExpectedOf("declined:no-capacity"), Drop(report, "referred", "declined:no-capacity"));
        Assert.Equal(population.ExpectedOf("declined:not-suitable"), Drop(report, "referred", "declined:not-suitable"));
        Assert.Equal(population.ExpectedOf("withdrawn-after"), Drop(report, "accepted", "cancelled"));
        Assert.Equal(population.ExpectedOf("did-not-attend"), Drop(report, "accepted", "did-not-attend"));
        Assert.Equal(population.ExpectedOf("not-yet-due"), Drop(report, "engaged", "not-yet-due"));
        Assert.True(report.Drops.Single(d => d.Code == "not-yet-due").Pending);
        Assert.Equal(population.ExpectedOf("no-response"), Drop(report, "followed-up", "no-response"));
        Assert.Equal(population.ExpectedOf("opted-out"), Drop(report, "followed-up", "opted-out"));
    }

    [Fact]
    public void The_change_put_in_lies_inside_each_measures_confidence_interval()
    {
        var (population, report) = Large.Value;
        var life = report.Outcomes.Single(o => o.Code == "ons4-life-satisfaction");
        Assert.Equal(population.ExpectedOf("responded"), life.Paired.Count);
        Assert.InRange(EvidencePopulation.LifeSatisfactionEffect, life.T!.ConfidenceLow, life.T.ConfidenceHigh);
        Assert.True(life.T.P < 0.001 && life.Wilcoxon!.P < 0.001);
        Assert.True(life.Improved.Count > life.Worse.Count * 3);

        var anxiety = report.Outcomes.Single(o => o.Code == "ons4-anxiety");
        Assert.False(anxiety.HigherIsBetter);
        Assert.InRange(EvidencePopulation.AnxietyEffect, anxiety.T!.ConfidenceLow, anxiety.T.ConfidenceHigh);
        // Anxiety falling is improvement.
        Assert.True(anxiety.Improved.Count > anxiety.Worse.Count);

        // Nothing was put in for worthwhile or happiness: no pairs, so nothing to show.
        Assert.Equal(0, report.Outcomes.Single(o => o.Code == "ons4-worthwhile").Paired.Count);
        Assert.True(report.Outcomes.Single(o => o.Code == "ons4-worthwhile").Withheld);
    }

    [Fact]
    public void Attrition_is_shown_beside_the_paired_result()
    {
        var (population, report) = Large.Value;
        var life = report.Outcomes.Single(o => o.Code == "ons4-life-satisfaction");
        // Those whose follow-up ended without an answer (no response, opted out) had a baseline only.
        Assert.Equal(population.ExpectedOf("no-response") + population.ExpectedOf("opted-out"), life.BaselineOnly.Count);
        Assert.Equal(0, life.FollowUpOnly.Count);
    }

    [Fact]
    public void People_who_never_took_part_form_a_separate_comparison_group_with_the_smaller_change_put_in()
    {
        var (population, report) = Large.Value;
        Assert.Equal(population.ExpectedOf("did-not-attend"), report.ComparisonGroup.Count);
        var comparison = report.ComparisonOutcomes.Single(o => o.Code == "ons4-life-satisfaction");
        Assert.Equal(population.ExpectedOf("did-not-attend"), comparison.Paired.Count);
        Assert.InRange(EvidencePopulation.LifeSatisfactionComparisonEffect, comparison.T!.ConfidenceLow, comparison.T.ConfidenceHigh);
        Assert.True(comparison.T.MeanDifference < report.Outcomes.Single(o => o.Code == "ons4-life-satisfaction").T!.ConfidenceLow);
    }

    [Fact]
    public void NHS_use_fell_for_the_share_put_in_and_the_cost_offset_follows_from_the_unit_costs()
    {
        var (_, report) = Large.Value;
        var gp = report.NhsUse.Single(o => o.Code == "gp-appointments-3m");
        // GP use falls by one for 60% of those who took part (unless already at zero).
        Assert.InRange(gp.Improved.ShareOf(gp.Paired)!.Value, 0.52, 0.64);
        Assert.Equal(0, gp.Worse.Count);

        // Put in: 0.6 fewer GP appointments (£40 each) and, for the half starting at one A&E attendance, half fewer
        // (£200 each): about 0.6 × 40 + 0.5 × 0.5 × 200 = £74 per person per 3 months.
        var cost = report.Cost;
        Assert.True(cost.Configured);
        Assert.InRange(74.0, cost.SavingLow!.Value - 6, cost.SavingHigh!.Value + 6);
        // £300 per referral repaid at about £74 per 3 months: roughly 12 months.
        Assert.InRange(cost.PaybackMonths!.Value, 10, 15);
        Assert.True(cost.PaybackMonthsShortest < cost.PaybackMonths);
    }

    [Fact]
    public void Times_are_the_median_and_90th_percentile_of_the_days_put_in()
    {
        var (population, report) = Large.Value;
        var accept = report.Timeliness.Single(t => t.Code == "acceptance");
        var days = population.Referrals.Where(r => r.AcceptDays is not null).Select(r => r.AcceptDays!.Value).Order().ToList();
        Assert.Equal(days.Count, accept.N.Count);
        // Uniform 1–10 days: median about 5.5, 90th percentile about 9.1.
        Assert.InRange(accept.MedianDays!.Value, 5.2, 5.8);
        Assert.InRange(accept.P90Days!.Value, 8.8, 9.4);
        Assert.Equal(days.Count, report.TimeToAcceptBins.Sum(b => b.Count));
        Assert.Equal(0, report.TimeToAcceptBins[0].Count);

        // The first session was booked 7 days after acceptance.
        var session = report.Timeliness.Single(t => t.Code == "first-session");
        Assert.InRange(session.MedianDays!.Value, 12, 13.5);
    }

    [Fact]
    public void A_provider_sees_only_its_own_offers()
    {
        var (population, _) = Large.Value;
        var provider = EvidencePopulation.Providers[0];
        var rows = population.Rows().Select(r => r.AsSeenBy(provider)).OfType<EvidenceRow>().ToList();
        var report = EvidenceReport.Build(rows, Scope, Costs);
        Assert.Equal(population.ExpectedOf($"accepted-by:{provider}"), Count(report, "accepted"));
        // Every decline counted here is this provider's own.
        Assert.All(rows.SelectMany(r => r.Offers), o => Assert.Equal(provider, o.ProviderId));
        Assert.True(report.Drops.Single(d => d.Code == "all-declined").Count.Count > 0);
    }

    [Fact]
    public void Counts_of_one_to_seven_are_suppressed_and_statistics_are_withheld_under_eight()
    {
        var population = new EvidencePopulation(seed: 7, referrals: 12);
        var report = EvidenceReport.Build(population.Rows(), Scope, Costs);
        var accepted = report.Funnel.Single(s => s.Code == "accepted").Count;
        Assert.Equal(population.ExpectedOf("accepted"), accepted.Count);

        var responded = report.Funnel.Single(s => s.Code == "responded").Count;
        Assert.InRange(responded.Count, 1, 7);
        Assert.Equal("*", responded.Display);
        Assert.Null(responded.ShareOf(report.Funnel.Single(s => s.Code == "followed-up").Count));
        Assert.True(report.Outcomes.All(o => o.Withheld));
        Assert.True(report.Cost.Withheld);
        Assert.All(report.Timeliness, t => Assert.Equal(t.N.Count < 8, t.MedianDays is null));
        var fewer = EvidenceReport.Build(population.Rows().Take(6).ToList(), Scope, Costs);
        Assert.All(fewer.Timeliness, t => Assert.Null(t.P90Days));
        Assert.Equal("0", DisclosureRule.Default.Count(0).Display);
        Assert.Equal("10", DisclosureRule.Default.Count(12).Display);
    }

    private static int Count(EvidenceReport report, string stage) => report.Funnel.Single(s => s.Code == stage).Count.Count;

    private static int Drop(EvidenceReport report, string after, string code) =>
        report.Drops.SingleOrDefault(d => d.AfterStage == after && d.Code == code)?.Count.Count ?? 0;
}

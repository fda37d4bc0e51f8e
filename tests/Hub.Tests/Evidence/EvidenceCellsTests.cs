using Hub.Evidence;
using Hub.FollowUp;

namespace Hub.Tests.Evidence;

/// <summary>A report merged from cells has the same figures, before rounding, as today's report from the rows of the
/// same referrals: counts, drops, medians, the paired t and the Wilcoxon signed-rank test, and the cost offset.</summary>
[Trait("Category", "Unit")]
public sealed class EvidenceCellsTests
{
    private static readonly ReportScope Scope = new(null, null, [], DateTimeOffset.UnixEpoch);
    private static readonly ReportingOptions Costs = new() { GpAppointmentCost = 40m, AeAttendanceCost = 200m, ProgrammeCostPerReferral = 300m };
    private static readonly MeasureCatalogue Measures = MeasureCatalogue.Shipped;
    private static readonly DateTimeOffset February = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset April = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<(IReadOnlyList<EvidenceRow> Rows, EvidenceCells Cells)> Large = new(() =>
    {
        var rows = new EvidencePopulation(seed: 2026, referrals: 3000).Rows();
        return (rows, EvidenceCells.Of(rows, Measures));
    });

    [Fact]
    public void The_whole_hub_merged_from_cells_equals_the_report_from_rows()
    {
        var (rows, cells) = Large.Value;
        AssertSame(EvidenceReport.Build(rows, Scope, Costs, Measures), EvidenceReport.FromCell(cells.Merge(EvidencePopulation.Practices, null, null), Scope, Costs, Measures));
    }

    [Fact]
    public void One_practice_over_two_months_merged_from_cells_equals_the_report_from_rows()
    {
        var (rows, cells) = Large.Value;
        var practice = EvidencePopulation.Practices[1];
        var selected = rows.Where(r => r.PracticeOds == practice && r.ReferredAt >= February && r.ReferredAt < April).ToList();
        AssertSame(EvidenceReport.Build(selected, Scope, Costs, Measures), EvidenceReport.FromCell(cells.Merge([practice], February, April), Scope, Costs, Measures));
    }

    [Fact]
    public void Three_practices_of_four_merged_cell_by_cell_equal_the_report_from_rows()
    {
        var (rows, cells) = Large.Value;
        var three = EvidencePopulation.Practices.Skip(1).ToHashSet();
        AssertSame(EvidenceReport.Build(rows.Where(r => three.Contains(r.PracticeOds)).ToList(), Scope, Costs, Measures), EvidenceReport.FromCell(cells.Merge(three, null, null), Scope, Costs, Measures));
    }

    [Fact]
    public void One_providers_view_merged_from_cells_equals_the_report_from_rows()
    {
        var (rows, cells) = Large.Value;
        var provider = EvidencePopulation.Providers[1];
        var seen = rows.Select(r => r.AsSeenBy(provider)).OfType<EvidenceRow>().ToList();
        AssertSame(EvidenceReport.Build(seen, Scope, Costs, Measures), EvidenceReport.FromCell(cells.Merge(EvidencePopulation.Practices, null, null, provider), Scope, Costs, Measures));
    }

    [Fact]
    public void A_small_population_gives_the_same_exact_tests_and_withheld_figures_from_cells()
    {
        foreach (var seed in new[] { 3, 5, 8 })
        {
            var rows = new EvidencePopulation(seed, referrals: 40).Rows();
            AssertSame(EvidenceReport.Build(rows, Scope, Costs, Measures), EvidenceReport.FromCell(EvidenceCells.Of(rows, Measures).Merge(EvidencePopulation.Practices, null, null), Scope, Costs, Measures));
        }
    }

    [Fact]
    public void A_referral_taken_out_and_put_back_as_it_now_is_leaves_the_cells_as_a_recount_would()
    {
        var rows = new EvidencePopulation(seed: 9, referrals: 300).Rows().ToList();
        var cells = EvidenceCells.Of(rows, Measures);
        for (var i = 0; i < 10; i++)
        {
            // Ten referrals move on: each is withdrawn after the fact, and its provider reports the person declined.
            var moved = rows[i] with { FollowUpResult = FollowUpResult.Withdrawn, Baseline = EvidenceRow.Empty, FollowUp = EvidenceRow.Empty,
                Engagement = rows[i].Chase == Hub.Evidence.ChaseResult.Accepted ? new ProviderEngagement(1, Ended: ProviderEnding.Declined) : null };
            cells.Add(rows[i], -1);
            cells.Add(moved);
            rows[i] = moved;
        }

        AssertSame(EvidenceReport.Build(rows, Scope, Costs, Measures), EvidenceReport.FromCell(cells.Merge(EvidencePopulation.Practices, null, null), Scope, Costs, Measures));
    }

    internal static void AssertSame(EvidenceReport rows, EvidenceReport cells)
    {
        Assert.Equal(rows.Funnel.Select(s => (s.Code, s.Count.Count, s.Previous?.Count)), cells.Funnel.Select(s => (s.Code, s.Count.Count, s.Previous?.Count)));
        Assert.Equal(rows.Drops.Select(d => (d.AfterStage, d.Code, d.Count.Count, d.Pending)), cells.Drops.Select(d => (d.AfterStage, d.Code, d.Count.Count, d.Pending)));
        Assert.Equal(rows.TimeToAcceptBins.Select(b => b.Count), cells.TimeToAcceptBins.Select(b => b.Count));
        Assert.Equal(rows.ComparisonGroup.Count, cells.ComparisonGroup.Count);
        foreach (var (a, b) in rows.Timeliness.Zip(cells.Timeliness))
        {
            Assert.Equal((a.Code, a.N.Count), (b.Code, b.N.Count));
            Close(a.MedianDays, b.MedianDays);
            Close(a.P90Days, b.P90Days);
        }

        foreach (var (a, b) in rows.Outcomes.Concat(rows.NhsUse).Concat(rows.ComparisonOutcomes).Zip(cells.Outcomes.Concat(cells.NhsUse).Concat(cells.ComparisonOutcomes)))
        {
            Assert.Equal((a.Code, a.Paired.Count, a.BaselineOnly.Count, a.FollowUpOnly.Count, a.Improved.Count, a.Unchanged.Count, a.Worse.Count),
                (b.Code, b.Paired.Count, b.BaselineOnly.Count, b.FollowUpOnly.Count, b.Improved.Count, b.Unchanged.Count, b.Worse.Count));
            Assert.Equal(a.T is null, b.T is null);
            if (a.T is { } t && b.T is { } u)
            {
                Assert.Equal(t.N, u.N);
                foreach (var (x, y) in new[] { (t.MeanBefore, u.MeanBefore), (t.MeanAfter, u.MeanAfter), (t.MeanDifference, u.MeanDifference), (t.StandardDeviation, u.StandardDeviation), (t.ConfidenceLow, u.ConfidenceLow), (t.ConfidenceHigh, u.ConfidenceHigh), (t.P, u.P) })
                {
                    Close(x, y);
                }

                Assert.Equal((a.Wilcoxon!.N, a.Wilcoxon.Zeros, a.Wilcoxon.VPlus, a.Wilcoxon.VMinus, a.Wilcoxon.Exact), (b.Wilcoxon!.N, b.Wilcoxon.Zeros, b.Wilcoxon.VPlus, b.Wilcoxon.VMinus, b.Wilcoxon.Exact));
                Close(a.Wilcoxon.P, b.Wilcoxon.P);
            }
        }

        // Engagement (both sources) and the link workers' lines, assessments and onward comparison.
        Assert.Equal(rows.Engagement.Lines.Select(l => (l.Code, l.Source, l.Count.Count, l.Value)), cells.Engagement.Lines.Select(l => (l.Code, l.Source, l.Count.Count, l.Value)));
        Assert.Equal(rows.LinkWork.Lines.Select(l => (l.Code, l.Count.Count, l.Value)), cells.LinkWork.Lines.Select(l => (l.Code, l.Count.Count, l.Value)));
        Assert.Equal((rows.LinkWork.Onward.TookUpPeople.Count, rows.LinkWork.Onward.NonePeople.Count), (cells.LinkWork.Onward.TookUpPeople.Count, cells.LinkWork.Onward.NonePeople.Count));
        foreach (var (a, b) in rows.LinkWork.Assessments.Concat(rows.LinkWork.Onward.TookUp).Concat(rows.LinkWork.Onward.None)
            .Zip(cells.LinkWork.Assessments.Concat(cells.LinkWork.Onward.TookUp).Concat(cells.LinkWork.Onward.None)))
        {
            Assert.Equal((a.Code, a.Paired.Count, a.BaselineOnly.Count, a.Improved.Count, a.Worse.Count), (b.Code, b.Paired.Count, b.BaselineOnly.Count, b.Improved.Count, b.Worse.Count));
            Close(a.T?.MeanDifference, b.T?.MeanDifference);
        }

        Assert.Equal(rows.Cost.N.Count, cells.Cost.N.Count);
        foreach (var (x, y) in new[] { (rows.Cost.SavingPerPerson3Months, cells.Cost.SavingPerPerson3Months), (rows.Cost.SavingLow, cells.Cost.SavingLow), (rows.Cost.SavingHigh, cells.Cost.SavingHigh), (rows.Cost.PaybackMonths, cells.Cost.PaybackMonths) })
        {
            Close(x, y);
        }
    }

    // Sums in another order may differ in the last bits of a double; nothing a report could show.
    private static void Close(double? expected, double? actual)
    {
        Assert.Equal(expected is null, actual is null);
        if (expected is { } e && actual is { } a)
        {
            Assert.True(Math.Abs(e - a) <= 1e-9 * Math.Max(1, Math.Abs(e)), $"{e:R} ≠ {a:R}");
        }
    }
}

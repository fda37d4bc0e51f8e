using Hub.Evidence;

namespace Hub.Tests.Evidence;

/// <summary>The paired tests and quantiles checked against published results (R's documented examples and the
/// original papers), never against this code's own output.</summary>
[Trait("Category", "Unit")]
public sealed class PairedStatisticsTests
{
    // Student (1908), "The probable error of a mean", Biometrika 6(1): 1–25, from Cushny & Peebles (1905): extra hours
    // of sleep for 10 patients on each of two drugs. This is R's `sleep` dataset (extra[1:10] = drug 1, extra[11:20] = drug 2).
    private static readonly double[] SleepDrug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
    private static readonly double[] SleepDrug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

    // Hollander & Wolfe (1973), Nonparametric Statistical Methods, p. 29: Hamilton depression scale factor IV for
    // 9 patients at the first (x) and second (y) visit after tranquilliser therapy. The example in R's ?wilcox.test.
    private static readonly double[] DepressionFirstVisit = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30];
    private static readonly double[] DepressionSecondVisit = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];

    [Fact]
    public void Paired_t_on_the_sleep_data_matches_Student_and_R()
    {
        // R: t.test(extra ~ group, data = sleep) paired, i.e. t.test(drug2, drug1, paired = TRUE):
        // t = 4.0621, df = 9, p-value = 0.002833; 95% CI 0.7001142 2.4598858; mean difference 1.58.
        var result = PairedStatistics.PairedT(SleepDrug1, SleepDrug2);

        Assert.Equal(10, result.N);
        Assert.Equal(0.75, result.MeanBefore, 1e-12);
        Assert.Equal(2.33, result.MeanAfter, 1e-12);
        Assert.Equal(1.58, result.MeanDifference, 1e-12);
        Assert.Equal(4.0621, result.T, 4);
        Assert.Equal(9, result.DegreesOfFreedom);
        Assert.Equal(0.7001142, result.ConfidenceLow, 6);
        Assert.Equal(2.4598858, result.ConfidenceHigh, 6);
        Assert.Equal(0.002833, result.P, 6);
    }

    [Fact]
    public void Paired_t_honours_the_confidence_level()
    {
        // A 99% interval for the sleep data is wider than the 95% one and still centred on the mean difference.
        var wide = PairedStatistics.PairedT(SleepDrug1, SleepDrug2, 0.99);

        Assert.True(wide.ConfidenceLow < 0.7001142);
        Assert.True(wide.ConfidenceHigh > 2.4598858);
        Assert.Equal(1.58, (wide.ConfidenceLow + wide.ConfidenceHigh) / 2, 10);
    }

    [Fact]
    public void Wilcoxon_on_the_Hollander_and_Wolfe_depression_data_is_exact_and_matches_R()
    {
        // R: wilcox.test(x, y, paired = TRUE) gives V = 40, p-value = 0.03906 (exact; the book's one-sided p is 0.01953).
        // R's V ranks x − y; here d = after − before = y − x, so R's V is VMinus.
        var result = PairedStatistics.WilcoxonSignedRank(DepressionFirstVisit, DepressionSecondVisit);

        Assert.Equal(9, result.N);
        Assert.Equal(0, result.Zeros);
        Assert.Equal(40, result.VMinus);
        Assert.Equal(5, result.VPlus);
        Assert.True(result.Exact);
        Assert.Equal(20.0 / 512, result.P, 12);
        Assert.Equal(0.03906, result.P, 5);
    }

    [Fact]
    public void Wilcoxon_is_the_same_either_way_round_with_V_plus_and_V_minus_swapped()
    {
        var forward = PairedStatistics.WilcoxonSignedRank(DepressionFirstVisit, DepressionSecondVisit);
        var backward = PairedStatistics.WilcoxonSignedRank(DepressionSecondVisit, DepressionFirstVisit);

        Assert.Equal(40, backward.VPlus);
        Assert.Equal(forward.VPlus, backward.VMinus);
        Assert.Equal(forward.P, backward.P, 12);
    }

    [Fact]
    public void Wilcoxon_on_the_sleep_data_uses_the_tie_corrected_normal_approximation_as_R_does()
    {
        // R: wilcox.test(sleep$extra[11:20], sleep$extra[1:10], paired = TRUE) gives V = 45, p-value = 0.009091,
        // warning that it cannot compute an exact p-value with ties and with zeroes (patient 5 is unchanged,
        // patients 3 and 4 both improve by 1.3, which in floating point is only nearly equal).
        var result = PairedStatistics.WilcoxonSignedRank(SleepDrug1, SleepDrug2);

        Assert.Equal(9, result.N);
        Assert.Equal(1, result.Zeros);
        Assert.Equal(45, result.VPlus);
        Assert.Equal(0, result.VMinus);
        Assert.False(result.Exact);
        Assert.Equal(0.009091, result.P, 6);
    }

    [Fact]
    public void Wilcoxon_exact_distribution_holds_for_49_differences_without_overflow()
    {
        // Every one of 49 untied differences positive: V = 49·50/2 = 1225 is the largest value, reached by exactly one
        // of the 2^49 equally likely sign patterns, so the exact two-sided p is 2/2^49 (R: psignrank(1224, 49, FALSE) * 2).
        var before = new double[49];
        var after = Enumerable.Range(1, 49).Select(i => (double)i).ToArray();

        var result = PairedStatistics.WilcoxonSignedRank(before, after);

        Assert.True(result.Exact);
        Assert.Equal(1225, result.VPlus);
        Assert.Equal(2 / Math.Pow(2, 49), result.P, 1e-25);
    }

    [Fact]
    public void Nearly_equal_floating_point_differences_are_ties_with_mid_ranks()
    {
        // 1.9 − 0.7 and 2.2 − 1.0 are both 1.2 but differ in the last bits of a double; they tie for ranks 1 and 2
        // (mid-rank 1.5 each), and 3 − 0 takes rank 3. V+ = 1.5 + 3 = 4.5, V− = 1.5; ties force the normal approximation:
        // z = (4.5 − 3 − 0.5) / sqrt(3·4·7/24 − (2³ − 2)/48) = 1 / sqrt(3.375), p = 2(1 − Φ(0.5443)) = 0.5862.
        double[] before = [0.7, 2.2, 0];
        double[] after = [1.9, 1.0, 3];

        var result = PairedStatistics.WilcoxonSignedRank(before, after);

        Assert.False(result.Exact);
        Assert.Equal(4.5, result.VPlus);
        Assert.Equal(1.5, result.VMinus);
        Assert.Equal(0.5862, result.P, 4);
    }

    [Fact]
    public void Quantile_matches_R_type_7()
    {
        // R: quantile(1:10, c(.5, .9)) gives 5.5 and 9.1. By hand: h = 9p; p = .5 → h = 4.5, x[4] + .5(x[5] − x[4]) =
        // 5 + .5 = 5.5; p = .9 → h = 8.1, x[8] + .1(x[9] − x[8]) = 9 + .1 = 9.1 (0-based, sorted).
        double[] oneToTen = [7, 3, 10, 1, 5, 9, 2, 8, 4, 6];

        Assert.Equal(5.5, PairedStatistics.Quantile(oneToTen, 0.5), 12);
        Assert.Equal(9.1, PairedStatistics.Quantile(oneToTen, 0.9), 12);
        Assert.Equal(1, PairedStatistics.Quantile(oneToTen, 0), 12);
        Assert.Equal(10, PairedStatistics.Quantile(oneToTen, 1), 12);
    }

    [Fact]
    public void Quantile_of_an_odd_number_of_values_has_the_middle_one_as_median()
    {
        // R: quantile(c(3, 1, 4, 1, 5), c(.25, .5)) gives 1 and 3. Sorted 1 1 3 4 5; h = 4p: .5 → h = 2, x[2] = 3;
        // .25 → h = 1, x[1] = 1. And quantile(c(3, 1, 4, 1, 5), .9): h = 3.6, 4 + .6(5 − 4) = 4.6.
        double[] values = [3, 1, 4, 1, 5];

        Assert.Equal(3, PairedStatistics.Quantile(values, 0.5), 12);
        Assert.Equal(1, PairedStatistics.Quantile(values, 0.25), 12);
        Assert.Equal(4.6, PairedStatistics.Quantile(values, 0.9), 12);
        Assert.Equal(42, PairedStatistics.Quantile([42], 0.5), 12);
    }

    [Fact]
    public void Quantile_rejects_no_values_and_a_probability_outside_0_to_1()
    {
        Assert.ThrowsAny<ArgumentException>(() => PairedStatistics.Quantile([], 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => PairedStatistics.Quantile([1, 2], 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => PairedStatistics.Quantile([1, 2], double.NaN));
    }

    [Fact]
    public void Mismatched_lengths_throw()
    {
        double[] three = [1, 2, 3];
        double[] two = [1, 2];

        Assert.Throws<ArgumentException>(() => PairedStatistics.PairedT(three, two));
        Assert.Throws<ArgumentException>(() => PairedStatistics.WilcoxonSignedRank(three, two));
    }

    [Fact]
    public void Paired_t_needs_two_pairs()
    {
        Assert.Throws<ArgumentException>(() => PairedStatistics.PairedT([1], [2]));
    }

    [Fact]
    public void No_change_at_all_gives_p_of_1_for_both_tests()
    {
        double[] scores = [10, 12, 9, 15];

        var t = PairedStatistics.PairedT(scores, scores);
        Assert.Equal(1, t.P);
        Assert.Equal(0, t.MeanDifference);
        Assert.Equal(0, t.StandardDeviation);
        Assert.True(double.IsNaN(t.T));
        Assert.Equal(0, t.ConfidenceLow);
        Assert.Equal(0, t.ConfidenceHigh);

        var w = PairedStatistics.WilcoxonSignedRank(scores, scores);
        Assert.Equal(1, w.P);
        Assert.Equal(0, w.N);
        Assert.Equal(4, w.Zeros);
        Assert.Equal(0, w.VPlus);
        Assert.Equal(0, w.VMinus);
    }

    [Fact]
    public void The_same_non_zero_change_for_everyone_does_not_throw()
    {
        double[] before = [10, 12, 9, 15];
        double[] after = [12, 14, 11, 17];

        var t = PairedStatistics.PairedT(before, after);
        Assert.Equal(2, t.MeanDifference, 12);
        Assert.Equal(0, t.StandardDeviation, 12);
        Assert.True(double.IsPositiveInfinity(t.T));
        Assert.Equal(0, t.P);
        Assert.Equal(2, t.ConfidenceLow, 12);
        Assert.Equal(2, t.ConfidenceHigh, 12);

        // All four |d| tie, so R falls back to the normal approximation: mid-rank 2.5 each, V = 10,
        // z = (10 − 5 − 0.5) / sqrt(4·5·9/24 − (4³ − 4)/48) = 4.5 / sqrt(6.25) = 1.8, p = 2(1 − Φ(1.8)) = 0.07186.
        var w = PairedStatistics.WilcoxonSignedRank(before, after);
        Assert.Equal(4, w.N);
        Assert.Equal(10, w.VPlus);
        Assert.False(w.Exact);
        Assert.Equal(0.07186, w.P, 5);
    }
}

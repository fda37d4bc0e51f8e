using MathNet.Numerics.Distributions;

namespace Hub.Evidence;

/// <summary>Paired t-test on after − before.</summary>
/// <param name="N">Number of pairs.</param>
/// <param name="MeanBefore">Mean of the before values.</param>
/// <param name="MeanAfter">Mean of the after values.</param>
/// <param name="MeanDifference">Mean of after − before.</param>
/// <param name="StandardDeviation">Sample standard deviation (n − 1) of the differences.</param>
/// <param name="T">The t statistic; ±∞ when every difference is the same non-zero value, NaN when every difference is 0.</param>
/// <param name="DegreesOfFreedom">n − 1.</param>
/// <param name="ConfidenceLow">Lower end of the confidence interval for the mean difference.</param>
/// <param name="ConfidenceHigh">Upper end of the confidence interval for the mean difference.</param>
/// <param name="P">Two-sided p-value.</param>
public sealed record PairedTResult(int N, double MeanBefore, double MeanAfter, double MeanDifference, double StandardDeviation, double T, int DegreesOfFreedom, double ConfidenceLow, double ConfidenceHigh, double P);

/// <summary>Wilcoxon signed-rank on after − before (zeros dropped, Wilcoxon's method; tied |d| get mid-ranks).</summary>
/// <param name="N">Number of non-zero differences (the n the test uses).</param>
/// <param name="Zeros">Number of zero differences dropped.</param>
/// <param name="VPlus">Sum of the ranks of the positive differences (R's V for <c>wilcox.test(after, before, paired = TRUE)</c>).</param>
/// <param name="VMinus">Sum of the ranks of the negative differences (R's V for <c>wilcox.test(before, after, paired = TRUE)</c>).</param>
/// <param name="P">Two-sided p-value.</param>
/// <param name="Exact">True when <see cref="P"/> comes from the exact null distribution, false for the normal approximation.</param>
public sealed record WilcoxonResult(int N, int Zeros, double VPlus, double VMinus, double P, bool Exact);

/// <summary>Tests for before/after scores of the same people, giving the numbers R gives
/// (<c>t.test(after, before, paired = TRUE)</c>, <c>wilcox.test(after, before, paired = TRUE)</c>, <c>quantile(x, p)</c>).</summary>
public static class PairedStatistics
{
    /// <summary>Differences closer than this are one tie group (floating point data such as 0.7 − 1.9).</summary>
    private const double TieTolerance = 1e-9;

    /// <summary>Differences smaller than this in size count as zero.</summary>
    private const double ZeroTolerance = 1e-12;

    /// <summary>R's limit: below this many non-zero differences (and with no ties or zeros) the p-value is exact.</summary>
    private const int ExactLimit = 50;

    /// <summary>Paired t-test on after − before, two-sided, as R's <c>t.test(after, before, paired = TRUE)</c>.</summary>
    /// <remarks>When every difference is the same the standard deviation is 0 and nothing is thrown: T is ±∞
    /// (or NaN when every difference is 0), the interval collapses to the mean difference, and P is 0
    /// (or 1 when every difference is 0).</remarks>
    /// <exception cref="ArgumentException">The lists differ in length, have fewer than 2 pairs, or hold a value that is not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="confidence"/> is not strictly between 0 and 1.</exception>
    public static PairedTResult PairedT(IReadOnlyList<double> before, IReadOnlyList<double> after, double confidence = 0.95)
    {
        if (!(confidence > 0 && confidence < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "The confidence level must be between 0 and 1.");
        }

        var d = Differences(before, after);
        var n = d.Length;
        if (n < 2)
        {
            throw new ArgumentException("A paired t-test needs at least 2 pairs.", nameof(before));
        }

        var mean = d.Average();
        var sumSquares = 0.0;
        foreach (var x in d)
        {
            sumSquares += (x - mean) * (x - mean);
        }

        var sd = Math.Sqrt(sumSquares / (n - 1));
        var se = sd / Math.Sqrt(n);
        var df = n - 1;
        double t, low, high, p;
        if (se == 0)
        {
            // Every difference is the same: mean/0 is ±∞ (or 0/0 = NaN when they are all 0).
            t = mean / se;
            low = mean;
            high = mean;
            p = mean == 0 ? 1 : 0;
        }
        else
        {
            t = mean / se;
            var quantile = StudentT.InvCDF(0, 1, df, (1 + confidence) / 2);
            low = mean - (quantile * se);
            high = mean + (quantile * se);
            p = Math.Min(1, 2 * StudentT.CDF(0, 1, df, -Math.Abs(t)));
        }

        return new PairedTResult(n, before.Average(), after.Average(), mean, sd, t, df, low, high, p);
    }

    /// <summary>Wilcoxon signed-rank test on after − before, two-sided, as R's <c>wilcox.test(after, before, paired = TRUE)</c>:
    /// zero differences are dropped, tied |d| get mid-ranks, the p-value is exact when fewer than 50 differences remain and
    /// there are no ties and no zeros, and otherwise comes from the normal approximation with continuity and tie corrections.
    /// With no non-zero differences P is 1.</summary>
    /// <exception cref="ArgumentException">The lists differ in length or hold a value that is not finite.</exception>
    public static WilcoxonResult WilcoxonSignedRank(IReadOnlyList<double> before, IReadOnlyList<double> after)
    {
        var all = Differences(before, after);
        var d = all.Where(x => Math.Abs(x) >= ZeroTolerance).OrderBy(Math.Abs).ToArray();
        var n = d.Length;
        var zeros = all.Length - n;
        if (n == 0)
        {
            return new WilcoxonResult(0, zeros, 0, 0, 1, false);
        }

        // Mid-ranks over groups of |d| that agree within the tolerance; d is sorted by |d|.
        var ranks = new double[n];
        var tieCorrection = 0.0;
        var ties = false;
        for (var start = 0; start < n;)
        {
            var end = start + 1;
            while (end < n && Math.Abs(d[end]) - Math.Abs(d[end - 1]) <= TieTolerance)
            {
                end++;
            }

            var size = end - start;
            var midRank = (start + 1 + end) / 2.0;
            for (var i = start; i < end; i++)
            {
                ranks[i] = midRank;
            }

            if (size > 1)
            {
                ties = true;
                tieCorrection += ((double)size * size * size) - size;
            }

            start = end;
        }

        var vPlus = 0.0;
        var vMinus = 0.0;
        for (var i = 0; i < n; i++)
        {
            if (d[i] > 0)
            {
                vPlus += ranks[i];
            }
            else
            {
                vMinus += ranks[i];
            }
        }

        if (n < ExactLimit && !ties && zeros == 0)
        {
            return new WilcoxonResult(n, zeros, vPlus, vMinus, ExactSignedRankP(n, (int)vPlus), true);
        }

        var z = vPlus - (n * (n + 1) / 4.0);
        var sigma = Math.Sqrt((n * (n + 1.0) * ((2.0 * n) + 1) / 24) - (tieCorrection / 48));
        z = (z - (0.5 * Math.Sign(z))) / sigma;
        var p = 2 * Math.Min(Normal.CDF(0, 1, z), 1 - Normal.CDF(0, 1, z));
        return new WilcoxonResult(n, zeros, vPlus, vMinus, Math.Min(1, p), false);
    }

    /// <summary>Sample quantile, R's default (type 7, linear interpolation), p in [0,1]; values need not be sorted.</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty or holds a value that is not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    public static double Quantile(IReadOnlyList<double> values, double p)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "The probability must be between 0 and 1.");
        }

        if (values.Count == 0)
        {
            throw new ArgumentException("A quantile needs at least one value.", nameof(values));
        }

        if (values.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException("Every value must be a finite number.", nameof(values));
        }

        var x = values.Order().ToArray();
        var h = (x.Length - 1) * p;
        var lower = (int)Math.Floor(h);
        if (lower >= x.Length - 1)
        {
            return x[^1];
        }

        return x[lower] + ((h - lower) * (x[lower + 1] - x[lower]));
    }

    private static double[] Differences(IReadOnlyList<double> before, IReadOnlyList<double> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (before.Count != after.Count)
        {
            throw new ArgumentException($"The before ({before.Count}) and after ({after.Count}) lists must pair up one to one.", nameof(after));
        }

        if (before.Any(v => !double.IsFinite(v)) || after.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException("Every value must be a finite number.", nameof(before));
        }

        var d = new double[before.Count];
        for (var i = 0; i < d.Length; i++)
        {
            d[i] = after[i] - before[i];
        }

        return d;
    }

    /// <summary>Two-sided exact p for V = v with n untied non-zero differences: min(1, 2·min(P(V ≤ v), P(V ≥ v))) from the
    /// null distribution of V, counted by dynamic programming over the subsets of {1..n} by sum (at most 2^49 subsets,
    /// which doubles count exactly).</summary>
    private static double ExactSignedRankP(int n, int v)
    {
        var maxSum = n * (n + 1) / 2;
        var counts = new double[maxSum + 1];
        counts[0] = 1;
        for (var k = 1; k <= n; k++)
        {
            var top = k * (k + 1) / 2;
            for (var s = top; s >= k; s--)
            {
                counts[s] += counts[s - k];
            }
        }

        var total = Math.Pow(2, n);
        var atMost = 0.0;
        var atLeast = 0.0;
        for (var s = 0; s <= maxSum; s++)
        {
            if (s <= v)
            {
                atMost += counts[s];
            }

            if (s >= v)
            {
                atLeast += counts[s];
            }
        }

        return Math.Min(1, 2 * Math.Min(atMost, atLeast) / total);
    }
}

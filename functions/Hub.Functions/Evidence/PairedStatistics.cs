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

/// <summary>Tests for before/after scores of the same people, giving the numbers R gives
/// (<c>t.test(after, before, paired = TRUE)</c>, <c>wilcox.test(after, before, paired = TRUE)</c>, <c>quantile(x, p)</c>).</summary>
public static class PairedStatistics
{
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

        return FromDifferences(n, before.Average(), after.Average(), mean, sumSquares, confidence);
    }

    /// <summary>The same paired t-test from the exact histogram of the differences (after − before → people) and the
    /// means before and after: what a report merged from cells has instead of the people.</summary>
    public static PairedTResult PairedT(IReadOnlyDictionary<double, int> differences, double meanBefore, double meanAfter, double confidence = 0.95)
    {
        var n = differences.Values.Sum();
        if (n < 2)
        {
            throw new ArgumentException("A paired t-test needs at least 2 pairs.", nameof(differences));
        }

        var mean = differences.Sum(e => e.Key * e.Value) / n;
        var sumSquares = differences.Sum(e => e.Value * (e.Key - mean) * (e.Key - mean));
        return FromDifferences(n, meanBefore, meanAfter, mean, sumSquares, confidence);
    }

    /// <inheritdoc cref="SignedRankTest.OfHistogram"/>
    public static WilcoxonResult WilcoxonSignedRank(IReadOnlyDictionary<double, int> differences) => SignedRankTest.OfHistogram(differences);

    private static PairedTResult FromDifferences(int n, double meanBefore, double meanAfter, double mean, double sumSquares, double confidence)
    {
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

        return new PairedTResult(n, meanBefore, meanAfter, mean, sd, t, df, low, high, p);
    }

    /// <inheritdoc cref="SignedRankTest.Of"/>
    public static WilcoxonResult WilcoxonSignedRank(IReadOnlyList<double> before, IReadOnlyList<double> after) => SignedRankTest.Of(before, after);

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

    /// <summary>after − before, pair by pair, once both lists are checked.</summary>
    internal static double[] Differences(IReadOnlyList<double> before, IReadOnlyList<double> after)
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
}

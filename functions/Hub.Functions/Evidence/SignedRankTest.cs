using MathNet.Numerics.Distributions;

namespace Hub.Evidence;

/// <summary>Wilcoxon signed-rank on after − before (zeros dropped, Wilcoxon's method; tied |d| get mid-ranks).</summary>
/// <param name="N">Number of non-zero differences (the n the test uses).</param>
/// <param name="Zeros">Number of zero differences dropped.</param>
/// <param name="VPlus">Sum of the ranks of the positive differences (R's V for <c>wilcox.test(after, before, paired = TRUE)</c>).</param>
/// <param name="VMinus">Sum of the ranks of the negative differences (R's V for <c>wilcox.test(before, after, paired = TRUE)</c>).</param>
/// <param name="P">Two-sided p-value.</param>
/// <param name="Exact">True when <see cref="P"/> comes from the exact null distribution, false for the normal approximation.</param>
public sealed record WilcoxonResult(int N, int Zeros, double VPlus, double VMinus, double P, bool Exact);

/// <summary>The Wilcoxon signed-rank test, as R's <c>wilcox.test(after, before, paired = TRUE)</c>.</summary>
internal static class SignedRankTest
{
    /// <summary>Differences closer than this are one tie group (floating point data such as 0.7 − 1.9).</summary>
    private const double TieTolerance = 1e-9;

    /// <summary>Differences smaller than this in size count as zero.</summary>
    private const double ZeroTolerance = 1e-12;

    /// <summary>R's limit: below this many non-zero differences (and with no ties or zeros) the p-value is exact.</summary>
    private const int ExactLimit = 50;

    /// <summary>Wilcoxon signed-rank test on after − before, two-sided, as R's <c>wilcox.test(after, before, paired = TRUE)</c>:
    /// zero differences are dropped, tied |d| get mid-ranks, the p-value is exact when fewer than 50 differences remain and
    /// there are no ties and no zeros, and otherwise comes from the normal approximation with continuity and tie corrections.
    /// With no non-zero differences P is 1.</summary>
    /// <exception cref="ArgumentException">The lists differ in length or hold a value that is not finite.</exception>
    public static WilcoxonResult Of(IReadOnlyList<double> before, IReadOnlyList<double> after)
    {
        var all = PairedStatistics.Differences(before, after);
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

    /// <summary>Two-sided exact p for V = v with n untied non-zero differences: min(1, 2·min(P(V ≤ v), P(V ≥ v))) from the
    /// null distribution of V, counted by dynamic programming over the subsets of {1..n} by sum (at most 2^49 subsets,
    /// which doubles count exactly).</summary>
    /// <summary>The same test from the exact histogram of the differences (after − before → people): the ranks of a
    /// group of equal |d| depend only on how many there are, so the result is the people's own.</summary>
    public static WilcoxonResult OfHistogram(IReadOnlyDictionary<double, int> differences)
    {
        var zeros = differences.Where(e => Math.Abs(e.Key) < ZeroTolerance).Sum(e => e.Value);
        var byMagnitude = differences.Where(e => Math.Abs(e.Key) >= ZeroTolerance && e.Value > 0).OrderBy(e => Math.Abs(e.Key)).ToList();
        var n = byMagnitude.Sum(e => e.Value);
        if (n == 0)
        {
            return new WilcoxonResult(0, zeros, 0, 0, 1, false);
        }

        var tieCorrection = 0.0;
        var ties = false;
        double vPlus = 0, vMinus = 0;
        var position = 0;
        for (var start = 0; start < byMagnitude.Count;)
        {
            // One group: distinct |d| values chained within the tolerance, as the row-by-row test groups them.
            var end = start + 1;
            while (end < byMagnitude.Count && Math.Abs(byMagnitude[end].Key) - Math.Abs(byMagnitude[end - 1].Key) <= TieTolerance)
            {
                end++;
            }

            var size = 0;
            var positives = 0;
            for (var i = start; i < end; i++)
            {
                size += byMagnitude[i].Value;
                positives += byMagnitude[i].Key > 0 ? byMagnitude[i].Value : 0;
            }

            var midRank = (position + 1 + position + size) / 2.0;
            vPlus += midRank * positives;
            vMinus += midRank * (size - positives);
            if (size > 1)
            {
                ties = true;
                tieCorrection += ((double)size * size * size) - size;
            }

            position += size;
            start = end;
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

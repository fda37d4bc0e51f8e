using System.Globalization;

namespace Hub.Evidence;

/// <summary>The thresholds of the statistical disclosure control (configuration section <c>Reporting:Disclosure</c>).
/// The defaults are NHS England's (formerly NHS Digital's) automatable method for HES and ECDS, in use since 2018:
/// below national level, counts 1–7 are suppressed and every other count is rounded to the nearest 5; percentages are
/// computed from the rounded figures; statistics are not shown for fewer than 8 people.</summary>
public sealed class DisclosureOptions
{
    /// <summary>Counts from 1 up to and including this are suppressed (shown as "*"). Zero is shown as zero.</summary>
    public int SuppressUpTo { get; set; } = 7;

    /// <summary>Every count not suppressed is rounded to the nearest multiple of this.</summary>
    public int RoundTo { get; set; } = 5;

    /// <summary>Means, medians, intervals and p-values are not shown for fewer than this many people.</summary>
    public int StatisticsFrom { get; set; } = 8;

    /// <summary>Decimal places of a mean score, its change and its interval. One place: with counts rounded to 5, a mean's
    /// last digit cannot be multiplied back into one person's score.</summary>
    public int MeanDecimals { get; set; } = 1;

    /// <summary>Decimal places of a p-value; smaller values print as "&lt; 0.001".</summary>
    public int PDecimals { get; set; } = 3;

    /// <summary>Decimal places of money per person (the cost offset): whole pounds by default.</summary>
    public int MoneyDecimals { get; set; }

    /// <summary>Decimal places of a median or percentile in days.</summary>
    public int DayDecimals { get; set; } = 1;
}

/// <summary>The one rule every output applies: a count becomes a <see cref="Figure"/> with its published value, a
/// statistic is shown only for enough people and only at the published precision. The page, the MeasureReport and the
/// charts all print what this class returns, so they agree figure by figure.</summary>
public sealed class DisclosureRule(DisclosureOptions options)
{
    public static readonly DisclosureRule Default = new(new DisclosureOptions());

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public DisclosureOptions Options { get; } = options;

    public int StatisticsFrom => Options.StatisticsFrom;

    public Figure Count(int count) => new(count, Publish(count));

    /// <summary>The published value of a count: 0 stays 0, 1..<see cref="DisclosureOptions.SuppressUpTo"/> is
    /// suppressed (null), anything else is rounded to the nearest <see cref="DisclosureOptions.RoundTo"/> (halves up).</summary>
    public int? Publish(int count)
    {
        if (count <= 0)
        {
            return 0;
        }

        if (count <= Options.SuppressUpTo)
        {
            return null;
        }

        var step = Math.Max(1, Options.RoundTo);
        return (int)(Math.Floor((count + (step / 2.0)) / step) * step);
    }

    /// <summary>Enough people for a statistic to be shown.</summary>
    public bool ShowsStatistics(int people) => people >= Options.StatisticsFrom;

    /// <summary>A mean score (or change, or interval end) at the published precision.</summary>
    public double Mean(double value) => Math.Round(value, Options.MeanDecimals, MidpointRounding.AwayFromZero);

    public double Days(double value) => Math.Round(value, Options.DayDecimals, MidpointRounding.AwayFromZero);

    /// <summary>A p-value at the published precision, with a floor below which it is only "less than".</summary>
    public double P(double value) => Math.Max(Math.Round(value, Options.PDecimals, MidpointRounding.AwayFromZero), PFloor);

    public double PFloor => Math.Pow(10, -Options.PDecimals);

    public string MeanText(double value) => Mean(value).ToString("F" + Options.MeanDecimals, Invariant);

    public string SignedMeanText(double value)
    {
        var mean = Mean(value);
        var text = Math.Abs(mean).ToString("F" + Options.MeanDecimals, Invariant);
        return mean > 0 ? "+" + text : mean < 0 ? "-" + text : text;
    }

    public string DaysText(double value) => Days(value).ToString("F" + Options.DayDecimals, Invariant);

    public string PText(double value) => value < PFloor ? "< " + PFloor.ToString("F" + Options.PDecimals, Invariant) : P(value).ToString("F" + Options.PDecimals, Invariant);

    /// <summary>Money per person, to whole pounds: a saving is a mean, so it gets a mean's protection.</summary>
    public double Money(double value) => Math.Round(value, Options.MoneyDecimals, MidpointRounding.AwayFromZero);
}

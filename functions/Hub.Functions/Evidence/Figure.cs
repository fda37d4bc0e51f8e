using System.Globalization;

namespace Hub.Evidence;

/// <summary>A count and the value a report may show for it under the <see cref="DisclosureRule"/>: every output (the
/// page, the MeasureReport, charts) prints <see cref="Shown"/>, never <see cref="Count"/>; <see cref="Count"/> is the
/// true figure, kept for checks before rounding.</summary>
/// <param name="Count">The true count.</param>
/// <param name="Shown">What may be published: the count rounded under the rule, or null when suppressed.</param>
public readonly record struct Figure(int Count, int? Shown)
{
    /// <summary>What a suppressed count prints as (NHS England's convention).</summary>
    public const string SuppressedMark = "*";

    public bool Suppressed => Shown is null;

    /// <summary>None, and shown as none: exact, so it never hides anything beside it and is never hidden itself.</summary>
    public bool IsZero => Count == 0 && Shown == 0;

    /// <summary>The same count, hidden: secondary suppression, so that a sum cannot give back a count hidden beside it.
    /// It prints as every hidden count does.</summary>
    public Figure Hidden() => this with { Shown = null };

    public string Display => Shown is { } shown ? shown.ToString("N0", CultureInfo.InvariantCulture) : SuppressedMark;

    /// <summary>The share of <paramref name="whole"/> computed from the published (rounded) figures, or null when either
    /// is suppressed or the whole is shown as zero: a percentage of a hidden or true count would give it away.</summary>
    public double? ShareOf(Figure whole) => Shown is { } part && whole.Shown is { } all && all > 0 ? (double)part / all : null;

    public string ShareDisplay(Figure whole) => ShareOf(whole) is { } share ? share.ToString("P0", CultureInfo.InvariantCulture) : "–";
}

using System.Globalization;

namespace Hub.Evidence;

/// <summary>A count as a report may show it: 1–4 becomes "&lt;5" so nobody can be picked out.</summary>
public readonly record struct Figure(int Count)
{
    public const int SmallestShown = 5;

    public bool Suppressed => Count is > 0 and < SmallestShown;

    public string Display => Suppressed ? "<5" : Count.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>The share of <paramref name="whole"/>, or null when either count is suppressed or the whole is empty
    /// (a percentage of a hidden count would give it away).</summary>
    public double? ShareOf(Figure whole) => Suppressed || whole.Suppressed || whole.Count == 0 ? null : (double)Count / whole.Count;

    public string ShareDisplay(Figure whole) => ShareOf(whole) is { } share ? share.ToString("P0", CultureInfo.InvariantCulture) : "–";
}

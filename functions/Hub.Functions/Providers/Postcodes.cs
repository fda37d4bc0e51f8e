using System.Text.RegularExpressions;

namespace Hub.Providers;

/// <summary>UK postcodes as the directory uses them: a referral is matched on the patient's outward code (the district,
/// <c>LS17</c> of <c>LS17 6EH</c>); a provider serves postcode districts (<c>LS17</c>) or whole postcode areas (<c>LS</c>).</summary>
public static partial class Postcodes
{
    /// <summary>The outward code of a full or partial UK postcode, upper case ("ls17 6eh" and "LS176EH" → "LS17"); null
    /// when it is not a postcode. Only the district is kept: it is all routing needs, and less of the patient's address.</summary>
    public static string? OutwardCode(string? postcode)
    {
        if (string.IsNullOrWhiteSpace(postcode))
        {
            return null;
        }

        var compact = string.Concat(postcode.Where(c => !char.IsWhiteSpace(c))).ToUpperInvariant();
        if (FullPostcode().Match(compact) is { Success: true } full)
        {
            return full.Groups["outward"].Value;
        }

        // A postcode given only as its district ("LS17"), which some systems hold when the full one is not known.
        return District().IsMatch(compact) ? compact : null;
    }

    /// <summary>An area a provider may list: a postcode area (one or two letters, <c>LS</c>) or district (<c>LS17</c>,
    /// <c>EC1A</c>), upper case without spaces.</summary>
    public static bool IsArea(string? area) => area is not null && (AreaLetters().IsMatch(area) || District().IsMatch(area));

    /// <summary>Whether a provider with these areas takes patients from <paramref name="outward"/>. No areas means anywhere;
    /// no outward code (the referral carries no postcode) is not checked. An area matches when the outward code equals it
    /// or starts with it as a postcode does: <c>LS</c> serves <c>LS17</c> (its letters are exactly LS), <c>EC1</c> serves
    /// the sub-district <c>EC1A</c>; but <c>LS1</c> does not serve <c>LS17</c>, nor <c>L</c> serve <c>LS17</c>, because those
    /// are other districts and areas that merely share characters.</summary>
    public static bool Serves(IReadOnlyCollection<string> areas, string? outward)
    {
        if (areas.Count == 0 || outward is null)
        {
            return true;
        }

        var letters = new string(outward.TakeWhile(char.IsAsciiLetter).ToArray());
        return areas.Any(area =>
            string.Equals(area, outward, StringComparison.Ordinal) ||
            (AreaLetters().IsMatch(area) && string.Equals(area, letters, StringComparison.Ordinal)) ||
            (District().IsMatch(area) && outward.Length == area.Length + 1 && outward.StartsWith(area, StringComparison.Ordinal) && char.IsAsciiLetter(outward[^1])));
    }

    [GeneratedRegex("^(?<outward>[A-Z]{1,2}[0-9][A-Z0-9]?)[0-9][A-Z]{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex FullPostcode();

    [GeneratedRegex("^[A-Z]{1,2}[0-9][A-Z0-9]?$", RegexOptions.CultureInvariant)]
    private static partial Regex District();

    [GeneratedRegex("^[A-Z]{1,2}$", RegexOptions.CultureInvariant)]
    private static partial Regex AreaLetters();
}

using System.Text.RegularExpressions;
using Hub.Access;
using Hub.Platform.Storage;

namespace Hub.Providers;

/// <summary>One thing wrong with a provider entry: the JSON field at fault and what would be right.</summary>
public sealed record ProviderProblem(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>What a directory entry must be before it is stored. Every path in (admin endpoint, import, seed file) goes
/// through <see cref="Normalize"/> then <see cref="Check"/>, so the router and the emails can trust what they read.</summary>
public static partial class ProviderRules
{
    public const int MaxTextLength = 4000;
    public const int MaxShortTextLength = 200;
    public const int MaxListLength = 100;
    public const int MaxAge = 130;

    /// <summary>The entry tidied: text trimmed, empty optional text as null, categories as codes (lower case, '-' for
    /// spaces), areas upper case without spaces, ODS code upper case, duplicates dropped, a missing status as active.
    /// JSON nulls where lists belong become empty lists.</summary>
    public static Provider Normalize(Provider provider) => provider with
    {
        Id = provider.Id?.Trim() ?? string.Empty,
        Name = provider.Name?.Trim() ?? string.Empty,
        Description = Optional(provider.Description),
        Status = Optional(provider.Status)?.ToLowerInvariant() ?? ProviderStatus.Active,
        OrganizationName = Optional(provider.OrganizationName),
        OdsCode = Optional(provider.OdsCode)?.ToUpperInvariant(),
        CharityNumber = Optional(provider.CharityNumber),
        Emails = Clean(provider.Emails, e => e.Trim(), StringComparer.OrdinalIgnoreCase),
        Phone = Optional(provider.Phone),
        Url = Optional(provider.Url),
        Categories = Clean(provider.Categories, ActivityCategories.Normalize, StringComparer.Ordinal),
        Areas = Clean(provider.Areas, a => string.Concat(a.Where(c => !char.IsWhiteSpace(c))).ToUpperInvariant(), StringComparer.Ordinal),
        EligibilityDescription = Optional(provider.EligibilityDescription),
        FeesDescription = Optional(provider.FeesDescription),
    };

    /// <summary>Everything wrong with a normalized entry, each naming its JSON field; empty when it may be stored.</summary>
    public static IReadOnlyList<ProviderProblem> Check(Provider provider)
    {
        var problems = new List<ProviderProblem>();
        void Problem(string field, string message) => problems.Add(new ProviderProblem(field, message));

        // The id is a table row key and a FHIR id (HealthcareService/{id}), so it must be both.
        if (!TableKeys.IsSafe(provider.Id) || !FhirId().IsMatch(provider.Id))
        {
            Problem("id", "an id of 1-64 letters, digits, '-' or '.' is required, e.g. \"leeds-befriending\"");
        }

        if (string.IsNullOrWhiteSpace(provider.Name))
        {
            Problem("name", "a name is required");
        }

        if (!ProviderStatus.IsKnown(provider.Status))
        {
            Problem("status", $"must be one of {string.Join(", ", ProviderStatus.All)}");
        }

        if (provider.Emails.Count == 0)
        {
            Problem("emails", "at least one email address is required: referrals are sent there");
        }
        else if (provider.Emails.FirstOrDefault(e => !LooksLikeEmail(e)) is { } bad)
        {
            Problem("emails", $"'{Shorten(bad)}' is not an email address");
        }

        if (provider.Categories.Count == 0)
        {
            Problem("categories", $"at least one activity category is required, e.g. {string.Join(", ", ActivityCategories.Known)}");
        }
        else if (provider.Categories.FirstOrDefault(c => !CategoryCode().IsMatch(c)) is { } badCategory)
        {
            Problem("categories", $"'{Shorten(badCategory)}' is not a category code (letters, digits and '-')");
        }

        if (provider.Areas.FirstOrDefault(a => !Postcodes.IsArea(a)) is { } badArea)
        {
            Problem("areas", $"'{Shorten(badArea)}' is not a postcode area (\"LS\") or district (\"LS17\")");
        }

        if (provider.WeeklyLimit < 0)
        {
            Problem("weeklyLimit", "must be 0 or more (leave it out for no limit)");
        }

        if (provider.MinimumAge is < 0 or > MaxAge)
        {
            Problem("minimumAge", $"must be between 0 and {MaxAge}");
        }

        if (provider.MaximumAge is < 0 or > MaxAge)
        {
            Problem("maximumAge", $"must be between 0 and {MaxAge}");
        }
        else if (provider.MinimumAge > provider.MaximumAge)
        {
            Problem("maximumAge", "must not be below minimumAge");
        }

        if (provider.OdsCode is not null && !OdsCode().IsMatch(provider.OdsCode))
        {
            Problem("odsCode", "an ODS code is 3-10 letters and digits, e.g. \"8JK12\"");
        }

        if (provider.Url is not null && (!Uri.TryCreate(provider.Url, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http")))
        {
            Problem("url", "must be an http or https address");
        }

        CheckLength(problems, "name", provider.Name, MaxShortTextLength);
        CheckLength(problems, "organizationName", provider.OrganizationName, MaxShortTextLength);
        CheckLength(problems, "charityNumber", provider.CharityNumber, 20);
        CheckLength(problems, "phone", provider.Phone, 40);
        CheckLength(problems, "url", provider.Url, 2000);
        CheckLength(problems, "description", provider.Description, MaxTextLength, multiline: true);
        CheckLength(problems, "eligibilityDescription", provider.EligibilityDescription, MaxTextLength, multiline: true);
        CheckLength(problems, "feesDescription", provider.FeesDescription, MaxShortTextLength);
        foreach (var (field, count) in new[] { ("emails", provider.Emails.Count), ("categories", provider.Categories.Count), ("areas", provider.Areas.Count) })
        {
            if (count > MaxListLength)
            {
                Problem(field, $"at most {MaxListLength} entries");
            }
        }

        return problems;
    }

    /// <summary>An address that mail can be sent to and that cannot smuggle anything into a mail header: one '@', a dot in
    /// the domain, no spaces, quotes, angle brackets, commas or control characters.</summary>
    public static bool LooksLikeEmail(string? email) => email is { Length: <= 254 } && Email().IsMatch(email);

    private static void CheckLength(List<ProviderProblem> problems, string field, string? value, int max, bool multiline = false)
    {
        if (value?.Length > max)
        {
            problems.Add(new ProviderProblem(field, $"at most {max} characters"));
        }
        else if (!multiline && value is not null && value.Any(char.IsControl))
        {
            problems.Add(new ProviderProblem(field, "must be one line of text"));
        }
    }

    private static string? Optional(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static List<string> Clean(IReadOnlyList<string>? values, Func<string, string> clean, StringComparer comparer) =>
        (values ?? []).Where(v => !string.IsNullOrWhiteSpace(v)).Select(clean).Distinct(comparer).ToList();

    private static string Shorten(string value) => value.Length <= 60 ? value : value[..60] + "…";

    [GeneratedRegex(@"^[A-Za-z0-9\-\.]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex FhirId();

    [GeneratedRegex("^(?=.{1,64}$)[a-z0-9]+(-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex CategoryCode();

    [GeneratedRegex("^[A-Z0-9]{3,10}$", RegexOptions.CultureInvariant)]
    private static partial Regex OdsCode();

    [GeneratedRegex("^[^@\\s\\p{Cc}\"<>,;:()\\[\\]\\\\]+@[A-Za-z0-9\\-]+(\\.[A-Za-z0-9\\-]+)+$", RegexOptions.CultureInvariant)]
    private static partial Regex Email();
}

using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Hub.Referrals;
using Microsoft.Extensions.Options;

namespace Hub.Providers;

/// <summary>How a referral's activity was recognised: stored on its Task (<see cref="ActivityMatchOnTask"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ActivityMatchMethod>))]
public enum ActivityMatchMethod
{
    /// <summary>A coding in the hub's activity CodeSystem.</summary>
    [JsonStringEnumMemberName("code")] Code,

    /// <summary>A SNOMED CT coding configured for the category.</summary>
    [JsonStringEnumMemberName("snomed")] Snomed,

    /// <summary>Words of the activity's text or a coding's display, through the category's synonyms.</summary>
    [JsonStringEnumMemberName("synonym")] Synonym,
}

/// <summary>One category a referral asks for, how it was recognised, and what matched: the hub code, the SNOMED CT code,
/// or the configured synonym (never the referral's own words, which stay in the referral).</summary>
public sealed record ActivityMatch(string Category, ActivityMatchMethod Method, string Matched);

/// <summary>Places a referral's activity in the directory's categories, the way a link worker reading it would.
/// <list type="number">
/// <item>Codings in the hub's activity CodeSystem (<see cref="ActivityCategories.System"/>), in <c>code</c> then
/// <c>category</c>: when any is present, they alone decide.</item>
/// <item>Otherwise SNOMED CT codings (<c>http://snomed.info/sct</c>) whose code is configured for a category
/// (<see cref="ProviderOptions.Activities"/>; none shipped).</item>
/// <item>Otherwise the words of <c>code.text</c>, <c>code.coding.display</c>, then the same in <c>category</c>, through each
/// category's synonyms (shipped defaults, <see cref="ActivityCategories.ShippedSynonyms"/>, or configured ones), plus its
/// code and display: a synonym matches as whole words anywhere in the text, case and punctuation aside, a plural in
/// the text still matching ("Community gardening group" and "Walks in the park" are gardening and walking).</item>
/// </list>
/// One match per category, in the order found; the longest synonym is the one reported.</summary>
public sealed partial class ActivityMatcher
{
    private readonly List<(string Category, string Synonym, string[] Words)> _synonyms;
    private readonly Dictionary<string, string> _snomed;

    public ActivityMatcher(IOptions<ProviderOptions> options)
        : this(options.Value.Activities)
    {
    }

    private ActivityMatcher(IReadOnlyDictionary<string, ActivityWords> configured)
    {
        var byCategory = ActivityCategories.ShippedSynonyms.ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
        _snomed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, words) in configured)
        {
            var category = ActivityCategories.Normalize(key);
            if (words.Synonyms is { } synonyms)
            {
                byCategory[category] = synonyms;
            }
            else
            {
                byCategory.TryAdd(category, []);
            }

            foreach (var code in words.SnomedCodes.Where(c => !string.IsNullOrWhiteSpace(c)))
            {
                _snomed.TryAdd(code.Trim(), category);
            }
        }

        _synonyms = byCategory
            .SelectMany(c => c.Value.Append(c.Key.Replace('-', ' ')).Append(ActivityCategories.Display(c.Key)).Select(s => (Category: c.Key, Synonym: s.Trim())))
            .Select(s => (s.Category, s.Synonym, Words: Words(s.Synonym)))
            .Where(s => s.Words.Length > 0)
            .DistinctBy(s => (s.Category, string.Join(' ', s.Words)))
            .OrderByDescending(s => s.Words.Length)
            .ThenByDescending(s => s.Synonym.Length)
            .ToList();
    }

    /// <summary>The shipped defaults and nothing configured, for callers without options.</summary>
    public static ActivityMatcher Shipped { get; } = new(new Dictionary<string, ActivityWords>());

    /// <summary>Problems with configured activities, each naming its setting; empty when they may be used.</summary>
    public static IEnumerable<string> Problems(ProviderOptions options)
    {
        foreach (var (key, words) in options.Activities)
        {
            var setting = $"{ProviderOptions.Section}:Activities:{key}";
            if (!CategoryCode().IsMatch(ActivityCategories.Normalize(key)))
            {
                yield return $"{setting}: '{key}' is not a category code (letters, digits and '-')";
            }

            if (words.Synonyms?.Any(s => Words(s ?? string.Empty).Length == 0) == true)
            {
                yield return $"{setting}:Synonyms: every synonym needs at least one letter or digit";
            }

            if (words.SnomedCodes.FirstOrDefault(c => !SnomedId().IsMatch(c?.Trim() ?? string.Empty)) is { } bad)
            {
                yield return $"{setting}:SnomedCodes: '{bad}' is not a SNOMED CT concept id (6 to 18 digits)";
            }
        }
    }

    public IReadOnlyList<ActivityMatch> Match(ServiceRequest serviceRequest)
    {
        ArgumentNullException.ThrowIfNull(serviceRequest);
        var concepts = new[] { serviceRequest.Code }.Concat(serviceRequest.Category).OfType<CodeableConcept>().ToList();
        var codings = concepts.SelectMany(c => c.Coding).Where(c => c is not null).ToList();

        var coded = codings
            .Select(c => c is { System: ActivityCategories.System, Code: { } code } && !string.IsNullOrWhiteSpace(code) ? ActivityCategories.Normalize(code) : null)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Select(code => new ActivityMatch(code, ActivityMatchMethod.Code, code))
            .ToList();
        if (coded.Count > 0)
        {
            return coded;
        }

        var snomed = codings
            .Select(c => c is { System: FhirCodes.Snomed, Code: { } code } ? code.Trim() : null)
            .Where(code => code is not null && _snomed.ContainsKey(code))
            .Select(code => new ActivityMatch(_snomed[code!], ActivityMatchMethod.Snomed, code!))
            .DistinctBy(m => m.Category)
            .ToList();
        if (snomed.Count > 0)
        {
            return snomed;
        }

        var found = new List<ActivityMatch>();
        foreach (var text in concepts.SelectMany(c => new[] { c.Text }.Concat(c.Coding.Select(coding => coding?.Display))))
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var words = Words(text);
            foreach (var (category, synonym, synonymWords) in _synonyms)
            {
                if (found.All(m => m.Category != category) && Contains(words, synonymWords))
                {
                    found.Add(new ActivityMatch(category, ActivityMatchMethod.Synonym, synonym));
                }
            }
        }

        return found;
    }

    /// <summary>Lower-case words of letters and digits; an apostrophe joins ("men's" is "mens").</summary>
    private static string[] Words(string text) =>
        NotWord().Split(text.Replace("'", string.Empty, StringComparison.Ordinal).Replace("\u2019", string.Empty, StringComparison.Ordinal).ToLowerInvariant())
            .Where(w => w.Length > 0)
            .ToArray();

    private static bool Contains(string[] text, string[] phrase)
    {
        for (var start = 0; start + phrase.Length <= text.Length; start++)
        {
            var all = true;
            for (var i = 0; i < phrase.Length && all; i++)
            {
                var word = text[start + i];
                all = word == phrase[i] || word == phrase[i] + "s" || word == phrase[i] + "es";
            }

            if (all)
            {
                return true;
            }
        }

        return false;
    }

    [GeneratedRegex(@"[^\p{L}\p{N}]+", RegexOptions.CultureInvariant)]
    private static partial Regex NotWord();

    [GeneratedRegex("^(?=.{1,64}$)[a-z0-9]+(-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex CategoryCode();

    [GeneratedRegex("^[0-9]{6,18}$", RegexOptions.CultureInvariant)]
    private static partial Regex SnomedId();
}

using System.Globalization;
using Hub.Platform.Fhir;

namespace Hub.Providers;

/// <summary>The kinds of activity a referral asks for and a provider offers: the hub's own CodeSystem, whose codes are
/// the Open Referral UK taxonomy term ids the directory uses. A GP system names the activity with a coding in this
/// system, or in plain words ("Welfare advice") that <see cref="FromText"/> recognises.</summary>
public static class ActivityCategories
{
    public const string System = FhirCodes.HubBase + "/CodeSystem/activity-category";

    /// <summary>The identifier system a GP system uses to name a provider as a referral's performer.</summary>
    public const string ProviderIdSystem = FhirCodes.HubBase + "/Id/provider";

    public const string Befriending = "befriending";
    public const string Gardening = "gardening";
    public const string Arts = "arts";
    public const string WelfareAdvice = "welfare-advice";
    public const string DebtAdvice = "debt-advice";
    public const string Walking = "walking";
    public const string PhysicalActivity = "physical-activity";
    public const string CommunityGroup = "community-group";

    private static readonly Dictionary<string, string> Displays = new(StringComparer.Ordinal)
    {
        [Befriending] = "Befriending",
        [Gardening] = "Gardening and food growing",
        [Arts] = "Arts and creative activities",
        [WelfareAdvice] = "Welfare advice",
        [DebtAdvice] = "Debt advice",
        [Walking] = "Walking",
        [PhysicalActivity] = "Physical activity",
        [CommunityGroup] = "Community group",
    };

    // Words a referral may use for each code: the code itself and its display, both normalized.
    private static readonly Dictionary<string, string> ByWords = Displays
        .SelectMany(d => new[] { (Words: d.Key, Code: d.Key), (Words: Normalize(d.Value), Code: d.Key) })
        .DistinctBy(w => w.Words)
        .ToDictionary(w => w.Words, w => w.Code, StringComparer.Ordinal);

    /// <summary>The codes the hub's CodeSystem defines. Providers may carry other ORUK taxonomy ids too; those are matched
    /// only by coding, never by text.</summary>
    public static IReadOnlyCollection<string> Known => Displays.Keys;

    /// <summary>The human name of a code: the CodeSystem's display, or the code with '-' as space for other taxonomy ids.</summary>
    public static string Display(string code) =>
        Displays.TryGetValue(code, out var display) ? display : CultureInfo.InvariantCulture.TextInfo.ToTitleCase(code.Replace('-', ' '));

    /// <summary>A code as stored and compared: trimmed, lower case, runs of spaces as one '-'.</summary>
    public static string Normalize(string code) =>
        string.Join('-', code.Trim().ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>The known code that a referral's words name ("Befriending", "welfare advice", "Debt-Advice", or a code's
    /// display such as "Gardening and food growing"), or null: case-insensitive, '-' and space alike, the whole text and
    /// nothing more (so "Referral to social prescribing service" names no activity).</summary>
    public static string? FromText(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return ByWords.GetValueOrDefault(Normalize(text.Replace('-', ' ')));
    }
}

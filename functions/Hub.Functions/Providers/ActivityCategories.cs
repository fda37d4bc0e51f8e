using System.Globalization;
using Hub.Platform.Fhir;

namespace Hub.Providers;

/// <summary>The kinds of activity a referral asks for and a provider offers: the hub's own CodeSystem, whose codes are
/// the Open Referral UK taxonomy term ids the directory uses. A GP system names the activity with a coding in this
/// system, a configured SNOMED CT code, or in plain words that <see cref="ActivityMatcher"/> recognises.</summary>
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

    /// <summary>A link-worker service (a PCN's or the voluntary sector's social prescribing link workers): a provider
    /// carrying this category takes referrals whose activity cannot be placed (<see cref="ProviderRouting"/>).</summary>
    public const string LinkWorker = "link-worker";

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
        [LinkWorker] = "Link worker service",
    };

    /// <summary>The words a referral's free text may use for each category, shipped as defaults: matched as whole words
    /// anywhere in the text ("Community gardening group" is gardening), a plural in the text (an added "s" or "es") still matching. A category's
    /// code and display are always words for it. Replaced per category by <see cref="ProviderOptions.Activities"/>. None
    /// mentions "social prescribing", "referral" or "service", so the national referral code's text names no activity.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ShippedSynonyms { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        [Befriending] = ["befriending", "befriender", "befriend", "companionship", "telephone friendship", "friendship group"],
        [Gardening] = ["gardening", "garden", "allotment", "food growing", "growing food", "horticulture", "horticultural", "care farm", "city farm", "green gym", "conservation volunteering"],
        [Arts] = ["art", "arts and crafts", "craft", "creative", "painting", "drawing", "pottery", "singing", "choir", "music", "drama", "theatre", "dance class", "creative writing", "photography", "knitting", "sewing"],
        [WelfareAdvice] = ["welfare", "welfare rights", "benefits", "benefits advice", "citizens advice", "housing advice", "energy advice"],
        [DebtAdvice] = ["debt", "money advice", "money management", "budgeting", "financial advice", "financial support"],
        [Walking] = ["walking", "walk", "health walk", "walking group", "walking for health", "rambling", "ramblers"],
        [PhysicalActivity] = ["physical activity", "exercise", "exercise class", "fitness", "gym", "swimming", "yoga", "tai chi", "pilates", "chair based exercise", "seated exercise", "sport", "cycling", "parkrun", "falls prevention"],
        [CommunityGroup] = ["community group", "social group", "lunch club", "coffee morning", "men's shed", "mens shed", "community centre", "peer support", "support group", "social club", "drop in"],
        [LinkWorker] = ["link worker", "social prescriber", "community connector", "care navigator", "wellbeing coordinator", "health and wellbeing coach"],
    };

    /// <summary>The codes the hub's CodeSystem defines. Providers may carry other ORUK taxonomy ids too; those are matched
    /// by coding, and by text only once synonyms are configured for them.</summary>
    public static IReadOnlyCollection<string> Known => Displays.Keys;

    /// <summary>The human name of a code: the CodeSystem's display, or the code with '-' as space for other taxonomy ids.</summary>
    public static string Display(string code) =>
        Displays.TryGetValue(code, out var display) ? display : CultureInfo.InvariantCulture.TextInfo.ToTitleCase(code.Replace('-', ' '));

    /// <summary>A code as stored and compared: trimmed, lower case, runs of spaces as one '-'.</summary>
    public static string Normalize(string code) =>
        string.Join('-', code.Trim().ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}

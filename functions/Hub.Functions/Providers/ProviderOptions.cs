namespace Hub.Providers;

/// <summary>Settings for the provider directory (configuration section <c>Providers</c>).</summary>
public sealed class ProviderOptions
{
    public const string Section = "Providers";

    /// <summary>A JSON array of providers (as <c>samples/providers.json</c>) loaded at startup, for local runs: providers
    /// missing from the directory are added, ones already there are left as they are. A relative path is looked for
    /// from the working directory, then from the app's folder. Unset in Azure, where the directory is kept through
    /// the admin endpoints.</summary>
    public string? SeedFile { get; set; }

    /// <summary>How a referral's activity is recognised, per category code (<c>Providers:Activities:gardening:Synonyms:0</c>,
    /// <c>Providers:Activities:gardening:SnomedCodes:0</c>). A category listed here with synonyms has those instead of
    /// the shipped ones (<see cref="ActivityCategories.ShippedSynonyms"/>); SNOMED CT codes are none by default (a
    /// scheme adds the concepts its GP systems send, checked in its terminology server). A category the hub's
    /// CodeSystem does not define may be added, for providers carrying that taxonomy id.</summary>
    public Dictionary<string, ActivityWords> Activities { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Each practice's link-worker service, by the practice's ODS code (<c>Providers:LinkWorkerServices:A81001</c>
    /// = a provider id): where a referral from that practice goes when its activity cannot be placed. Without one, the
    /// directory's active providers carrying the <c>link-worker</c> category that serve the patient's area and have
    /// room are used; failing those, the referral is escalated.</summary>
    public Dictionary<string, string> LinkWorkerServices { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>The words and codes that name one activity category.</summary>
public sealed class ActivityWords
{
    /// <summary>Words or phrases found whole in a referral's activity text; when given, they replace the shipped ones.</summary>
    public List<string>? Synonyms { get; set; }

    /// <summary>SNOMED CT concept ids (<c>http://snomed.info/sct</c>) that name this category.</summary>
    public List<string> SnomedCodes { get; set; } = [];
}

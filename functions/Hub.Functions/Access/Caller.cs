namespace Hub.Access;

/// <summary>Who is calling: an API client (a practice, or an integration engine acting for named practices), and the
/// schemes whose evidence reports it may read (a scheme lead or commissioner).</summary>
/// <param name="Role">Analyst keys may also export per-person rows (<see cref="KeyRole.Analyst"/>).</param>
/// <param name="ProviderIds">For a provider key: the HealthcareService ids it acts for (and no practices).</param>
public sealed record Caller(string ClientId, string KeyId, IReadOnlySet<string> PracticeOdsCodes, IReadOnlySet<string>? SchemeIds = null, KeyRole Role = KeyRole.Reader,
    IReadOnlySet<string>? ProviderIds = null)
{
    private static readonly IReadOnlySet<string> NoSchemes = new HashSet<string>();

    public IReadOnlySet<string> Schemes => SchemeIds ?? NoSchemes;

    /// <summary>A provider key acting for these HealthcareServices; empty for every other key.</summary>
    public IReadOnlySet<string> Providers => Role == KeyRole.Provider ? ProviderIds ?? NoSchemes : NoSchemes;

    public bool IsProvider => Role == KeyRole.Provider;

    public bool MayActForProvider(string providerId) => Providers.Contains(providerId);

    public bool MayActFor(string practiceOds) => PracticeOdsCodes.Contains(practiceOds.ToUpperInvariant());
}

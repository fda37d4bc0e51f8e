namespace Hub.Access;

/// <summary>Who is calling: an API client (a practice, or an integration engine acting for named practices), and the
/// schemes whose evidence reports it may read (a scheme lead or commissioner).</summary>
/// <param name="Role">Analyst keys may also export per-person rows (<see cref="KeyRole.Analyst"/>).</param>
public sealed record Caller(string ClientId, string KeyId, IReadOnlySet<string> PracticeOdsCodes, IReadOnlySet<string>? SchemeIds = null, KeyRole Role = KeyRole.Reader)
{
    private static readonly IReadOnlySet<string> NoSchemes = new HashSet<string>();

    public IReadOnlySet<string> Schemes => SchemeIds ?? NoSchemes;

    public bool MayActFor(string practiceOds) => PracticeOdsCodes.Contains(practiceOds.ToUpperInvariant());
}

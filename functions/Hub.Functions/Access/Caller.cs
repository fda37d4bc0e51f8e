namespace Hub.Access;

/// <summary>Who is calling: an API client (a practice, or an integration engine acting for named practices).</summary>
public sealed record Caller(string ClientId, string KeyId, IReadOnlySet<string> PracticeOdsCodes)
{
    public bool MayActFor(string practiceOds) => PracticeOdsCodes.Contains(practiceOds.ToUpperInvariant());

    /// <summary>How the caller appears in the audit trail: ids only.</summary>
    public string AuditName => $"client:{ClientId}";
}

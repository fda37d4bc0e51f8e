namespace Hub.WriteBack;

/// <summary>Where each practice's outcomes are written (configuration section <c>WriteBack</c>), e.g.
/// <c>WriteBack__Practices__A81001__BaseUrl</c> and <c>WriteBack__Practices__A81001__BearerToken</c> (a Key Vault
/// reference in Azure). A practice with no entry reads its outcomes from the hub's own FHIR API instead.</summary>
public sealed class WriteBackOptions
{
    public const string Section = "WriteBack";

    public Dictionary<string, PracticeEndpoint> Practices { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long one attempt may take before it counts as a failure to retry.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A provider's progress point (declined, started, finished) that could not be written is tried again after
    /// this long, doubling each time: default 1 minute.</summary>
    public TimeSpan ProgressFirstRetryAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest wait between two tries of a progress point: default 1 hour.</summary>
    public TimeSpan ProgressLongestRetryAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A progress point still not written this long after it was reported is recorded unreachable: default 3 days.</summary>
    public TimeSpan ProgressGiveUpAfter { get; set; } = TimeSpan.FromDays(3);
}

/// <summary>A practice's FHIR R4 endpoint (its GP system's or its integration engine's) and the credential it takes.</summary>
public sealed class PracticeEndpoint
{
    public string BaseUrl { get; set; } = string.Empty;

    public string? BearerToken { get; set; }
}

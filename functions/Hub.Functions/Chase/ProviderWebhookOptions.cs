namespace Hub.Chase;

/// <summary>How the hub tells providers' systems about their Tasks (configuration section <c>ProviderWebhooks</c>).</summary>
public sealed class ProviderWebhookOptions
{
    public const string Section = "ProviderWebhooks";

    /// <summary>Accept <c>http://</c> endpoints (tests, local runs). Off: endpoints must be <c>https://</c>.</summary>
    public bool AllowHttp { get; set; }

    /// <summary>The wait after the first failed attempt, doubled after each further failure: default 30 s.</summary>
    public TimeSpan FirstRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait between two attempts: default 1 hour.</summary>
    public TimeSpan LongestRetryAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A notification not answered with a 2xx this long after it was made is given up: default 3 days.</summary>
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromDays(3);

    /// <summary>How long one POST may take: default 10 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A change marked for a version the Task has not reached this long after is taken as a write that lost a
    /// race (the winner marks its own): default 2 minutes.</summary>
    public TimeSpan SettleWithin { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>At most this many changes and this many deliveries per run of the timer: default 500.</summary>
    public int PerRun { get; set; } = 500;
}

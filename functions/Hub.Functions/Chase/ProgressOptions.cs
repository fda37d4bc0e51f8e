namespace Hub.Chase;

/// <summary>What the accepting provider's reports do (configuration section <c>Progress</c>).</summary>
public sealed class ProgressOptions
{
    public const string Section = "Progress";

    /// <summary>After this many tries without reaching the person the Task goes on-hold and the referrer is told: default 3.</summary>
    public int ContactTries { get; set; } = 3;

    /// <summary>A provider that has reported nothing this long after accepting gets a reminder: default 14 days.</summary>
    public TimeSpan RemindAfter { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Still nothing this long after accepting: the referrer is told. Default 28 days.</summary>
    public TimeSpan TellReferrerAfter { get; set; } = TimeSpan.FromDays(28);
}

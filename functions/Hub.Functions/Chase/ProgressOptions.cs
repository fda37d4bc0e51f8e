namespace Hub.Chase;

/// <summary>What the accepting provider's reports do (configuration section <c>Progress</c>).</summary>
public sealed class ProgressOptions
{
    public const string Section = "Progress";

    /// <summary>After this many tries without reaching the person the Task goes on-hold and the referrer is told: default 3.</summary>
    public int ContactTries { get; set; } = 3;
}

namespace Hub.Chase;

/// <summary>How the provider is chased (configuration section <c>Chase</c>). Durations count from the offer email.</summary>
public sealed class ChaseOptions
{
    public const string Section = "Chase";

    /// <summary>When reminders go to the provider: default day 2 and day 5.</summary>
    public List<TimeSpan> Reminders { get; set; } = [];

    /// <summary>When the referrer is told the provider has not answered: default day 10.</summary>
    public TimeSpan EscalateAfter { get; set; } = TimeSpan.FromDays(10);

    /// <summary>Move reminders and escalations into UK working hours (Europe/London, Monday–Friday 09:00–17:00).
    /// Off only for compressed demo and test runs.</summary>
    public bool WorkingHoursOnly { get; set; } = true;

    /// <summary>The first wait before retrying a failed email or storage step (then doubling, six tries).</summary>
    public TimeSpan RetryFirstInterval { get; set; } = TimeSpan.FromSeconds(30);

    public IReadOnlyList<TimeSpan> EffectiveReminders => Reminders.Count > 0 ? Reminders : [TimeSpan.FromDays(2), TimeSpan.FromDays(5)];
}

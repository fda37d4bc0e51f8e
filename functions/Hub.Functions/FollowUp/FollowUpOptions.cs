namespace Hub.FollowUp;

/// <summary>How outcomes are followed up (configuration section <c>FollowUp</c>). Durations count from the provider's
/// acceptance (the follow-up date) and from the survey email (reminders, window).</summary>
public sealed class FollowUpOptions
{
    public const string Section = "FollowUp";

    /// <summary>The shortest and longest follow-up a real scheme may set: 12 weeks after acceptance lands 3–4 months
    /// after referral for referrals accepted within a fortnight; 4 months is the window's far edge.</summary>
    public static readonly TimeSpan ShortestFollowUp = TimeSpan.FromDays(84);
    public static readonly TimeSpan LongestFollowUp = TimeSpan.FromDays(122);

    /// <summary>When the follow-up survey goes out: default 12 weeks after acceptance.</summary>
    public TimeSpan FollowUpAfter { get; set; } = TimeSpan.FromDays(84);

    /// <summary>Reminders after the survey email: default day 7 and day 14.</summary>
    public List<TimeSpan> Reminders { get; set; } = [];

    /// <summary>When the survey closes unanswered and "no response" is recorded: default day 28.</summary>
    public TimeSpan SurveyWindow { get; set; } = TimeSpan.FromDays(28);

    /// <summary>How long the baseline survey sent at acceptance stays open: default 14 days.</summary>
    public TimeSpan BaselineWindow { get; set; } = TimeSpan.FromDays(14);

    /// <summary>How long a write-back to the practice keeps being retried before it is parked for an operator.</summary>
    public TimeSpan WriteBackRetryFor { get; set; } = TimeSpan.FromDays(2);

    /// <summary>The first wait before retrying a failed write-back (then doubling, at most an hour apart).</summary>
    public TimeSpan WriteBackFirstRetry { get; set; } = TimeSpan.FromMinutes(1);

    public string BaselineQuestionnaire { get; set; } = "sp-baseline";

    public string FollowUpQuestionnaire { get; set; } = "sp-follow-up";

    /// <summary>A folder of a scheme's own Questionnaire and CodeSystem JSON files, read beside the shipped ones.</summary>
    public string? DefinitionsFolder { get; set; }

    public IReadOnlyList<TimeSpan> EffectiveReminders => Reminders.Count > 0 ? Reminders : [TimeSpan.FromDays(7), TimeSpan.FromDays(14)];

    /// <summary>Outside Development the follow-up must fall inside 3–4 months; Development (the demo, the tests) may
    /// compress every duration to minutes.</summary>
    public string? Problem(bool development)
    {
        if (FollowUpAfter <= TimeSpan.Zero || SurveyWindow <= TimeSpan.Zero || BaselineWindow <= TimeSpan.Zero)
        {
            return "FollowUp durations must be positive.";
        }

        if (EffectiveReminders.Any(r => r <= TimeSpan.Zero || r >= SurveyWindow))
        {
            return "FollowUp:Reminders must fall inside FollowUp:SurveyWindow.";
        }

        if (!development && (FollowUpAfter < ShortestFollowUp || FollowUpAfter > LongestFollowUp))
        {
            return $"FollowUp:FollowUpAfter must be between {ShortestFollowUp.TotalDays} and {LongestFollowUp.TotalDays} days, so outcomes are measured 3–4 months after referral.";
        }

        return null;
    }
}

namespace Hub.Chase;

/// <summary>How the accepting provider's handover page is reached (configuration section <c>Handover</c>).</summary>
public sealed class HandoverOptions
{
    public const string Section = "Handover";

    /// <summary>How long after the referral ends (completed, failed, rejected, cancelled) the accepting provider may still
    /// open it: default 30 days, for the provider's own records. A withdrawn referral closes at once.</summary>
    public TimeSpan OpenAfterEnd { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long a fresh handover link, sent on request, works: default 7 days.</summary>
    public TimeSpan FreshLinkLifetime { get; set; } = TimeSpan.FromDays(7);
}

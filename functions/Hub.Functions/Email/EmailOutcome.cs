namespace Hub.Email;

public enum EmailOutcomeKind
{
    /// <summary>SendGrid accepted the email on this call.</summary>
    Sent,

    /// <summary>An earlier run of the same step already sent it; nothing was sent now.</summary>
    AlreadySent,

    /// <summary>SendGrid refused the recipient's address, at send time or later through the Event Webhook (bounced,
    /// dropped); retrying would not help. A refusal of the hub itself throws <see cref="EmailServiceFaultException"/>.</summary>
    Rejected,
}

/// <summary>What happened to an email. Rejections are returned, not thrown, because the orchestration decides what a
/// bounce means for the referral; transient failures and the hub's own faults throw (<see cref="TransientEmailException"/>,
/// <see cref="EmailServiceFaultException"/>).</summary>
/// <param name="StatusCode">SendGrid's HTTP status, when known.</param>
/// <param name="Reason">SendGrid's error text for a rejection (at most 200 characters, never the address).</param>
public sealed record EmailOutcome(EmailOutcomeKind Kind, int? StatusCode = null, string? Reason = null)
{
    public static EmailOutcome Sent { get; } = new(EmailOutcomeKind.Sent);

    public static EmailOutcome AlreadySent { get; } = new(EmailOutcomeKind.AlreadySent);

    public static EmailOutcome Rejected(int statusCode, string? reason) => new(EmailOutcomeKind.Rejected, statusCode, reason);
}

using System.Globalization;
using Hub.Referrals;

namespace Hub.Chase;

/// <summary>The chase's audit events: how each is written, and how the evidence reads it back.</summary>
public static class ChaseAudit
{
    private const string NoProviderOutcome = "no-provider";

    public static LifecycleEvent Planned(int providers) =>
        new(AuditEventName.ChasePlanned, AuditActor.Hub, $"{providers} provider(s)", "chase-planned");

    /// <summary>An offer (first or reminder) reached the provider's mail service.</summary>
    public static LifecycleEvent Offered(string providerId, ChaseStepName step, bool reminder) =>
        new(reminder ? AuditEventName.Reminded : AuditEventName.Offered, AuditActor.Provider(providerId), step.Value, $"{step.Value}-{providerId}");

    /// <summary>The offer's email was refused: the provider never got it.</summary>
    public static LifecycleEvent OfferRefused(string providerId, ChaseStepName step, int? status) =>
        new(AuditEventName.EmailRejected, AuditActor.Hub, $"{step.Value}:{providerId}:{status}", $"email-rejected-{step.Value}-{providerId}");

    /// <summary>The offer's email bounced or was dropped after it was sent (SendGrid's Event Webhook): <paramref name="sendGridEvent"/>
    /// is SendGrid's event name (<c>bounce</c>, <c>dropped</c>).</summary>
    public static LifecycleEvent OfferBounced(string providerId, ChaseStepName step, string sendGridEvent) =>
        new(AuditEventName.EmailRejected, AuditActor.Hub, $"{step.Value}:{providerId}:{sendGridEvent}", $"email-bounced-{step.Value}-{providerId}");

    /// <summary>The referrer was told about a provider: no answer yet (<c>escalation</c>), or the offer's email was refused.</summary>
    public static LifecycleEvent Escalated(string providerId, ChaseStepName step) =>
        new(AuditEventName.Escalated, AuditActor.Hub, $"{step.Value}:{providerId}", $"escalated-{step.Value}-{providerId}");

    public static LifecycleEvent EscalatedNoProvider() =>
        new(AuditEventName.Escalated, AuditActor.Hub, NoProviderOutcome, "escalated-no-provider");

    /// <summary>The provider's click on the page; <paramref name="reason"/> for a decline.</summary>
    public static LifecycleEvent Answered(string providerId, bool accepted, DeclineReason? reason) =>
        new(accepted ? AuditEventName.ProviderAccepted : AuditEventName.ProviderDeclined, AuditActor.Provider(providerId),
            accepted ? null : reason?.Spelling(), $"answer-{providerId}");

    public static LifecycleEvent Declined(Decline decline) =>
        new(AuditEventName.Declined, AuditActor.Provider(decline.ProviderId), decline.ReasonCode.Value, $"declined-{decline.ProviderId}");

    public static LifecycleEvent Accepted(string providerId, DateOnly? firstSession) =>
        new(AuditEventName.Accepted, AuditActor.Provider(providerId), firstSession?.ToString("O", CultureInfo.InvariantCulture), "accepted");

    public static LifecycleEvent Rejected(IReadOnlyList<Decline> declines) =>
        new(AuditEventName.Rejected, AuditActor.Hub, ReferrerUpdate.DeclineList(declines), "rejected");

    /// <summary>The accepting provider opened the handover, with its accept link or a fresh handover link (<paramref name="linkAction"/>).</summary>
    public static LifecycleEvent HandoverViewed(string providerId, string linkAction) =>
        new(AuditEventName.HandoverViewed, AuditActor.Provider(providerId), linkAction);

    /// <summary>A fresh handover link was emailed to the accepting provider, under its email's once-key.</summary>
    public static LifecycleEvent HandoverLinkSent(string providerId, string emailKey) =>
        new(AuditEventName.HandoverLinkSent, AuditActor.Provider(providerId), null, emailKey);

    /// <summary>The accepting provider's <paramref name="number"/>th report: <c>{report}</c> or <c>{report}:{detail}</c>
    /// (tries, a date, a count, an outcome or stop code).</summary>
    public static LifecycleEvent ProgressReported(string providerId, ProgressReport report, string? detail, int number) =>
        new(AuditEventName.ProgressReported, AuditActor.Provider(providerId), detail is null ? report.Spelling() : $"{report.Spelling()}:{detail}", $"progress-{providerId}-{number}");

    /// <summary>The accepting provider, silent since accepting, was reminded (once, under its email's key).</summary>
    public static LifecycleEvent ProgressReminded(string providerId, string emailKey) =>
        new(AuditEventName.ProgressReminded, AuditActor.Provider(providerId), null, emailKey);

    /// <summary>The referrer was told the accepting provider has reported nothing.</summary>
    public static LifecycleEvent ProgressEscalated(string providerId) =>
        new(AuditEventName.ProgressEscalated, AuditActor.Hub, providerId, $"progress-escalated-{providerId}");

    /// <param name="providerId">The provider who held the referral, told of the withdrawal.</param>
    public static LifecycleEvent Withdrawn(string? providerId) => new(AuditEventName.Withdrawn, AuditActor.Hub, providerId, "withdrawn");

    /// <summary>A <c>declined</c> line's code; a line without one was a decline without a reason.</summary>
    public static DeclineCode DeclineOf(AuditEntry entry) => entry.Outcome is { } code ? DeclineCode.FromStored(code) : DeclineCode.Unspecified;

    /// <summary>The first session a provider booked, from an <c>accepted</c> line.</summary>
    public static DateOnly? FirstSessionOf(AuditEntry entry) =>
        DateOnly.TryParseExact(entry.Outcome, "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    /// <summary>An <c>escalated</c> line: no provider matched, or the step and provider it was about.</summary>
    public static (bool NoProvider, ChaseStepName? Step, string? ProviderId) EscalationOf(AuditEntry entry)
    {
        if (entry.Outcome == NoProviderOutcome)
        {
            return (true, null, null);
        }

        var colon = entry.Outcome?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        return colon < 0 ? (false, null, null) : (false, ChaseStepName.FromStored(entry.Outcome![..colon]), entry.Outcome[(colon + 1)..]);
    }
}

using System.Text.Json.Serialization;

namespace Hub.Referrals;

/// <summary>The names of the events on a referral's audit trail, as the Audit table holds them.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AuditEventName>))]
public enum AuditEventName
{
    // Intake
    [JsonStringEnumMemberName("referral-received")] ReferralReceived,
    [JsonStringEnumMemberName("duplicate-received")] DuplicateReceived,
    [JsonStringEnumMemberName("withdrawn-by-practice")] WithdrawnByPractice,
    /// <summary>A step that would contact someone found the referral withdrawn and sent nothing.</summary>
    [JsonStringEnumMemberName("contact-withheld")] ContactWithheld,
    /// <summary>A step ran out of retries and is held (Task on-hold) until its slow retry or an operator.</summary>
    [JsonStringEnumMemberName("step-held")] StepHeld,
    [JsonStringEnumMemberName("step-resumed")] StepResumed,

    // Chase
    [JsonStringEnumMemberName("orchestration-started")] OrchestrationStarted,
    [JsonStringEnumMemberName("chase-planned")] ChasePlanned,
    [JsonStringEnumMemberName("offered")] Offered,
    [JsonStringEnumMemberName("reminded")] Reminded,
    /// <summary>The mail service refused an address: an offer, a referrer's news, a withdrawn provider's notice or a survey.</summary>
    [JsonStringEnumMemberName("email-rejected")] EmailRejected,
    [JsonStringEnumMemberName("escalated")] Escalated,
    /// <summary>The provider's click on the page (the chase records the decision a little later).</summary>
    [JsonStringEnumMemberName("provider-accepted")] ProviderAccepted,
    [JsonStringEnumMemberName("provider-declined")] ProviderDeclined,
    [JsonStringEnumMemberName("declined")] Declined,
    [JsonStringEnumMemberName("accepted")] Accepted,
    [JsonStringEnumMemberName("rejected")] Rejected,
    [JsonStringEnumMemberName("withdrawn")] Withdrawn,

    // Handover and progress (after acceptance)
    /// <summary>The accepting provider opened the referral in full (every view).</summary>
    [JsonStringEnumMemberName("handover-viewed")] HandoverViewed,
    /// <summary>A fresh handover link went to the accepting provider, as it asked.</summary>
    [JsonStringEnumMemberName("handover-link-sent")] HandoverLinkSent,
    /// <summary>The accepting provider reported progress: contacted, could not contact, sessions, declined, finished, stopped.</summary>
    [JsonStringEnumMemberName("progress-reported")] ProgressReported,
    /// <summary>The accepting provider had reported nothing: reminded, and later the referrer told.</summary>
    [JsonStringEnumMemberName("progress-reminded")] ProgressReminded,
    [JsonStringEnumMemberName("progress-escalated")] ProgressEscalated,

    // Follow-up
    [JsonStringEnumMemberName("follow-up-planned")] FollowUpPlanned,
    [JsonStringEnumMemberName("survey-sent")] SurveySent,
    [JsonStringEnumMemberName("survey-undeliverable")] SurveyUndeliverable,
    [JsonStringEnumMemberName("survey-answered")] SurveyAnswered,
    [JsonStringEnumMemberName("opted-out")] OptedOut,
    [JsonStringEnumMemberName("follow-up-ended")] FollowUpEnded,

    // Write-back
    [JsonStringEnumMemberName("write-back-skipped")] WriteBackSkipped,
    [JsonStringEnumMemberName("written-back")] WrittenBack,
    [JsonStringEnumMemberName("write-back-parked")] WriteBackParked,
}

public enum AuditActorKind
{
    /// <summary>The hub itself (an activity).</summary>
    Hub,
    /// <summary>A named provider: <c>provider:{id}</c>.</summary>
    Provider,
    /// <summary>The patient, through their own survey or opt-out link.</summary>
    Patient,
    /// <summary>The provider going through the survey with the patient: <c>provider</c>, no id.</summary>
    ProviderForPatient,
    /// <summary>An API client (a practice system): <c>client:{id}</c>.</summary>
    Client,
    /// <summary>Something this version does not know, kept as written.</summary>
    Other,
}

/// <summary>Who an audit line says acted, as the Actor column spells it.</summary>
public readonly record struct AuditActor(AuditActorKind Kind, string? Id = null)
{
    private const string ProviderPrefix = "provider:";
    private const string ClientPrefix = "client:";

    public static AuditActor Hub => new(AuditActorKind.Hub);
    public static AuditActor Patient => new(AuditActorKind.Patient);
    public static AuditActor ProviderForPatient => new(AuditActorKind.ProviderForPatient);
    public static AuditActor Provider(string providerId) => new(AuditActorKind.Provider, providerId);
    public static AuditActor Client(string clientId) => new(AuditActorKind.Client, clientId);

    /// <summary>The provider's id when a named provider acted.</summary>
    public string? ProviderId => Kind == AuditActorKind.Provider ? Id : null;

    public string Spelling => Kind switch
    {
        AuditActorKind.Hub => "hub",
        AuditActorKind.Patient => "patient",
        AuditActorKind.ProviderForPatient => "provider",
        AuditActorKind.Provider => ProviderPrefix + Id,
        AuditActorKind.Client => ClientPrefix + Id,
        _ => Id ?? string.Empty,
    };

    public static AuditActor Parse(string? actor) => actor switch
    {
        "hub" => Hub,
        "patient" => Patient,
        "provider" => ProviderForPatient,
        { } a when a.StartsWith(ProviderPrefix, StringComparison.Ordinal) => Provider(a[ProviderPrefix.Length..]),
        { } a when a.StartsWith(ClientPrefix, StringComparison.Ordinal) => Client(a[ClientPrefix.Length..]),
        _ => new(AuditActorKind.Other, actor),
    };

    public override string ToString() => Spelling;
}

/// <summary>One event to append to a referral's audit trail: its name, who acted, its outcome as the Outcome column
/// holds it, and the key that records a step run twice once. Made by the factories of the stage that writes it (here
/// for intake and the referral as a whole; <c>ChaseAudit</c>, <c>FollowUpAudit</c>, <c>WriteBackAudit</c>), which also
/// read their outcomes back, so each event's format is written down once.</summary>
public sealed record LifecycleEvent(AuditEventName Name, AuditActor Actor, string? Outcome = null, string? OnceKey = null)
{
    public static LifecycleEvent ReferralReceived(string clientId, string channel) =>
        new(AuditEventName.ReferralReceived, AuditActor.Client(clientId), channel, "referral-received");

    public static LifecycleEvent DuplicateReceived(string clientId, string channel) =>
        new(AuditEventName.DuplicateReceived, AuditActor.Client(clientId), channel);

    public static LifecycleEvent WithdrawnByPractice(string clientId, WithdrawalStatus status) =>
        new(AuditEventName.WithdrawnByPractice, AuditActor.Client(clientId), status.Spelling(), "withdrawn-by-practice");

    /// <summary>The step (an email's once-key) found the referral withdrawn, so nobody was contacted.</summary>
    public static LifecycleEvent ContactWithheld(string emailKey) =>
        new(AuditEventName.ContactWithheld, AuditActor.Hub, emailKey, $"contact-withheld-{emailKey}");

    /// <summary>Step <paramref name="activity"/> is held for the <paramref name="holds"/>th time in a row.</summary>
    /// <param name="at">The orchestration's time of the hold: a step retried at least once is recorded once.</param>
    public static LifecycleEvent StepHeld(string activity, int holds, DateTime at) =>
        new(AuditEventName.StepHeld, AuditActor.Hub, $"{activity}:{holds}", $"step-held-{activity}-{at.Ticks}");

    public static LifecycleEvent StepResumed(string activity, int holds, DateTime at) =>
        new(AuditEventName.StepResumed, AuditActor.Hub, $"{activity}:{holds}", $"step-resumed-{activity}-{at.Ticks}");

    public static LifecycleEvent OrchestrationStarted() =>
        new(AuditEventName.OrchestrationStarted, AuditActor.Hub, "received", "orchestration-started");

    /// <summary>An email the hub sends once under <paramref name="emailKey"/> was refused (the status only, never the address).</summary>
    public static LifecycleEvent EmailRefused(string emailKey, int? status) =>
        new(AuditEventName.EmailRejected, AuditActor.Hub, $"{emailKey}:{status}", $"email-rejected-{emailKey}");
}

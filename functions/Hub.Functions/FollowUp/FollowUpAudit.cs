using Hub.Referrals;

namespace Hub.FollowUp;

/// <summary>The follow-up's audit events: how each is written, and how the evidence reads it back.</summary>
public static class FollowUpAudit
{
    public static LifecycleEvent Planned(BaselineSource baseline, SurveyRecipient recipient) =>
        new(AuditEventName.FollowUpPlanned, AuditActor.Hub, $"baseline:{baseline.Spelling()};survey-to:{recipient.Spelling()}", "follow-up-planned");

    public static LifecycleEvent Undeliverable(SurveyKind kind) =>
        new(AuditEventName.SurveyUndeliverable, AuditActor.Hub, kind.Spelling(), $"survey-undeliverable-{kind.Spelling()}");

    /// <param name="step"><c>survey</c>, <c>reminder-1</c>…</param>
    public static LifecycleEvent Sent(SurveyRecipient recipient, SurveyKind kind, SurveyStepName step) =>
        new(AuditEventName.SurveySent, recipient.Actor(), $"{kind.Spelling()}:{step}", $"survey-{kind.Spelling()}-{step}");

    /// <summary>The patient's email bounced after it was sent, so the provider was sent the survey instead.</summary>
    public static LifecycleEvent SentInstead(SurveyKind kind, SurveyStepName step) =>
        new(AuditEventName.SurveySent, SurveyRecipient.Provider.Actor(), $"{kind.Spelling()}:{step}", $"survey-{kind.Spelling()}-{step}-provider");

    public static LifecycleEvent Answered(SurveyKind kind, bool administered, bool complete) =>
        new(AuditEventName.SurveyAnswered, administered ? AuditActor.ProviderForPatient : AuditActor.Patient,
            $"{kind.Spelling()}:{(complete ? "complete" : "partial")}", $"survey-answered-{kind.Spelling()}");

    public static LifecycleEvent OptedOut(bool administered) =>
        new(AuditEventName.OptedOut, administered ? AuditActor.ProviderForPatient : AuditActor.Patient, null, "opted-out");

    public static LifecycleEvent Ended(FollowUpOutcome outcome, BaselineSource baseline) =>
        new(AuditEventName.FollowUpEnded, AuditActor.Hub, $"{outcome.Spelling()};baseline:{baseline.Spelling()}", "follow-up-ended");

    /// <summary>The survey a <c>survey-sent</c> or <c>survey-answered</c> line is about.</summary>
    public static SurveyKind? KindOf(AuditEntry entry) => StoredSpelling.ParseOrNull<SurveyKind>(entry.Outcome?.Split(':')[0]);

    /// <summary>How a <c>follow-up-ended</c> line says the follow-up ended.</summary>
    public static FollowUpOutcome? OutcomeOf(AuditEntry entry) => StoredSpelling.ParseOrNull<FollowUpOutcome>(entry.Outcome?.Split(';')[0]);
}

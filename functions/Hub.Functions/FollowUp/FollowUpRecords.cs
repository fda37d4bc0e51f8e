using System.Text.Json.Serialization;
using Hub.Referrals;

namespace Hub.FollowUp;

// What the follow-up orchestration passes to and from its activities and events: ids, kinds and durations, never
// answers or personal data (orchestration history is kept in plain tables).

/// <summary>The follow-up of an accepted referral: which referral, and the provider who took it.</summary>
/// <param name="WriteBackBeside">Set on follow-ups started by this version: their write-backs run beside the timers and
/// events instead of in their way. Written only when true, so instances started before keep the shape their history has.</param>
public sealed record FollowUpInput(
    ReferralOrchestrationInput Referral,
    string ProviderId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool WriteBackBeside = false);

/// <summary>The follow-up as planned at acceptance, read once so later configuration changes leave it alone.</summary>
/// <param name="SendBaselineSurvey">The referral brought no baseline and the patient can be emailed.</param>
/// <param name="AlreadyWithdrawn">The practice withdrew the referral before the follow-up started (a withdrawal raised
/// between acceptance and the follow-up's start reaches no instance): it ends at once as withdrawn. Written only when
/// true, so plans of instances in flight read and write as before.</param>
public sealed record FollowUpPlan(
    bool SendBaselineSurvey,
    TimeSpan FollowUpAfter,
    IReadOnlyList<TimeSpan> Reminders,
    TimeSpan SurveyWindow,
    TimeSpan WriteBackFirstRetry,
    TimeSpan WriteBackRetryFor,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool AlreadyWithdrawn = false,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] TimeSpan HoldRetryEvery = default,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] FollowUpResume? Resume = null);

/// <summary>Where a restarted follow-up picks up (its instance failed under an earlier deployment and an operator
/// recovered the referral): when the referral was accepted, which surveys were answered, and whether the patient opted
/// out, as the hub's tables say. Null for a follow-up starting for the first time.</summary>
public sealed record FollowUpResume(DateTime AcceptedAt, IReadOnlyList<SurveyKind> Answered, bool OptedOut);

/// <summary>One survey email: the baseline or the follow-up, first sent or a reminder.</summary>
/// <param name="Kind"><c>baseline</c> or <c>follow-up</c>.</param>
/// <param name="Step"><c>survey</c>, <c>reminder-1</c>, <c>reminder-2</c>…</param>
public sealed record SurveyStep(FollowUpInput FollowUp, SurveyKind Kind, SurveyStepName Step);

/// <summary>Raised by the survey page once the answers are stored.</summary>
public sealed record SurveySubmitted(SurveyKind Kind);

/// <summary>Raised by the opt-out page: the patient wants no more survey emails.</summary>
public sealed record OptedOut(DateTimeOffset At);

/// <summary>Raised by an operator once the cause of a parked write-back is fixed.</summary>
public sealed record WriteBackRetry(string By);

public sealed record WriteBackStep(FollowUpInput FollowUp, SurveyKind Kind);

/// <param name="State"><c>written</c>, <c>no-endpoint</c>, <c>refused</c> (the practice's server said no) or
/// <c>unreachable</c> (it kept failing for the whole retry period).</param>
public sealed record WriteBackOutcome(WriteBackState State, string? Detail);

public sealed record ParkedWriteBack(FollowUpInput FollowUp, SurveyKind Kind, WriteBackOutcome Outcome);

/// <param name="Outcome"><c>answered</c>, <c>no-response</c>, <c>opted-out</c> or <c>withdrawn</c>.</param>
public sealed record FollowUpEnd(FollowUpInput FollowUp, FollowUpOutcome Outcome);

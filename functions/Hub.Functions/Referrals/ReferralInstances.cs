using Microsoft.DurableTask.Client;

namespace Hub.Referrals;

// The referral's durable instances as every stage sees them: their names, ids, the events raised on them and the ids-only
// records they carry. Names here are stored in every instance's history (and in functions.durable-names.txt): never
// rename one, or referrals waiting months are stranded.

/// <summary>What a referral's orchestration is started with: ids only, never FHIR or personal data
/// (orchestration history is stored in plain tables).</summary>
/// <param name="TraceParent">The W3C trace id of intake's span, so the referral's activities join one trace (an id, not data).</param>
/// <param name="ParentReferralId">Set only for an onward connection (a link-worker service's referral of the person to a
/// community activity, <c>basedOn</c> the referral it accepted): the parent referral's id. Such a referral is chased like
/// any other, but its acceptance starts no follow-up (the person is followed up once, from the parent's acceptance).
/// Written only when set, so instances started before it existed keep the shape their history has.</param>
public sealed record ReferralOrchestrationInput(string ReferralId, string PracticeOds, string TaskId, string? TraceParent = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? ParentReferralId = null);

/// <summary>Where a referral is, for operators: the custom status of its chase and of its follow-up.</summary>
public sealed record ReferralProgress(ProgressStep Step, string? Detail, DateTime? NextTimerAt = null, string? ProviderId = null);

/// <summary>The practice withdrew the referral (ServiceRequest revoked or entered-in-error).</summary>
public sealed record Withdrawal(WithdrawalStatus Status, DateTimeOffset At);

/// <summary>A referral ends as withdrawn: the Task is cancelled and the provider holding it (if any) is told. The chase and the
/// follow-up both call <see cref="ReferralInstances.CancelReferral"/> with it; instances started before this record existed
/// passed a <c>ChaseEnd</c>, whose <c>Referral</c> and <c>ProviderId</c> read the same.</summary>
public sealed record Cancellation(ReferralOrchestrationInput Referral, string? ProviderId);

public static class ReferralInstances
{
    /// <summary>An instance's custom status as operators see it; null before its first step writes one.</summary>
    public static ReferralProgress? ProgressOf(OrchestrationMetadata? instance) =>
        instance?.SerializedCustomStatus is null ? null : instance.ReadCustomStatusAs<ReferralProgress>();

    /// <summary>The chase's orchestration: instance id = referral id.</summary>
    public const string ChaseOrchestration = "ReferralOrchestration";

    /// <summary>The follow-up's orchestration, a sub-orchestration of the chase.</summary>
    public const string FollowUpOrchestration = "FollowUpOrchestration";

    /// <summary>The activity that cancels a withdrawn referral (Chase/ChaseOutcomeActivities implements it).</summary>
    public const string CancelReferral = "CancelReferral";

    /// <summary>Raised on both instances when the practice withdraws the referral; carries a <see cref="Withdrawal"/>.</summary>
    public const string WithdrawnEvent = "ReferralWithdrawn";

    /// <summary>The activity that holds a step which ran out of retries (<see cref="ReferralHolds"/>).</summary>
    public const string HoldStep = "HoldReferralStep";

    /// <summary>The activity that releases a held step just before it is tried again.</summary>
    public const string ReleaseHold = "ReleaseReferralHold";

    /// <summary>An operator's "try the held step again now"; carries a <see cref="ResumeRequest"/>.</summary>
    public const string ResumeEvent = "ResumeReferral";

    public static string FollowUpInstanceId(string referralId) => $"{referralId}-follow-up";
}

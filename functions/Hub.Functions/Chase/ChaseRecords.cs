using System.Text.Json.Serialization;
using Hub.Referrals;

namespace Hub.Chase;

// What the referral orchestration passes to and from its activities and events: ids, codes and times, never FHIR
// documents or personal data (orchestration history is kept in plain tables).

/// <summary>The chase as planned when it starts: who to offer the referral to, in order, and when to remind and escalate.
/// Read once through an activity, so configuration changed later cannot change an instance already under way.</summary>
/// <param name="HoldRetryEvery">How often a held step is tried again; zero in plans written before holds existed.</param>
/// <param name="Resume">Set only for a chase restarted over a referral chased before (an instance recovered by an
/// operator): what its audit trail says already happened, so it carries on from there. Written only when set.</param>
public sealed record ChasePlan(IReadOnlyList<string> ProviderIds, IReadOnlyList<TimeSpan> Reminders, TimeSpan EscalateAfter, TimeSpan ExpireAfter, bool WorkingHoursOnly, TimeSpan RetryFirstInterval,
    TimeSpan HoldRetryEvery = default,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ChaseResume? Resume = null);

/// <summary>Where a restarted chase picks up: the answers providers already gave (through their links) and when each
/// provider was first offered the referral, so reminders keep their times and no email goes out twice.</summary>
public sealed record ChaseResume(IReadOnlyList<ProviderAnswer> Answers, IReadOnlyDictionary<string, DateTime> OfferedAt);

/// <summary>One step of the chase for one provider.</summary>
/// <param name="Attempt">1 for the first provider offered, 2 for the second…</param>
/// <param name="Step">offer, reminder-1, reminder-2…, escalation, expired.</param>
public sealed record ChaseStep(ReferralOrchestrationInput Referral, string ProviderId, int Attempt, ChaseStepName Step);

public enum OfferOutcome
{
    Sent,
    Bounced,
}

/// <summary>The provider's answer, raised as the <c>ProviderResponded</c> event by the accept/decline page.</summary>
/// <param name="ReasonCode">A decline's reason. A code rather than the page's list, so an event raised by any earlier
/// version still reads.</param>
public sealed record ProviderAnswer(string ProviderId, bool Accepted, DeclineCode? ReasonCode, string? Note, DateOnly? FirstSession);

/// <summary>Why a provider did not take the referral (declined with a reason code, bounced, or never answered).</summary>
public sealed record Decline(string ProviderId, DeclineCode ReasonCode, string? Note);

/// <summary>An outcome that ends the chase, for the activity that records it.</summary>
public sealed record ChaseEnd(ReferralOrchestrationInput Referral, string? ProviderId, IReadOnlyList<Decline> Declines, ProviderAnswer? Answer, ChaseEndReason? Reason);

using System.Text.Json.Serialization;
using Hub.Chase;
using Hub.FollowUp;

namespace Hub.Evidence;

/// <summary>How one provider's offer ended.</summary>
public enum OfferAnswer
{
    Waiting,
    Accepted,
    Declined,
    /// <summary>The provider never answered and the offer expired.</summary>
    NoResponse,
    /// <summary>The provider's address was refused by the email service.</summary>
    EmailRejected,
    Withdrawn,
}

/// <summary>Where the search for a provider ended.</summary>
public enum ChaseResult
{
    InProgress,
    Accepted,
    /// <summary>Every provider asked declined, expired or could not be emailed.</summary>
    AllDeclined,
    /// <summary>No provider in the directory matched the referral.</summary>
    NoProvider,
    /// <summary>The practice withdrew the referral before a provider accepted.</summary>
    Withdrawn,
}

/// <summary>Where the outcome follow-up is.</summary>
public enum FollowUpResult
{
    /// <summary>No follow-up: the referral was never accepted.</summary>
    None,
    /// <summary>Accepted; the follow-up survey is not yet due.</summary>
    Waiting,
    /// <summary>The survey went out and is still open.</summary>
    SurveyOpen,
    Answered,
    NoResponse,
    OptedOut,
    /// <summary>The practice withdrew the referral after acceptance.</summary>
    Withdrawn,
}

/// <summary>How the accepting provider said its work with the person ended (its last report of <c>declined</c>,
/// <c>finished</c> or <c>stopped</c>).</summary>
public enum ProviderEnding
{
    /// <summary>The person declined the service after the provider accepted the referral.</summary>
    Declined,
    Finished,
    Stopped,
}

/// <summary>What the accepting provider reported after accepting (the audit trail's <c>progress-reported</c> lines):
/// how many reports, the first session the person attended, sessions attended as last reported, and how the work
/// ended with its code (the provider's outcome or stop reason). Dates, counts and codes only.</summary>
/// <param name="Reports">Progress reports of any kind (contacted and could-not-contact included).</param>
public sealed record ProviderEngagement(int Reports, DateOnly? FirstSessionAttended = null, int? Sessions = null, ProviderEnding? Ended = null, string? EndCode = null)
{
    /// <summary>The provider reported the person at one session or more.</summary>
    [JsonIgnore]
    public bool Attended => FirstSessionAttended is not null || Sessions > 0;
}

/// <summary>One offer to one provider, with the time it was made and answered.</summary>
public sealed record ProviderOffer(string ProviderId, DateTimeOffset OfferedAt, OfferAnswer Answer, DateTimeOffset? AnsweredAt, string? DeclineReason)
{
    /// <summary>Why the offer did not lead to acceptance, as one code: the provider's reason, or what happened instead
    /// of an answer (<c>no-response</c>, <c>email-rejected</c>). Null for offers accepted, waiting or withdrawn.</summary>
    [JsonIgnore]
    public string? DropCode => Answer switch
    {
        OfferAnswer.Declined => DeclineReason ?? DeclineCode.Unspecified.Value,
        OfferAnswer.NoResponse => DeclineCode.NoResponse.Value,
        OfferAnswer.EmailRejected => DeclineCode.EmailRejected.Value,
        _ => null,
    };
}

/// <summary>One referral as the evidence sees it: ids, times, the journey and the scores. No name, no NHS number, no
/// free text; the referral id never leaves the hub (exports carry a pseudonym).</summary>
/// <param name="FollowUpSent">The follow-up survey (not the baseline) went to the patient or the provider.</param>
/// <param name="Attended">What the follow-up answer says about taking part: attended or at least one session; null when unknown.</param>
/// <param name="Baseline">Scores per measure code at referral or acceptance.</param>
/// <param name="FollowUp">Scores per measure code at the follow-up.</param>
/// <param name="ParentReferralId">Set for an onward connection (a link-worker service's referral of the same person):
/// the referral it is <c>basedOn</c>. Such a row is not a referral of a new person: the practice's figures leave it out
/// and count it as a connection of its parent; only the provider it went to sees it as its own referral.</param>
/// <param name="Connections">Onward connections the link-worker service made from this referral.</param>
/// <param name="ConnectionsTakenUp">Of those, the ones a provider accepted.</param>
/// <param name="Episode">The link worker's episode, when a link-worker service accepted the referral and opened one.</param>
/// <param name="Engagement">What the accepting provider reported after accepting; null when it reported nothing.</param>
/// <param name="ConnectionsStarted">Of the onward connections, those whose activity reported the person at a session.</param>
public sealed record EvidenceRow(
    string ReferralId,
    string PracticeOds,
    DateTimeOffset ReferredAt,
    IReadOnlyList<ProviderOffer> Offers,
    ChaseResult Chase,
    DateOnly? FirstSession,
    FollowUpResult FollowUpResult,
    bool FollowUpSent,
    bool? Attended,
    IReadOnlyDictionary<string, double> Baseline,
    IReadOnlyDictionary<string, double> FollowUp,
    string? ParentReferralId = null,
    int Connections = 0,
    int ConnectionsTakenUp = 0,
    EpisodeFacts? Episode = null,
    ProviderEngagement? Engagement = null,
    int? ConnectionsStarted = null)
{
    /// <summary>Whole days from the provider's acceptance to the first session it reported the person attended.</summary>
    [JsonIgnore]
    public int? DaysToFirstSessionAttended => Engagement?.FirstSessionAttended is { } first && Acceptance?.AnsweredAt is { } accepted
        ? Math.Max(0, first.DayNumber - DateOnly.FromDateTime(accepted.UtcDateTime).DayNumber)
        : null;

    /// <summary>The number of sessions the person said at follow-up they attended, when they answered it.</summary>
    [JsonIgnore]
    public double? SessionsSaid => FollowUpResult == FollowUpResult.Answered && FollowUp.TryGetValue("sessions-attended", out var sessions) ? sessions : null;

    /// <summary>People a link worker saw: an episode, or onward connections made from the referral.</summary>
    [JsonIgnore]
    public bool WithLinkWorker => Episode is not null || Connections > 0;

    /// <summary>Whole days from the link worker's acceptance to the first contact with the person.</summary>
    [JsonIgnore]
    public int? DaysToFirstContact => Episode?.FirstContact is { } first && Acceptance?.AnsweredAt is { } accepted
        ? Math.Max(0, first.DayNumber - DateOnly.FromDateTime(accepted.UtcDateTime).DayNumber)
        : null;

    /// <summary>An onward connection of another referral, not a referral of a new person.</summary>
    [JsonIgnore]
    public bool IsConnection => ParentReferralId is not null;

    [JsonIgnore]
    public ProviderOffer? Acceptance => Offers.FirstOrDefault(o => o.Answer == OfferAnswer.Accepted);

    /// <summary>The first time any provider answered (accepted or declined), as a person would: expiries and bounces are not answers.</summary>
    [JsonIgnore]
    public DateTimeOffset? FirstProviderAnswerAt =>
        Offers.Where(o => o.Answer is OfferAnswer.Accepted or OfferAnswer.Declined && o.AnsweredAt is not null).Min(o => o.AnsweredAt);

    [JsonIgnore]
    public double? DaysToFirstAnswer => Days(FirstProviderAnswerAt);

    [JsonIgnore]
    public double? DaysToAcceptance => Days(Acceptance?.AnsweredAt);

    /// <summary>Whole days from the referral's day to the first session the provider booked.</summary>
    [JsonIgnore]
    public int? DaysToFirstSession => FirstSession is { } session ? Math.Max(0, session.DayNumber - DateOnly.FromDateTime(ReferredAt.UtcDateTime).DayNumber) : null;

    /// <summary>The same referral as one provider sees it: only its own offer counts, so "accepted" means accepted by
    /// this provider, and a referral it declined is a decline in its report even if another provider took it later.
    /// Null when the provider was never offered the referral.</summary>
    public EvidenceRow? AsSeenBy(string providerId)
    {
        var offer = Offers.FirstOrDefault(o => o.ProviderId == providerId);
        if (offer is null)
        {
            return null;
        }

        if (offer.Answer == OfferAnswer.Accepted)
        {
            return this with { Offers = [offer] };
        }

        var chase = offer.Answer switch
        {
            OfferAnswer.Waiting => ChaseResult.InProgress,
            OfferAnswer.Withdrawn => ChaseResult.Withdrawn,
            _ => ChaseResult.AllDeclined,
        };
        return this with { Offers = [offer], Chase = chase, FirstSession = null, FollowUpResult = FollowUpResult.None, FollowUpSent = false, Attended = null, Baseline = Empty, FollowUp = Empty,
            Connections = 0, ConnectionsTakenUp = 0, Episode = null, Engagement = null, ConnectionsStarted = null };
    }

    // To the minute: a report's times are exact histograms of these, and minutes keep them small.
    private double? Days(DateTimeOffset? to) => to is { } t ? Math.Max(0, Math.Round((t - ReferredAt).TotalMinutes)) / MinutesPerDay : null;

    private const double MinutesPerDay = 24 * 60;

    public static readonly IReadOnlyDictionary<string, double> Empty = new Dictionary<string, double>();
}

using System.Globalization;
using Hub.FollowUp;
using Hub.Referrals;

namespace Hub.Evidence;

/// <summary>Reads a referral's journey back from its audit trail and survey answers into one evidence row. The audit
/// trail is the record of what happened, so the evidence never disagrees with it, and nothing on the referral's own
/// path has to write twice.</summary>
public static class ReferralJourney
{
    /// <summary>The audit events the evidence reads; the snapshot asks the table for these only.</summary>
    public static readonly IReadOnlyList<string> Events =
    [
        "referral-received", "offered", "provider-accepted", "provider-declined", "declined", "accepted", "rejected", "escalated",
        "withdrawn", "follow-up-planned", "survey-sent", "survey-answered", "opted-out", "follow-up-ended",
    ];

    /// <returns>Null when the events hold no <c>referral-received</c> (not a referral, or one whose intake never finished).</returns>
    public static EvidenceRow? From(string referralId, string practiceOds, IEnumerable<AuditEntry> events, IEnumerable<SurveyResponse> responses)
    {
        DateTimeOffset? referredAt = null;
        var offers = new List<ProviderOffer>();
        var clicks = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var chase = ChaseResult.InProgress;
        DateOnly? firstSession = null;
        bool accepted = false, withdrawn = false, surveySent = false, answered = false, optedOut = false;
        string? ended = null;

        foreach (var e in events.OrderBy(e => e.At))
        {
            var provider = e.Actor.StartsWith("provider:", StringComparison.Ordinal) ? e.Actor["provider:".Length..] : null;
            switch (e.Event)
            {
                case "referral-received":
                    referredAt ??= e.At;
                    break;
                case "offered" when provider is not null:
                    Offer(offers, provider, e.At);
                    break;
                case "provider-accepted" or "provider-declined" when provider is not null:
                    // The moment the provider clicked; the chase records the decision a little later.
                    clicks.TryAdd(provider, e.At);
                    break;
                case "declined" when provider is not null:
                    Answer(offers, provider, e.At, e.Outcome == "no-response" ? OfferAnswer.NoResponse : OfferAnswer.Declined,
                        e.Outcome == "no-response" ? null : e.Outcome ?? "unspecified");
                    break;
                case "escalated" when e.Outcome?.StartsWith("email-rejected:", StringComparison.Ordinal) == true:
                    // An offer whose email was refused is escalated to the referrer and the chase moves on.
                    Answer(offers, e.Outcome["email-rejected:".Length..], e.At, OfferAnswer.EmailRejected, "email-rejected");
                    break;
                case "accepted" when provider is not null:
                    accepted = true;
                    chase = ChaseResult.Accepted;
                    Answer(offers, provider, e.At, OfferAnswer.Accepted, null);
                    firstSession = DateOnly.TryParseExact(e.Outcome, "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;
                    break;
                case "rejected" when !accepted:
                    chase = ChaseResult.AllDeclined;
                    break;
                case "escalated" when e.Outcome == "no-provider" && !accepted:
                    chase = ChaseResult.NoProvider;
                    break;
                case "withdrawn":
                    withdrawn = true;
                    break;
                case "survey-sent" when e.Outcome?.StartsWith("follow-up:", StringComparison.Ordinal) == true:
                    surveySent = true;
                    break;
                case "survey-answered" when e.Outcome?.StartsWith("follow-up:", StringComparison.Ordinal) == true:
                    answered = true;
                    break;
                case "opted-out":
                    optedOut = true;
                    break;
                case "follow-up-ended":
                    ended = e.Outcome?.Split(';')[0];
                    break;
                default:
                    break;
            }
        }

        if (referredAt is null)
        {
            return null;
        }

        if (withdrawn && !accepted)
        {
            chase = ChaseResult.Withdrawn;
            for (var i = 0; i < offers.Count; i++)
            {
                if (offers[i].Answer == OfferAnswer.Waiting)
                {
                    offers[i] = offers[i] with { Answer = OfferAnswer.Withdrawn };
                }
            }
        }

        // A click time is the better answer time, when the provider's page recorded one.
        for (var i = 0; i < offers.Count; i++)
        {
            if (offers[i].Answer is OfferAnswer.Accepted or OfferAnswer.Declined && clicks.TryGetValue(offers[i].ProviderId, out var clicked))
            {
                offers[i] = offers[i] with { AnsweredAt = clicked };
            }
        }

        var followUpResult = !accepted ? FollowUpResult.None : ended switch
        {
            "answered" => FollowUpResult.Answered,
            "no-response" => FollowUpResult.NoResponse,
            "opted-out" => FollowUpResult.OptedOut,
            "withdrawn" => answered ? FollowUpResult.Answered : FollowUpResult.Withdrawn,
            _ when answered => FollowUpResult.Answered,
            _ when optedOut => FollowUpResult.OptedOut,
            _ when withdrawn => FollowUpResult.Withdrawn,
            _ when surveySent => FollowUpResult.SurveyOpen,
            _ => FollowUpResult.Waiting,
        };

        var baseline = Scores(responses, "baseline");
        var followUp = Scores(responses, "follow-up");
        return new EvidenceRow(referralId, practiceOds, referredAt.Value, offers, chase, firstSession, followUpResult, surveySent, Attended(followUp), baseline, followUp);
    }

    /// <summary>Taking part, as the follow-up answer reports it: attended, or at least one session.</summary>
    public static bool? Attended(IReadOnlyDictionary<string, double> followUp) =>
        followUp.TryGetValue("sessions-attended", out var sessions) && sessions > 0 ? true
        : followUp.TryGetValue("attended", out var attended) ? attended > 0
        : null;

    private static void Offer(List<ProviderOffer> offers, string provider, DateTimeOffset at)
    {
        if (offers.All(o => o.ProviderId != provider))
        {
            offers.Add(new ProviderOffer(provider, at, OfferAnswer.Waiting, null, null));
        }
    }

    private static void Answer(List<ProviderOffer> offers, string provider, DateTimeOffset at, OfferAnswer answer, string? reason)
    {
        Offer(offers, provider, at);
        var i = offers.FindIndex(o => o.ProviderId == provider);
        offers[i] = offers[i] with { Answer = answer, AnsweredAt = at, DeclineReason = reason };
    }

    private static Dictionary<string, double> Scores(IEnumerable<SurveyResponse> responses, string kind) =>
        responses.FirstOrDefault(r => r.Kind == kind)?.Measures.ToDictionary(m => m.Key, m => (double)m.Value, StringComparer.Ordinal)
        ?? new Dictionary<string, double>(StringComparer.Ordinal);
}

using System.Globalization;
using Hub.Chase;
using Hub.FollowUp;
using Hub.Referrals;

namespace Hub.Evidence;

/// <summary>Reads a referral's journey back from its audit trail and survey answers into one evidence row. The audit
/// trail is the record of what happened, so the evidence never disagrees with it, and nothing on the referral's own
/// path has to write twice.</summary>
public static class ReferralJourney
{
    /// <summary>The audit events the evidence reads; the snapshot asks the table for these only.</summary>
    public static readonly IReadOnlyList<AuditEventName> Events =
    [
        AuditEventName.ReferralReceived, AuditEventName.Offered, AuditEventName.ProviderAccepted, AuditEventName.ProviderDeclined, AuditEventName.Declined,
        AuditEventName.Accepted, AuditEventName.Rejected, AuditEventName.Escalated, AuditEventName.Withdrawn, AuditEventName.FollowUpPlanned,
        AuditEventName.SurveySent, AuditEventName.SurveyAnswered, AuditEventName.OptedOut, AuditEventName.FollowUpEnded,
        AuditEventName.ProgressReported,
    ];

    /// <param name="parentReferralId">For an onward connection, the referral it is <c>basedOn</c>.</param>
    /// <param name="episode">The link worker's episode, when the referral has one.</param>
    /// <param name="connections">The rows of this referral's onward connections (each read with this referral as its parent).</param>
    /// <returns>Null when the events hold no <c>referral-received</c> (not a referral, or one whose intake never finished).</returns>
    public static EvidenceRow? From(string referralId, string practiceOds, IEnumerable<AuditEntry> events, IEnumerable<SurveyResponse> responses,
        string? parentReferralId = null, IReadOnlyCollection<EvidenceRow>? connections = null, EpisodeFacts? episode = null) =>
        From(referralId, practiceOds, events, JourneySources.Of(responses, episode), parentReferralId, connections);

    /// <param name="sources">What the journey reads besides the audit trail, as read now or as kept from the last count.</param>
    public static EvidenceRow? From(string referralId, string practiceOds, IEnumerable<AuditEntry> events, JourneySources sources,
        string? parentReferralId = null, IReadOnlyCollection<EvidenceRow>? connections = null)
    {
        var episode = sources.Episode;
        DateTimeOffset? referredAt = null;
        var offers = new List<ProviderOffer>();
        var clicks = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var chase = ChaseResult.InProgress;
        DateOnly? firstSession = null;
        bool accepted = false, withdrawn = false, surveySent = false, answered = false, optedOut = false;
        FollowUpOutcome? ended = null;
        string? acceptedBy = null;
        var progress = new List<(string ProviderId, string? Outcome)>();

        foreach (var e in events.OrderBy(e => e.At))
        {
            var provider = e.By.ProviderId;
            switch (e.Name)
            {
                case AuditEventName.ReferralReceived:
                    referredAt ??= e.At;
                    break;
                case AuditEventName.Offered when provider is not null:
                    Offer(offers, provider, e.At);
                    break;
                case AuditEventName.ProviderAccepted or AuditEventName.ProviderDeclined when provider is not null:
                    // The moment the provider clicked; the chase records the decision a little later.
                    clicks.TryAdd(provider, e.At);
                    break;
                case AuditEventName.Declined when provider is not null:
                    var code = ChaseAudit.DeclineOf(e);
                    Answer(offers, provider, e.At, code == DeclineCode.NoResponse ? OfferAnswer.NoResponse : OfferAnswer.Declined,
                        code == DeclineCode.NoResponse ? null : code.Value);
                    break;
                case AuditEventName.Escalated when ChaseAudit.EscalationOf(e) is { Step: { } step, ProviderId: { } bounced } && step == ChaseStepName.EmailRejected:
                    // An offer whose email was refused is escalated to the referrer and the chase moves on.
                    Answer(offers, bounced, e.At, OfferAnswer.EmailRejected, DeclineCode.EmailRejected.Value);
                    break;
                case AuditEventName.Accepted when provider is not null:
                    accepted = true;
                    acceptedBy ??= provider;
                    chase = ChaseResult.Accepted;
                    Answer(offers, provider, e.At, OfferAnswer.Accepted, null);
                    firstSession = ChaseAudit.FirstSessionOf(e);
                    break;
                case AuditEventName.Rejected when !accepted:
                    chase = ChaseResult.AllDeclined;
                    break;
                case AuditEventName.Escalated when ChaseAudit.EscalationOf(e).NoProvider && !accepted:
                    chase = ChaseResult.NoProvider;
                    break;
                case AuditEventName.Withdrawn:
                    withdrawn = true;
                    break;
                case AuditEventName.SurveySent when FollowUpAudit.KindOf(e) == SurveyKind.FollowUp:
                    surveySent = true;
                    break;
                case AuditEventName.SurveyAnswered when FollowUpAudit.KindOf(e) == SurveyKind.FollowUp:
                    answered = true;
                    break;
                case AuditEventName.OptedOut:
                    optedOut = true;
                    break;
                case AuditEventName.FollowUpEnded:
                    ended = FollowUpAudit.OutcomeOf(e);
                    break;
                case AuditEventName.ProgressReported when provider is not null:
                    progress.Add((provider, e.Outcome));
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
            FollowUpOutcome.Answered => FollowUpResult.Answered,
            FollowUpOutcome.NoResponse => FollowUpResult.NoResponse,
            FollowUpOutcome.OptedOut => FollowUpResult.OptedOut,
            FollowUpOutcome.Withdrawn => answered ? FollowUpResult.Answered : FollowUpResult.Withdrawn,
            _ when answered => FollowUpResult.Answered,
            _ when optedOut => FollowUpResult.OptedOut,
            _ when withdrawn => FollowUpResult.Withdrawn,
            _ when surveySent => FollowUpResult.SurveyOpen,
            _ => FollowUpResult.Waiting,
        };

        var (baseline, followUp) = (sources.Baseline, sources.FollowUp);
        connections ??= [];
        return new EvidenceRow(referralId, practiceOds, referredAt.Value, offers, chase, firstSession, followUpResult, surveySent, Attended(followUp), baseline, followUp,
            parentReferralId, connections.Count, connections.Count(c => c.Chase == ChaseResult.Accepted), accepted ? episode : null,
            accepted ? Engagement(progress.Where(p => p.ProviderId == acceptedBy).Select(p => p.Outcome)) : null,
            connections.Count == 0 ? null : connections.Count(c => c.Engagement?.Attended == true));
    }

    /// <summary>The accepting provider's progress reports, in order, read back into what the evidence counts: the
    /// audit line's outcome is <c>{report}</c> or <c>{report}:{detail}</c> (<see cref="ChaseAudit.ProgressReported"/>).
    /// A later report of the same kind replaces an earlier one; null when the provider reported nothing.</summary>
    public static ProviderEngagement? Engagement(IEnumerable<string?> outcomes)
    {
        ProviderEngagement? engagement = null;
        foreach (var outcome in outcomes)
        {
            var colon = outcome?.IndexOf(':', StringComparison.Ordinal) ?? -1;
            var spelling = colon < 0 ? outcome : outcome![..colon];
            var detail = colon < 0 ? null : outcome![(colon + 1)..];
            if (StoredSpelling.ParseOrNull<ProgressReport>(spelling) is not { } report)
            {
                continue;
            }

            var now = engagement ?? new ProviderEngagement(0);
            now = now with { Reports = now.Reports + 1 };
            switch (report)
            {
                case ProgressReport.FirstSession:
                    var date = DateOnly.TryParseExact(detail, "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : (DateOnly?)null;
                    now = now with { FirstSessionAttended = date ?? now.FirstSessionAttended, Sessions = Math.Max(now.Sessions ?? 0, 1) };
                    break;
                case ProgressReport.Sessions when int.TryParse(detail, NumberStyles.None, CultureInfo.InvariantCulture, out var sessions):
                    now = now with { Sessions = sessions };
                    break;
                case ProgressReport.Declined:
                    now = now with { Ended = ProviderEnding.Declined, EndCode = null };
                    break;
                case ProgressReport.Finished:
                    now = now with { Ended = ProviderEnding.Finished, EndCode = StoredSpelling.ParseOrNull<FinishOutcome>(detail)?.Spelling() };
                    break;
                case ProgressReport.Stopped:
                    now = now with { Ended = ProviderEnding.Stopped, EndCode = StoredSpelling.ParseOrNull<StopReason>(detail)?.Spelling() };
                    break;
            }

            engagement = now;
        }

        return engagement;
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
}

/// <summary>What a referral's journey is read from besides its audit trail: the scores of its baseline and follow-up
/// answers (empty when not answered) and its link worker's episode. Kept beside the referral's counted row, so an update
/// whose notes say only that audit entries were appended reads neither again.</summary>
public sealed record JourneySources(IReadOnlyDictionary<string, double> Baseline, IReadOnlyDictionary<string, double> FollowUp, EpisodeFacts? Episode)
{
    /// <summary>No answers and no episode (a referral none of whose sources has been written yet).</summary>
    public static JourneySources None => Of([], null);

    public static JourneySources Of(IEnumerable<SurveyResponse> responses, EpisodeFacts? episode)
    {
        var all = responses as IReadOnlyCollection<SurveyResponse> ?? responses.ToList();
        return new(Scores(all, SurveyKind.Baseline), Scores(all, SurveyKind.FollowUp), episode);
    }

    private static Dictionary<string, double> Scores(IEnumerable<SurveyResponse> responses, SurveyKind kind) =>
        responses.FirstOrDefault(r => r.Kind == kind)?.Measures.ToDictionary(m => m.Key, m => (double)m.Value, StringComparer.Ordinal)
        ?? new Dictionary<string, double>(StringComparer.Ordinal);
}

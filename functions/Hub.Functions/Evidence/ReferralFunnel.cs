using Hub.Chase;

namespace Hub.Evidence;

/// <summary>One stage of the funnel: its count and its share of the stage before.</summary>
public sealed record FunnelStage(string Code, string Label, Figure Count, Figure? Previous);

/// <summary>Why referrals did not reach the next stage, or are still on their way to it (<paramref name="Pending"/>).</summary>
public sealed record FunnelDrop(string AfterStage, string Code, string Label, Figure Count, bool Pending = false);

/// <summary>What happened to the referrals: how many reached each stage from referral to a follow-up answer, and why
/// the others stopped or where they are now.</summary>
public sealed class ReferralFunnel
{
    private readonly IReadOnlyList<EvidenceRow> _rows;
    private readonly DisclosureRule _rule;

    public ReferralFunnel(IReadOnlyList<EvidenceRow> rows, DisclosureRule? rule = null)
    {
        _rows = rows;
        _rule = rule ?? DisclosureRule.Default;
        Accepted = rows.Where(r => r.Chase == ChaseResult.Accepted).ToList();
        // Engaged: accepted and still taking part, that is not withdrawn and not reported at follow-up as never attending.
        Engaged = Accepted.Where(TookUp).ToList();
        FollowedUp = Engaged.Where(r => r.FollowUpSent).ToList();
        Responded = FollowedUp.Where(r => r.FollowUpResult == FollowUpResult.Answered).ToList();
    }

    public IReadOnlyList<EvidenceRow> Accepted { get; }

    public IReadOnlyList<EvidenceRow> Engaged { get; }

    public IReadOnlyList<EvidenceRow> FollowedUp { get; }

    public IReadOnlyList<EvidenceRow> Responded { get; }

    /// <summary>Took up the referral: accepted, not withdrawn, and not reported as never attending.</summary>
    public static bool TookUp(EvidenceRow row) =>
        row.Chase == ChaseResult.Accepted && row.FollowUpResult != FollowUpResult.Withdrawn && row.Attended != false;

    public static string DeclineLabel(string code) => DeclineCode.FromStored(code).Summary;

    public IReadOnlyList<FunnelStage> Stages() =>
    [
        new("referred", "Referred", F(_rows.Count), null),
        new("accepted", "Accepted by a provider", F(Accepted.Count), F(_rows.Count)),
        new("engaged", "Engaged (took up the activity)", F(Engaged.Count), F(Accepted.Count)),
        new("followed-up", "Followed up (survey sent)", F(FollowedUp.Count), F(Engaged.Count)),
        new("responded", "Responded to the follow-up", F(Responded.Count), F(FollowedUp.Count)),
    ];

    public IReadOnlyList<FunnelDrop> Drops()
    {
        var drops = new List<FunnelDrop>();
        var notAccepted = _rows.Where(r => r.Chase != ChaseResult.Accepted).ToList();
        AddDrop(drops, "referred", "all-declined", "No provider took it (every provider asked declined or did not answer)", notAccepted.Count(r => r.Chase == ChaseResult.AllDeclined));
        AddDrop(drops, "referred", "no-provider", "No provider matched", notAccepted.Count(r => r.Chase == ChaseResult.NoProvider));
        AddDrop(drops, "referred", "cancelled", "Withdrawn by the practice", notAccepted.Count(r => r.Chase == ChaseResult.Withdrawn));
        AddDrop(drops, "referred", "in-progress", "Still with providers", notAccepted.Count(r => r.Chase == ChaseResult.InProgress), pending: true);
        // Each provider's decline, by reason: one referral may be declined by several providers before one takes it.
        foreach (var reason in _rows.SelectMany(r => r.Offers).Select(o => o.DropCode).OfType<string>()
                     .GroupBy(code => code).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            AddDrop(drops, "referred", $"declined:{reason.Key}", $"Declined by a provider: {DeclineLabel(reason.Key)} (offers)", reason.Count());
        }

        AddDrop(drops, "accepted", "cancelled", "Withdrawn by the practice after acceptance", Accepted.Count(r => r.FollowUpResult == FollowUpResult.Withdrawn));
        AddDrop(drops, "accepted", "did-not-attend", "Did not attend (reported at follow-up)", Accepted.Count(r => r.Attended == false && r.FollowUpResult != FollowUpResult.Withdrawn));
        AddDrop(drops, "engaged", "opted-out", "Opted out before the survey", Engaged.Count(r => !r.FollowUpSent && r.FollowUpResult == FollowUpResult.OptedOut));
        AddDrop(drops, "engaged", "not-yet-due", "Follow-up not yet due", Engaged.Count(r => !r.FollowUpSent && r.FollowUpResult == FollowUpResult.Waiting), pending: true);
        AddDrop(drops, "followed-up", "no-response", "No response", FollowedUp.Count(r => r.FollowUpResult == FollowUpResult.NoResponse));
        AddDrop(drops, "followed-up", "opted-out", "Opted out", FollowedUp.Count(r => r.FollowUpResult == FollowUpResult.OptedOut));
        AddDrop(drops, "followed-up", "survey-open", "Survey still open", FollowedUp.Count(r => r.FollowUpResult == FollowUpResult.SurveyOpen), pending: true);
        return drops;
    }

    private Figure F(int count) => _rule.Count(count);

    // Every reason is listed, zero or not, so whether a reason appears never tells a reader anything the count does not.
    private void AddDrop(List<FunnelDrop> drops, string after, string code, string label, int count, bool pending = false) =>
        drops.Add(new FunnelDrop(after, code, label, F(count), pending));
}

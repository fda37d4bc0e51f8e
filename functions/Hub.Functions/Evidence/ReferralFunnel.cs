using Hub.Chase;

namespace Hub.Evidence;

/// <summary>One stage of the funnel: its count and its share of the stage before.</summary>
public sealed record FunnelStage(string Code, string Label, Figure Count, Figure? Previous);

/// <summary>Why referrals did not reach the next stage, or are still on their way to it (<paramref name="Pending"/>).</summary>
public sealed record FunnelDrop(string AfterStage, string Code, string Label, Figure Count, bool Pending = false);

/// <summary>The counts behind the drops, whether counted from rows or summed from cells.</summary>
public sealed record DropCounts(int AllDeclined, int NoProvider, int WithdrawnBeforeAcceptance, int InProgress, IReadOnlyDictionary<string, int> Declines,
    int WithdrawnAfterAcceptance, int DidNotAttend, int OptedOutBeforeSurvey, int NotYetDue, int NoResponse, int OptedOut, int SurveyOpen);

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
        // Engaged: accepted and still taking part, that is not withdrawn and not saying at follow-up they never attended.
        // From the journey and the person's own word only: a provider's report (the person declined, or stopped) is
        // shown apart (EngagementFigures) and never taken for the person's, as the two sources are never added together.
        Engaged = Accepted.Where(TookUp).ToList();
        FollowedUp = Engaged.Where(r => r.FollowUpSent).ToList();
        Responded = FollowedUp.Where(r => r.FollowUpResult == FollowUpResult.Answered).ToList();
    }

    public IReadOnlyList<EvidenceRow> Accepted { get; }

    public IReadOnlyList<EvidenceRow> Engaged { get; }

    public IReadOnlyList<EvidenceRow> FollowedUp { get; }

    public IReadOnlyList<EvidenceRow> Responded { get; }

    /// <summary>Took up the referral: accepted, not withdrawn, and not saying at follow-up they never attended. What the
    /// provider reported does not enter it (see <see cref="EngagedLabel"/>).</summary>
    public static bool TookUp(EvidenceRow row) =>
        row.Chase == ChaseResult.Accepted && row.FollowUpResult != FollowUpResult.Withdrawn && row.Attended != false;

    public static string DeclineLabel(string code) => DeclineCode.FromStored(code).Summary;

    /// <summary>The engaged stage's label names its source, so that no reader takes it for the providers' reports.</summary>
    public const string EngagedLabel = "Engaged (not withdrawn, and did not say at follow-up they never attended; providers' reports are shown apart)";

    public IReadOnlyList<FunnelStage> Stages() => StagesOf(_rows.Count, Accepted.Count, Engaged.Count, FollowedUp.Count, Responded.Count, _rule);

    /// <summary>The stages from their counts: the rows' funnel and the cells' merge both end here.</summary>
    public static IReadOnlyList<FunnelStage> StagesOf(int referred, int accepted, int engaged, int followedUp, int responded, DisclosureRule rule) =>
    [
        new("referred", "Referred", rule.Count(referred), null),
        new("accepted", "Accepted by a provider", rule.Count(accepted), rule.Count(referred)),
        new("engaged", EngagedLabel, rule.Count(engaged), rule.Count(accepted)),
        new("followed-up", "Followed up (survey sent)", rule.Count(followedUp), rule.Count(engaged)),
        new("responded", "Responded to the follow-up", rule.Count(responded), rule.Count(followedUp)),
    ];

    public IReadOnlyList<FunnelDrop> Drops()
    {
        var notAccepted = _rows.Where(r => r.Chase != ChaseResult.Accepted).ToList();
        var declines = _rows.SelectMany(r => r.Offers).Select(o => o.DropCode).OfType<string>().GroupBy(code => code).ToDictionary(g => g.Key, g => g.Count());
        return DropsOf(new DropCounts(
            notAccepted.Count(r => r.Chase == ChaseResult.AllDeclined),
            notAccepted.Count(r => r.Chase == ChaseResult.NoProvider),
            notAccepted.Count(r => r.Chase == ChaseResult.Withdrawn),
            notAccepted.Count(r => r.Chase == ChaseResult.InProgress),
            declines,
            Accepted.Count(r => r.FollowUpResult == FollowUpResult.Withdrawn),
            Accepted.Count(r => r.Attended == false && r.FollowUpResult != FollowUpResult.Withdrawn),
            Engaged.Count(r => !r.FollowUpSent && r.FollowUpResult == FollowUpResult.OptedOut),
            Engaged.Count(r => !r.FollowUpSent && r.FollowUpResult == FollowUpResult.Waiting),
            FollowedUp.Count(r => r.FollowUpResult == FollowUpResult.NoResponse),
            FollowedUp.Count(r => r.FollowUpResult == FollowUpResult.OptedOut),
            FollowedUp.Count(r => r.FollowUpResult == FollowUpResult.SurveyOpen)), _rule);
    }

    /// <summary>The drops from their counts: the rows' funnel and the cells' merge both end here.</summary>
    public static IReadOnlyList<FunnelDrop> DropsOf(DropCounts counts, DisclosureRule rule)
    {
        var drops = new List<FunnelDrop>();
        void Add(string after, string code, string label, int count, bool pending = false) => drops.Add(new FunnelDrop(after, code, label, rule.Count(count), pending));

        // Every reason is listed, zero or not, so whether a reason appears never tells a reader anything the count does not.
        Add("referred", "all-declined", "No provider took it (every provider asked declined or did not answer)", counts.AllDeclined);
        Add("referred", "no-provider", "No provider matched", counts.NoProvider);
        Add("referred", "cancelled", "Withdrawn by the practice", counts.WithdrawnBeforeAcceptance);
        Add("referred", "in-progress", "Still with providers", counts.InProgress, pending: true);
        // Each provider's decline, by reason: one referral may be declined by several providers before one takes it.
        foreach (var (reason, count) in counts.Declines.Where(d => d.Value > 0).OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            Add("referred", $"declined:{reason}", $"Declined by a provider: {DeclineLabel(reason)} (offers)", count);
        }

        Add("accepted", "cancelled", "Withdrawn by the practice after acceptance", counts.WithdrawnAfterAcceptance);
        Add("accepted", "did-not-attend", "Said at follow-up they never attended", counts.DidNotAttend);
        Add("engaged", "opted-out", "Opted out before the survey", counts.OptedOutBeforeSurvey);
        Add("engaged", "not-yet-due", "Follow-up not yet due", counts.NotYetDue, pending: true);
        Add("followed-up", "no-response", "No response", counts.NoResponse);
        Add("followed-up", "opted-out", "Opted out", counts.OptedOut);
        Add("followed-up", "survey-open", "Survey still open", counts.SurveyOpen, pending: true);
        return drops;
    }
}

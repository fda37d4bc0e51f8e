using System.Globalization;
using Hub.FollowUp;
using Hub.Platform.Fhir;

namespace Hub.Evidence;

/// <summary>A count as a report may show it: 1–4 becomes "&lt;5" so nobody can be picked out.</summary>
public readonly record struct Figure(int Count)
{
    public const int SmallestShown = 5;

    public bool Suppressed => Count is > 0 and < SmallestShown;

    public string Display => Suppressed ? "<5" : Count.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>The share of <paramref name="whole"/>, or null when either count is suppressed or the whole is empty
    /// (a percentage of a hidden count would give it away).</summary>
    public double? ShareOf(Figure whole) => Suppressed || whole.Suppressed || whole.Count == 0 ? null : (double)Count / whole.Count;

    public string ShareDisplay(Figure whole) => ShareOf(whole) is { } share ? share.ToString("P0", CultureInfo.InvariantCulture) : "–";
}

/// <summary>One stage of the funnel: its count and its share of the stage before.</summary>
public sealed record FunnelStage(string Code, string Label, Figure Count, Figure? Previous);

/// <summary>Why referrals did not reach the next stage, or are still on their way to it (<paramref name="Pending"/>).</summary>
public sealed record FunnelDrop(string AfterStage, string Code, string Label, Figure Count, bool Pending = false);

/// <summary>How long something took, in days: withheld (null) under <see cref="EvidenceReport.SmallestForStatistics"/> people.</summary>
public sealed record Timeliness(string Code, string Label, int N, double? MedianDays, double? P90Days);

/// <summary>One measure, baseline against follow-up, within the same people.</summary>
/// <param name="Paired">People with both answers: the only ones whose change counts.</param>
/// <param name="BaselineOnly">People whose follow-up ended without this answer: the attrition that may bias the result.</param>
/// <param name="FollowUpOnly">People with a follow-up answer but no baseline.</param>
/// <param name="T">Null when withheld (fewer than ten pairs).</param>
public sealed record OutcomeChange(
    string Code,
    string Label,
    bool HigherIsBetter,
    int Paired,
    int BaselineOnly,
    int FollowUpOnly,
    PairedTResult? T,
    WilcoxonResult? Wilcoxon,
    Figure Improved,
    Figure Unchanged,
    Figure Worse)
{
    public bool Withheld => T is null;
}

/// <summary>The estimated cost offset from self-reported NHS use: per person per 3 months (the survey's recall period),
/// with the 95% interval, and the payback the programme cost implies. Null figures are withheld.</summary>
public sealed record CostOffset(
    bool Configured,
    int N,
    decimal GpAppointmentCost,
    decimal AeAttendanceCost,
    decimal ProgrammeCostPerReferral,
    double? SavingPerPerson3Months,
    double? SavingLow,
    double? SavingHigh,
    double? PaybackMonths,
    double? PaybackMonthsShortest)
{
    public bool Withheld => Configured && SavingPerPerson3Months is null;
}

/// <summary>What a report covers: the period, the filters and the snapshot it was computed from.</summary>
public sealed record ReportScope(DateTimeOffset? From, DateTimeOffset? To, IReadOnlyList<string> Filters, DateTimeOffset SnapshotTakenAt)
{
    public string PeriodText => (From, To) switch
    {
        (null, null) => "all referrals to date",
        ({ } f, null) => $"referrals from {f:d MMMM yyyy}",
        (null, { } t) => $"referrals before {t:d MMMM yyyy}",
        ({ } f, { } t) => $"referrals from {f:d MMMM yyyy} to {t.AddDays(-1):d MMMM yyyy}",
    };
}

/// <summary>The evidence for one scheme, provider, practice and period: what happened to the referrals, how quickly,
/// and what changed for the people who took part, with the small numbers hidden.</summary>
public sealed record EvidenceReport(
    ReportScope Scope,
    IReadOnlyList<FunnelStage> Funnel,
    IReadOnlyList<FunnelDrop> Drops,
    IReadOnlyList<Timeliness> Timeliness,
    IReadOnlyList<Figure> TimeToAcceptBins,
    IReadOnlyList<OutcomeChange> Outcomes,
    IReadOnlyList<OutcomeChange> NhsUse,
    IReadOnlyList<OutcomeChange> ComparisonOutcomes,
    Figure ComparisonGroup,
    CostOffset Cost)
{
    /// <summary>Statistics (means, intervals, p-values, medians) are withheld under this many people.</summary>
    public const int SmallestForStatistics = 10;

    /// <summary>The bins of the time-to-accept chart, in days from referral.</summary>
    public static readonly IReadOnlyList<(string Label, double UpToDays)> TimeToAcceptBinEdges =
    [
        ("under 1 day", 1), ("1–2 days", 3), ("3–6 days", 7), ("7–13 days", 14), ("14–27 days", 28), ("28 days or more", double.PositiveInfinity),
    ];

    /// <summary>The wellbeing and loneliness measures, and which way is better.</summary>
    public static readonly IReadOnlyList<(string Code, string Label, bool HigherIsBetter)> OutcomeMeasures =
    [
        ("ons4-life-satisfaction", "Life satisfaction (ONS4, 0–10)", true),
        ("ons4-worthwhile", "Things done are worthwhile (ONS4, 0–10)", true),
        ("ons4-happiness", "Happiness yesterday (ONS4, 0–10)", true),
        ("ons4-anxiety", "Anxiety yesterday (ONS4, 0–10)", false),
        ("ucla3-total", "Loneliness (UCLA-3 total, 3–9)", false),
    ];

    public static readonly IReadOnlyList<(string Code, string Label, bool HigherIsBetter)> NhsUseMeasures =
    [
        ("gp-appointments-3m", "GP appointments in the last 3 months", false),
        ("ae-attendances-3m", "A&E attendances in the last 3 months", false),
        (NhsContacts, "GP appointments and A&E attendances together", false),
    ];

    /// <summary>GP appointments plus A&amp;E attendances, for people who answered both.</summary>
    public const string NhsContacts = "nhs-contacts-3m";

    public static EvidenceReport Build(IReadOnlyList<EvidenceRow> rows, ReportScope scope, ReportingOptions costs)
    {
        var referred = rows.Count;
        var accepted = rows.Where(r => r.Chase == ChaseResult.Accepted).ToList();
        // Engaged: accepted and still taking part, that is not withdrawn and not reported at follow-up as never attending.
        var engaged = accepted.Where(TookUp).ToList();
        var followedUp = engaged.Where(r => r.FollowUpSent).ToList();
        var responded = followedUp.Where(r => r.FollowUpResult == FollowUpResult.Answered).ToList();

        var funnel = new List<FunnelStage>
        {
            new("referred", "Referred", new Figure(referred), null),
            new("accepted", "Accepted by a provider", new Figure(accepted.Count), new Figure(referred)),
            new("engaged", "Engaged (took up the activity)", new Figure(engaged.Count), new Figure(accepted.Count)),
            new("followed-up", "Followed up (survey sent)", new Figure(followedUp.Count), new Figure(engaged.Count)),
            new("responded", "Responded to the follow-up", new Figure(responded.Count), new Figure(followedUp.Count)),
        };

        var drops = new List<FunnelDrop>();
        var notAccepted = rows.Where(r => r.Chase != ChaseResult.Accepted).ToList();
        AddDrop(drops, "referred", "all-declined", "No provider took it (every provider asked declined or did not answer)", notAccepted.Count(r => r.Chase == ChaseResult.AllDeclined));
        AddDrop(drops, "referred", "no-provider", "No provider matched", notAccepted.Count(r => r.Chase == ChaseResult.NoProvider));
        AddDrop(drops, "referred", "cancelled", "Withdrawn by the practice", notAccepted.Count(r => r.Chase == ChaseResult.Withdrawn));
        AddDrop(drops, "referred", "in-progress", "Still with providers", notAccepted.Count(r => r.Chase == ChaseResult.InProgress), pending: true);
        // Each provider's decline, by reason: one referral may be declined by several providers before one takes it.
        foreach (var reason in rows.SelectMany(r => r.Offers).Select(o => o.DropCode).OfType<string>()
                     .GroupBy(code => code).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            AddDrop(drops, "referred", $"declined:{reason.Key}", $"Declined by a provider: {DeclineLabel(reason.Key)} (offers)", reason.Count());
        }

        AddDrop(drops, "accepted", "cancelled", "Withdrawn by the practice after acceptance", accepted.Count(r => r.FollowUpResult == FollowUpResult.Withdrawn));
        AddDrop(drops, "accepted", "did-not-attend", "Did not attend (reported at follow-up)", accepted.Count(r => r.Attended == false && r.FollowUpResult != FollowUpResult.Withdrawn));
        AddDrop(drops, "engaged", "opted-out", "Opted out before the survey", engaged.Count(r => !r.FollowUpSent && r.FollowUpResult == FollowUpResult.OptedOut));
        AddDrop(drops, "engaged", "not-yet-due", "Follow-up not yet due", engaged.Count(r => !r.FollowUpSent && r.FollowUpResult == FollowUpResult.Waiting), pending: true);
        AddDrop(drops, "followed-up", "no-response", "No response", followedUp.Count(r => r.FollowUpResult == FollowUpResult.NoResponse));
        AddDrop(drops, "followed-up", "opted-out", "Opted out", followedUp.Count(r => r.FollowUpResult == FollowUpResult.OptedOut));
        AddDrop(drops, "followed-up", "survey-open", "Survey still open", followedUp.Count(r => r.FollowUpResult == FollowUpResult.SurveyOpen), pending: true);

        var toAnswer = rows.Select(r => r.DaysToFirstAnswer).OfType<double>().ToList();
        var toAccept = accepted.Select(r => r.DaysToAcceptance).OfType<double>().ToList();
        var toSession = accepted.Select(r => r.DaysToFirstSession).OfType<int>().Select(d => (double)d).ToList();
        var timeliness = new List<Timeliness>
        {
            Time("provider-answer", "Referral to a provider's first answer", toAnswer),
            Time("acceptance", "Referral to acceptance", toAccept),
            Time("first-session", "Referral to the first session (as booked by the provider)", toSession),
        };
        var bins = TimeToAcceptBinEdges.Select((edge, i) =>
            new Figure(toAccept.Count(d => d < edge.UpToDays && (i == 0 || d >= TimeToAcceptBinEdges[i - 1].UpToDays)))).ToList();

        // The comparison group: people followed up who did not take part, whether declined or never attending. Not
        // randomised: they differ from those who took part in ways the hub cannot see.
        var comparison = rows.Where(r => !TookUp(r) && r.FollowUpResult == FollowUpResult.Answered).ToList();
        // Attrition counts people whose follow-up is over; those still waiting have not had the chance to answer.
        var finished = engaged.Where(r => r.FollowUpResult is FollowUpResult.Answered or FollowUpResult.NoResponse or FollowUpResult.OptedOut).ToList();

        return new EvidenceReport(
            scope,
            funnel,
            drops,
            timeliness,
            bins,
            OutcomeMeasures.Select(m => Change(finished, m.Code, m.Label, m.HigherIsBetter)).ToList(),
            NhsUseMeasures.Select(m => Change(finished, m.Code, m.Label, m.HigherIsBetter)).ToList(),
            OutcomeMeasures.Select(m => Change(comparison, m.Code, m.Label, m.HigherIsBetter)).ToList(),
            new Figure(comparison.Count),
            CostOffsetOf(finished, costs));
    }

    /// <summary>Took up the referral: accepted, not withdrawn, and not reported as never attending.</summary>
    public static bool TookUp(EvidenceRow row) =>
        row.Chase == ChaseResult.Accepted && row.FollowUpResult != FollowUpResult.Withdrawn && row.Attended != false;

    public static string DeclineLabel(string code) => code switch
    {
        "no-capacity" => "no space",
        "not-suitable" => "not suitable",
        "out-of-area" => "out of area",
        "no-response" => "no answer before the offer expired",
        "email-rejected" => "email address refused",
        "other" => "another reason",
        _ => code,
    };

    private static void AddDrop(List<FunnelDrop> drops, string after, string code, string label, int count, bool pending = false)
    {
        if (count > 0)
        {
            drops.Add(new FunnelDrop(after, code, label, new Figure(count), pending));
        }
    }

    private static Timeliness Time(string code, string label, List<double> days) =>
        days.Count < SmallestForStatistics
            ? new Timeliness(code, label, days.Count, null, null)
            : new Timeliness(code, label, days.Count, PairedStatistics.Quantile(days, 0.5), PairedStatistics.Quantile(days, 0.9));

    private static double? Score(IReadOnlyDictionary<string, double> scores, string code)
    {
        if (code == NhsContacts)
        {
            return scores.TryGetValue("gp-appointments-3m", out var gp) && scores.TryGetValue("ae-attendances-3m", out var ae) ? gp + ae : null;
        }

        return scores.TryGetValue(code, out var value) ? value : null;
    }

    private static OutcomeChange Change(List<EvidenceRow> rows, string code, string label, bool higherIsBetter)
    {
        var before = new List<double>();
        var after = new List<double>();
        int baselineOnly = 0, followUpOnly = 0, improved = 0, unchanged = 0, worse = 0;
        foreach (var row in rows)
        {
            var b = Score(row.Baseline, code);
            var a = Score(row.FollowUp, code);
            if (b is { } bv && a is { } av)
            {
                before.Add(bv);
                after.Add(av);
                var better = higherIsBetter ? av - bv : bv - av;
                if (better > 0)
                {
                    improved++;
                }
                else if (better < 0)
                {
                    worse++;
                }
                else
                {
                    unchanged++;
                }
            }
            else if (b is not null)
            {
                baselineOnly++;
            }
            else if (a is not null)
            {
                followUpOnly++;
            }
        }

        var enough = before.Count >= SmallestForStatistics;
        return new OutcomeChange(code, label, higherIsBetter, before.Count, baselineOnly, followUpOnly,
            enough ? PairedStatistics.PairedT(before, after) : null,
            enough ? PairedStatistics.WilcoxonSignedRank(before, after) : null,
            new Figure(improved), new Figure(unchanged), new Figure(worse));
    }

    private static CostOffset CostOffsetOf(List<EvidenceRow> rows, ReportingOptions costs)
    {
        if (!costs.CostsConfigured)
        {
            return new CostOffset(false, 0, 0, 0, 0, null, null, null, null, null);
        }

        var gp = (double)costs.GpAppointmentCost!.Value;
        var ae = (double)costs.AeAttendanceCost!.Value;
        var before = new List<double>();
        var after = new List<double>();
        foreach (var row in rows)
        {
            if (Score(row.Baseline, "gp-appointments-3m") is { } gb && Score(row.Baseline, "ae-attendances-3m") is { } ab
                && Score(row.FollowUp, "gp-appointments-3m") is { } ga && Score(row.FollowUp, "ae-attendances-3m") is { } aa)
            {
                before.Add((gb * gp) + (ab * ae));
                after.Add((ga * gp) + (aa * ae));
            }
        }

        var offset = new CostOffset(true, before.Count, costs.GpAppointmentCost.Value, costs.AeAttendanceCost.Value, costs.ProgrammeCostPerReferral!.Value,
            null, null, null, null, null);
        if (before.Count < SmallestForStatistics)
        {
            return offset;
        }

        // A saving is use that fell: before minus after, so the paired difference (after − before) changes sign.
        var t = PairedStatistics.PairedT(before, after);
        var saving = -t.MeanDifference;
        var programme = (double)costs.ProgrammeCostPerReferral.Value;
        return offset with
        {
            SavingPerPerson3Months = saving,
            SavingLow = -t.ConfidenceHigh,
            SavingHigh = -t.ConfidenceLow,
            PaybackMonths = saving > 0 ? programme / (saving / 3) : null,
            PaybackMonthsShortest = -t.ConfidenceLow > 0 ? programme / (-t.ConfidenceLow / 3) : null,
        };
    }
}

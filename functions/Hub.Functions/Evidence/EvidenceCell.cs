using Hub.Chase;
using Hub.FollowUp;

namespace Hub.Evidence;

/// <summary>Where a cell sits: one practice, one calendar month of referral, one view (every offer, or one provider's
/// offers as that provider sees them).</summary>
public readonly record struct CellKey(string PracticeOds, DateOnly Month, string View)
{
    /// <summary>The view over every offer (no provider filter).</summary>
    public const string Everyone = "*";

    /// <summary>The practice of a view's running totals over every practice (no ODS code is spelled so).</summary>
    public const string AllPractices = "*";

    public static DateOnly MonthOf(DateTimeOffset referredAt) => new(referredAt.UtcDateTime.Year, referredAt.UtcDateTime.Month, 1);
}

/// <summary>One measure's change within the same people, as mergeable sums: counts, sums of the before and after
/// scores, and the exact histogram of the differences (after − before). Scores are small bounded numbers, so the
/// histogram has a handful of entries however many people it counts, and the paired t and the Wilcoxon signed-rank test
/// from it are exactly those of the people themselves.</summary>
public sealed class ScoreChange
{
    public int Paired { get; set; }

    public int BaselineOnly { get; set; }

    public int FollowUpOnly { get; set; }

    public double SumBefore { get; set; }

    public double SumAfter { get; set; }

    /// <summary>after − before → how many people.</summary>
    public Dictionary<double, int> Differences { get; set; } = [];

    public void Add(double? before, double? after, int sign = 1)
    {
        if (before is { } b && after is { } a)
        {
            Paired += sign;
            SumBefore += sign * b;
            SumAfter += sign * a;
            Histogram.Add(Differences, a - b, sign);
        }
        else if (before is not null)
        {
            BaselineOnly += sign;
        }
        else if (after is not null)
        {
            FollowUpOnly += sign;
        }
    }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty => Paired == 0 && BaselineOnly == 0 && FollowUpOnly == 0 && SumBefore == 0 && SumAfter == 0 && Differences.Count == 0;

    public void Merge(ScoreChange other)
    {
        Paired += other.Paired;
        BaselineOnly += other.BaselineOnly;
        FollowUpOnly += other.FollowUpOnly;
        SumBefore += other.SumBefore;
        SumAfter += other.SumAfter;
        foreach (var (difference, count) in other.Differences)
        {
            Histogram.Add(Differences, difference, count);
        }
    }
}

/// <summary>Histograms as dictionaries from value to count: adding, and reading order statistics back.</summary>
public static class Histogram
{
    public static void Add<TKey>(Dictionary<TKey, int> histogram, TKey value, int count) where TKey : notnull
    {
        var now = histogram.GetValueOrDefault(value) + count;
        if (now == 0)
        {
            histogram.Remove(value);
        }
        else
        {
            histogram[value] = now;
        }
    }

    public static int Total<TKey>(IReadOnlyDictionary<TKey, int> histogram) where TKey : notnull => histogram.Values.Sum();

    /// <summary>R's type-7 sample quantile of the values the histogram counts, as <see cref="PairedStatistics.Quantile"/>
    /// gives over the values themselves.</summary>
    public static double Quantile(IReadOnlyDictionary<double, int> histogram, double p)
    {
        var sorted = histogram.Where(e => e.Value > 0).OrderBy(e => e.Key).ToList();
        var n = sorted.Sum(e => e.Value);
        if (n == 0)
        {
            throw new ArgumentException("A quantile needs at least one value.", nameof(histogram));
        }

        var h = (n - 1) * p;
        var lower = (int)Math.Floor(h);
        var x = OrderStatistic(sorted, lower);
        return lower >= n - 1 ? x : x + ((h - lower) * (OrderStatistic(sorted, lower + 1) - x));
    }

    /// <summary>The value at 0-based position <paramref name="index"/> of the sorted values.</summary>
    private static double OrderStatistic(List<KeyValuePair<double, int>> sorted, int index)
    {
        foreach (var (value, count) in sorted)
        {
            if (index < count)
            {
                return value;
            }

            index -= count;
        }

        return sorted[^1].Key;
    }
}

/// <summary>The evidence of one cell (<see cref="CellKey"/>) as mergeable sums: every count the report shows, the
/// exact histograms of days (to the minute) and of score changes. A report is the merge of the cells it covers, so its
/// memory is bounded by the cells it reads, not by referrals; removing a referral's old row and adding its new one
/// (<paramref name="sign"/> −1 then +1) keeps a cell current as events happen.</summary>
public sealed class EvidenceCell
{
    public int Referred { get; set; }

    public int Accepted { get; set; }

    public int Engaged { get; set; }

    public int FollowedUp { get; set; }

    public int Responded { get; set; }

    public int AllDeclined { get; set; }

    public int NoProvider { get; set; }

    public int WithdrawnBeforeAcceptance { get; set; }

    public int InProgress { get; set; }

    /// <summary>Offers that did not lead to acceptance, by drop code.</summary>
    public Dictionary<string, int> Declines { get; set; } = [];

    /// <summary>Accepted referrals by the provider that accepted them: which providers' views divide this cell from
    /// acceptance on (a report is audited against them, <see cref="EvidenceReport.ForAsync(IReadOnlyCollection{string}, Func{IReadOnlyCollection{string}, DateTimeOffset?, DateTimeOffset?, string, Task{EvidenceCell}}, string, DateTimeOffset?, DateTimeOffset?, ReportScope, ReportingOptions, MeasureCatalogue)"/>).</summary>
    public Dictionary<string, int> AcceptedBy { get; set; } = new(StringComparer.Ordinal);

    public int WithdrawnAfterAcceptance { get; set; }

    public int DidNotAttend { get; set; }

    public int OptedOutBeforeSurvey { get; set; }

    public int NotYetDue { get; set; }

    public int NoResponse { get; set; }

    public int OptedOut { get; set; }

    public int SurveyOpen { get; set; }

    public int ComparisonGroup { get; set; }

    /// <summary>Onward connections made from accepted referrals (a link-worker service's, to community activities).</summary>
    public int Connections { get; set; }

    /// <summary>Of <see cref="Connections"/>, those a provider accepted.</summary>
    public int ConnectionsTakenUp { get; set; }

    /// <summary>Accepted referrals with at least one onward connection.</summary>
    public int PeopleConnected { get; set; }

    /// <summary>Accepted referrals with a link worker's episode.</summary>
    public int LinkWorkPeople { get; set; }

    /// <summary>The link workers' contacts with those people.</summary>
    public int Contacts { get; set; }

    /// <summary>Whole days from a link worker's acceptance to the first contact → people.</summary>
    public Dictionary<double, int> DaysToFirstContact { get; set; } = [];

    /// <summary>Onward connections, taken up, and people connected, of the people with an episode.</summary>
    public int LinkWorkConnections { get; set; }

    public int LinkWorkConnectionsTakenUp { get; set; }

    public int LinkWorkPeopleConnected { get; set; }

    public int GoalsSet { get; set; }

    public int GoalsMet { get; set; }

    /// <summary>Of <see cref="LinkWorkConnections"/>, those whose activity reported the person at a session.</summary>
    public int LinkWorkConnectionsStarted { get; set; }

    /// <summary>People with an episode the link worker assessed at least once (its own wellbeing assessments).</summary>
    public int LinkWorkPeopleAssessed { get; set; }

    /// <summary>Per measure code: the link worker's assessments, first to last (a person assessed once is "baseline only").</summary>
    public Dictionary<string, ScoreChange> Assessments { get; set; } = new(StringComparer.Ordinal);

    /// <summary>People a link worker saw whose follow-up is over, who took up at least one onward connection, or none.</summary>
    public int OnwardTookUpPeople { get; set; }

    public int OnwardNonePeople { get; set; }

    /// <summary>Per measure code: the follow-up's change for those two groups (not randomised).</summary>
    public Dictionary<string, ScoreChange> OnwardTookUpOutcomes { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, ScoreChange> OnwardNoneOutcomes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Accepted referrals whose provider reported progress (reported by the provider).</summary>
    public int ProviderReported { get; set; }

    /// <summary>Accepted referrals the provider reported at a session or more.</summary>
    public int ProviderAttended { get; set; }

    /// <summary>Whole days from acceptance to the first session the provider reported attended → people.</summary>
    public Dictionary<double, int> DaysToFirstSessionAttended { get; set; } = [];

    /// <summary>Sessions attended as the provider last reported them → people.</summary>
    public Dictionary<double, int> SessionsReported { get; set; } = [];

    /// <summary>The person declined after the provider accepted, as the provider reported it.</summary>
    public int ProviderDeclined { get; set; }

    public int ProviderFinished { get; set; }

    public int ProviderStopped { get; set; }

    /// <summary>Accepted referrals whose person answered the follow-up (what the person says).</summary>
    public int PersonAnswered { get; set; }

    /// <summary>Said at follow-up they attended (or went to a session or more).</summary>
    public int PersonAttended { get; set; }

    /// <summary>Said at follow-up they never attended.</summary>
    public int PersonNotAttended { get; set; }

    /// <summary>Sessions the person said at follow-up they attended → people.</summary>
    public Dictionary<double, int> SessionsSaid { get; set; } = [];

    /// <summary>Days from referral to a provider's first answer, to the minute (as <see cref="EvidenceRow"/> keeps them).</summary>
    public Dictionary<double, int> DaysToFirstAnswer { get; set; } = [];

    public Dictionary<double, int> DaysToAcceptance { get; set; } = [];

    /// <summary>Days from each offer to the provider's answer (accept or decline), to the minute: in a provider's view,
    /// how quickly that provider answers (its responsiveness on the directory and in routing).</summary>
    public Dictionary<double, int> DaysOfferedToAnswer { get; set; } = [];

    public Dictionary<double, int> DaysToFirstSession { get; set; } = [];

    /// <summary>Per measure code: the change for people who took up the referral and whose follow-up is over.</summary>
    public Dictionary<string, ScoreChange> Outcomes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Per measure code: the change in the comparison group.</summary>
    public Dictionary<string, ScoreChange> Comparison { get; set; } = new(StringComparer.Ordinal);

    /// <summary>GP appointments and A&amp;E attendances changed together: "Δgp|Δae" → people, for the cost offset at
    /// whatever unit costs are configured when the report is read.</summary>
    public Dictionary<string, int> NhsUseChanges { get; set; } = new(StringComparer.Ordinal);

    public void Add(EvidenceRow row, MeasureCatalogue measures, int sign = 1)
    {
        Referred += sign;
        var accepted = row.Chase == ChaseResult.Accepted;
        var tookUp = ReferralFunnel.TookUp(row);
        if (accepted)
        {
            Accepted += sign;
            if (row.Acceptance is { } acceptance)
            {
                Histogram.Add(AcceptedBy, acceptance.ProviderId, sign);
            }
        }
        else
        {
            switch (row.Chase)
            {
                case ChaseResult.AllDeclined: AllDeclined += sign; break;
                case ChaseResult.NoProvider: NoProvider += sign; break;
                case ChaseResult.Withdrawn: WithdrawnBeforeAcceptance += sign; break;
                case ChaseResult.InProgress: InProgress += sign; break;
            }
        }

        foreach (var code in row.Offers.Select(o => o.DropCode).OfType<string>())
        {
            Histogram.Add(Declines, code, sign);
        }

        foreach (var offer in row.Offers)
        {
            if (offer.Answer is OfferAnswer.Accepted or OfferAnswer.Declined && offer.AnsweredAt is { } answeredAt)
            {
                Histogram.Add(DaysOfferedToAnswer, Math.Max(0, Math.Round((answeredAt - offer.OfferedAt).TotalMinutes)) / (24 * 60), sign);
            }
        }

        if (row.DaysToFirstAnswer is { } answer)
        {
            Histogram.Add(DaysToFirstAnswer, answer, sign);
        }

        if (accepted)
        {
            Connections += sign * row.Connections;
            ConnectionsTakenUp += sign * row.ConnectionsTakenUp;
            if (row.Connections > 0)
            {
                PeopleConnected += sign;
            }

            if (row.Episode is { } episode)
            {
                LinkWorkPeople += sign;
                Contacts += sign * episode.Contacts;
                GoalsSet += sign * episode.GoalsSet;
                GoalsMet += sign * episode.GoalsMet;
                LinkWorkConnections += sign * row.Connections;
                LinkWorkConnectionsTakenUp += sign * row.ConnectionsTakenUp;
                if (row.Connections > 0)
                {
                    LinkWorkPeopleConnected += sign;
                }

                if (row.DaysToFirstContact is { } firstContact)
                {
                    Histogram.Add(DaysToFirstContact, firstContact, sign);
                }

                LinkWorkConnectionsStarted += sign * (row.ConnectionsStarted ?? 0);
                if (episode.FirstAssessment is { } first)
                {
                    LinkWorkPeopleAssessed += sign;
                    foreach (var measure in measures.ReportedAs(MeasureReporting.Outcome))
                    {
                        var before = measure.ScoreIn(first);
                        var after = episode.LastAssessment is { } last ? measure.ScoreIn(last) : null;
                        if (before is not null || after is not null)
                        {
                            (Assessments.TryGetValue(measure.Code, out var change) ? change : Assessments[measure.Code] = new ScoreChange()).Add(before, after, sign);
                        }
                    }
                }
            }

            AddEngagement(row, sign);

            if (row.DaysToAcceptance is { } accept)
            {
                Histogram.Add(DaysToAcceptance, accept, sign);
            }

            if (row.DaysToFirstSession is { } session)
            {
                Histogram.Add(DaysToFirstSession, session, sign);
            }

            if (row.FollowUpResult == FollowUpResult.Withdrawn)
            {
                WithdrawnAfterAcceptance += sign;
            }
            else if (row.Attended == false)
            {
                DidNotAttend += sign;
            }
        }

        if (tookUp)
        {
            Engaged += sign;
            if (row.FollowUpSent)
            {
                FollowedUp += sign;
                switch (row.FollowUpResult)
                {
                    case FollowUpResult.Answered: Responded += sign; break;
                    case FollowUpResult.NoResponse: NoResponse += sign; break;
                    case FollowUpResult.OptedOut: OptedOut += sign; break;
                    case FollowUpResult.SurveyOpen: SurveyOpen += sign; break;
                }
            }
            else if (row.FollowUpResult == FollowUpResult.OptedOut)
            {
                OptedOutBeforeSurvey += sign;
            }
            else if (row.FollowUpResult == FollowUpResult.Waiting)
            {
                NotYetDue += sign;
            }

            if (row.FollowUpResult is FollowUpResult.Answered or FollowUpResult.NoResponse or FollowUpResult.OptedOut)
            {
                AddScores(Outcomes, row, measures.ReportedAs(MeasureReporting.Outcome).Concat(measures.ReportedAs(MeasureReporting.NhsUse)), sign);
                if (row.WithLinkWorker)
                {
                    // Took up at least one onward connection, or none: two groups that chose differently (not randomised).
                    var tookUpOnward = row.ConnectionsTakenUp > 0;
                    if (tookUpOnward)
                    {
                        OnwardTookUpPeople += sign;
                    }
                    else
                    {
                        OnwardNonePeople += sign;
                    }

                    AddScores(tookUpOnward ? OnwardTookUpOutcomes : OnwardNoneOutcomes, row, measures.ReportedAs(MeasureReporting.Outcome), sign);
                }

                if (row.Baseline.TryGetValue(CostOffset.GpAppointments, out var gpBefore) && row.Baseline.TryGetValue(CostOffset.AeAttendances, out var aeBefore)
                    && row.FollowUp.TryGetValue(CostOffset.GpAppointments, out var gpAfter) && row.FollowUp.TryGetValue(CostOffset.AeAttendances, out var aeAfter))
                {
                    Histogram.Add(NhsUseChanges, NhsUseKey(gpAfter - gpBefore, aeAfter - aeBefore), sign);
                }
            }
        }
        else if (row.FollowUpResult == FollowUpResult.Answered)
        {
            ComparisonGroup += sign;
            AddScores(Comparison, row, measures.ReportedAs(MeasureReporting.Outcome), sign);
        }
    }

    public void Merge(EvidenceCell other)
    {
        Referred += other.Referred;
        Accepted += other.Accepted;
        Engaged += other.Engaged;
        FollowedUp += other.FollowedUp;
        Responded += other.Responded;
        AllDeclined += other.AllDeclined;
        NoProvider += other.NoProvider;
        WithdrawnBeforeAcceptance += other.WithdrawnBeforeAcceptance;
        InProgress += other.InProgress;
        WithdrawnAfterAcceptance += other.WithdrawnAfterAcceptance;
        DidNotAttend += other.DidNotAttend;
        OptedOutBeforeSurvey += other.OptedOutBeforeSurvey;
        NotYetDue += other.NotYetDue;
        NoResponse += other.NoResponse;
        OptedOut += other.OptedOut;
        SurveyOpen += other.SurveyOpen;
        ComparisonGroup += other.ComparisonGroup;
        Connections += other.Connections;
        ConnectionsTakenUp += other.ConnectionsTakenUp;
        PeopleConnected += other.PeopleConnected;
        LinkWorkPeople += other.LinkWorkPeople;
        Contacts += other.Contacts;
        LinkWorkConnections += other.LinkWorkConnections;
        LinkWorkConnectionsTakenUp += other.LinkWorkConnectionsTakenUp;
        LinkWorkPeopleConnected += other.LinkWorkPeopleConnected;
        GoalsSet += other.GoalsSet;
        GoalsMet += other.GoalsMet;
        LinkWorkConnectionsStarted += other.LinkWorkConnectionsStarted;
        LinkWorkPeopleAssessed += other.LinkWorkPeopleAssessed;
        OnwardTookUpPeople += other.OnwardTookUpPeople;
        OnwardNonePeople += other.OnwardNonePeople;
        ProviderReported += other.ProviderReported;
        ProviderAttended += other.ProviderAttended;
        ProviderDeclined += other.ProviderDeclined;
        ProviderFinished += other.ProviderFinished;
        ProviderStopped += other.ProviderStopped;
        PersonAnswered += other.PersonAnswered;
        PersonAttended += other.PersonAttended;
        PersonNotAttended += other.PersonNotAttended;
        MergeCounts(DaysToFirstSessionAttended, other.DaysToFirstSessionAttended);
        MergeCounts(SessionsReported, other.SessionsReported);
        MergeCounts(SessionsSaid, other.SessionsSaid);
        MergeChanges(Assessments, other.Assessments);
        MergeChanges(OnwardTookUpOutcomes, other.OnwardTookUpOutcomes);
        MergeChanges(OnwardNoneOutcomes, other.OnwardNoneOutcomes);
        MergeCounts(DaysToFirstContact, other.DaysToFirstContact);
        MergeCounts(Declines, other.Declines);
        MergeCounts(AcceptedBy, other.AcceptedBy);
        MergeCounts(DaysToFirstAnswer, other.DaysToFirstAnswer);
        MergeCounts(DaysToAcceptance, other.DaysToAcceptance);
        MergeCounts(DaysOfferedToAnswer, other.DaysOfferedToAnswer);
        MergeCounts(DaysToFirstSession, other.DaysToFirstSession);
        MergeCounts(NhsUseChanges, other.NhsUseChanges);
        MergeChanges(Outcomes, other.Outcomes);
        MergeChanges(Comparison, other.Comparison);
    }

    /// <summary>Nothing counted: a delta that changes nothing, or a cell every referral has left.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty =>
        Referred == 0 && Accepted == 0 && Engaged == 0 && FollowedUp == 0 && Responded == 0 && AllDeclined == 0 && NoProvider == 0
        && WithdrawnBeforeAcceptance == 0 && InProgress == 0 && WithdrawnAfterAcceptance == 0 && DidNotAttend == 0 && OptedOutBeforeSurvey == 0
        && NotYetDue == 0 && NoResponse == 0 && OptedOut == 0 && SurveyOpen == 0 && ComparisonGroup == 0 && Connections == 0 && ConnectionsTakenUp == 0 && PeopleConnected == 0 && LinkWorkPeople == 0 && Contacts == 0
        && LinkWorkConnections == 0 && LinkWorkConnectionsTakenUp == 0 && LinkWorkPeopleConnected == 0 && GoalsSet == 0 && GoalsMet == 0 && DaysToFirstContact.Count == 0 && Declines.Count == 0 && AcceptedBy.Count == 0
        && DaysToFirstAnswer.Count == 0 && DaysToAcceptance.Count == 0 && DaysOfferedToAnswer.Count == 0 && DaysToFirstSession.Count == 0 && NhsUseChanges.Count == 0
        && Outcomes.Values.All(c => c.IsEmpty) && Comparison.Values.All(c => c.IsEmpty)
        && LinkWorkConnectionsStarted == 0 && LinkWorkPeopleAssessed == 0 && OnwardTookUpPeople == 0 && OnwardNonePeople == 0
        && ProviderReported == 0 && ProviderAttended == 0 && ProviderDeclined == 0 && ProviderFinished == 0 && ProviderStopped == 0
        && PersonAnswered == 0 && PersonAttended == 0 && PersonNotAttended == 0
        && DaysToFirstSessionAttended.Count == 0 && SessionsReported.Count == 0 && SessionsSaid.Count == 0
        && Assessments.Values.All(c => c.IsEmpty) && OnwardTookUpOutcomes.Values.All(c => c.IsEmpty) && OnwardNoneOutcomes.Values.All(c => c.IsEmpty);

    /// <summary>Drops the measures whose change sums to nothing (after a referral left the cell), so a cell kept up
    /// to date and one counted afresh over the same referrals are the same.</summary>
    public EvidenceCell Pruned()
    {
        foreach (var changes in new[] { Outcomes, Comparison, Assessments, OnwardTookUpOutcomes, OnwardNoneOutcomes })
        {
            foreach (var code in changes.Where(c => c.Value.IsEmpty).Select(c => c.Key).ToList())
            {
                changes.Remove(code);
            }
        }

        return this;
    }

    public static string NhsUseKey(double gpChange, double aeChange) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{gpChange:R}|{aeChange:R}");

    public static (double Gp, double Ae) ParseNhsUseKey(string key)
    {
        var bar = key.IndexOf('|', StringComparison.Ordinal);
        return (double.Parse(key[..bar], System.Globalization.CultureInfo.InvariantCulture), double.Parse(key[(bar + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Engagement after acceptance from its two sources, kept apart: what the accepting provider reported
    /// (<see cref="EvidenceRow.Engagement"/>) and what the person said at follow-up.</summary>
    private void AddEngagement(EvidenceRow row, int sign)
    {
        if (row.Engagement is { } reported)
        {
            ProviderReported += sign;
            if (reported.Attended)
            {
                ProviderAttended += sign;
            }

            if (row.DaysToFirstSessionAttended is { } days)
            {
                Histogram.Add(DaysToFirstSessionAttended, days, sign);
            }

            if (reported.Sessions is { } sessions)
            {
                Histogram.Add(SessionsReported, sessions, sign);
            }

            switch (reported.Ended)
            {
                case ProviderEnding.Declined: ProviderDeclined += sign; break;
                case ProviderEnding.Finished: ProviderFinished += sign; break;
                case ProviderEnding.Stopped: ProviderStopped += sign; break;
            }
        }

        if (row.FollowUpResult == FollowUpResult.Answered)
        {
            PersonAnswered += sign;
            switch (row.Attended)
            {
                case true: PersonAttended += sign; break;
                case false: PersonNotAttended += sign; break;
            }

            if (row.SessionsSaid is { } said)
            {
                Histogram.Add(SessionsSaid, said, sign);
            }
        }
    }

    private static void AddScores(Dictionary<string, ScoreChange> changes, EvidenceRow row, IEnumerable<OutcomeMeasure> measures, int sign)
    {
        foreach (var measure in measures)
        {
            var before = measure.ScoreIn(row.Baseline);
            var after = measure.ScoreIn(row.FollowUp);
            if (before is null && after is null)
            {
                continue;
            }

            (changes.TryGetValue(measure.Code, out var change) ? change : changes[measure.Code] = new ScoreChange()).Add(before, after, sign);
        }
    }

    private static void MergeCounts<TKey>(Dictionary<TKey, int> into, Dictionary<TKey, int> from) where TKey : notnull
    {
        foreach (var (key, count) in from)
        {
            Histogram.Add(into, key, count);
        }
    }

    private static void MergeChanges(Dictionary<string, ScoreChange> into, Dictionary<string, ScoreChange> from)
    {
        foreach (var (code, change) in from)
        {
            (into.TryGetValue(code, out var mine) ? mine : into[code] = new ScoreChange()).Merge(change);
        }
    }
}

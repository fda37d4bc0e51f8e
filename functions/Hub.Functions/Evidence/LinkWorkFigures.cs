using Hl7.Fhir.Model;
using Hub.FollowUp;

namespace Hub.Evidence;

/// <summary>What a link worker's episode adds to one referral's evidence row: contacts, the first contact's day, the
/// plan's goals (set, and achieved), and the link worker's own wellbeing assessments (the first and, when there are two
/// or more, the last, as scores per measure code). Counts, dates and scores only: what matters to the person stays in
/// the episode.</summary>
/// <param name="FirstAssessment">The link worker's first assessment, per measure code; null when none was taken.</param>
/// <param name="LastAssessment">The link worker's last assessment, when more than one was taken.</param>
public sealed record EpisodeFacts(int Contacts, DateOnly? FirstContact, int GoalsSet, int GoalsMet,
    IReadOnlyDictionary<string, double>? FirstAssessment = null, IReadOnlyDictionary<string, double>? LastAssessment = null)
{
    /// <param name="instrument">The Questionnaire the assessments are taken from (the follow-up's, whose ONS4 section
    /// the link worker asks), to turn each question's linkId into its measure code.</param>
    public static EpisodeFacts Of(Hub.LinkWork.Episode episode, Questionnaire instrument)
    {
        var taken = episode.Taken.OrderBy(a => a.Date).ThenBy(a => a.Number).ToList();
        IReadOnlyDictionary<string, double>? Scores(Hub.LinkWork.EpisodeAssessment assessment) =>
            SurveyAnswers.Measures(instrument, assessment.Scores.ToDictionary(s => s.Key, s => new SurveyAnswer(s.Key, Number: s.Value), StringComparer.Ordinal))
                .ToDictionary(m => m.Key, m => (double)m.Value, StringComparer.Ordinal);
        return new(
            episode.Contacts.Count,
            episode.Contacts.Count == 0 ? null : episode.Contacts.Min(c => c.Date),
            episode.Goals.Count,
            episode.Goals.Count(g => g.Progress == Hub.LinkWork.GoalProgress.Achieved),
            taken.Count == 0 ? null : Scores(taken[0]),
            taken.Count < 2 ? null : Scores(taken[^1]));
    }
}

/// <summary>The outcome change (the follow-up survey, baseline to follow-up) of the people a link worker saw, split by
/// whether they took up at least one onward connection (an activity accepted them) or none. Not randomised: the two
/// groups chose differently, and may differ in ways the hub cannot see, so the difference is not an effect.</summary>
public sealed record OnwardComparison(Figure TookUpPeople, Figure NonePeople, IReadOnlyList<OutcomeChange> TookUp, IReadOnlyList<OutcomeChange> None);

/// <summary>The figures of link-worker services over the referrals they accepted and opened an episode for: people,
/// contacts per person, days from acceptance to the first contact, onward connections made and taken up per person, and
/// goals set and met. Counts under the <see cref="DisclosureRule"/>; per-person means and the median only for enough people.</summary>
public sealed record LinkWorkFigures(
    Figure People,
    Figure Contacts,
    double? ContactsPerPerson,
    Figure FirstContacts,
    double? MedianDaysToFirstContact,
    Figure Connections,
    Figure ConnectionsTakenUp,
    Figure PeopleConnected,
    double? ConnectionsPerPerson,
    double? TakenUpPerPerson,
    Figure GoalsSet,
    Figure GoalsMet,
    Figure ConnectionsStarted,
    double? StartedPerPerson,
    Figure PeopleAssessed,
    IReadOnlyList<OutcomeChange> Assessments,
    OnwardComparison Onward)
{
    /// <summary>The figures as the page's table and the MeasureReport's groups both print them, in one order: a code,
    /// a label, the count, and the per-person value or median days (null when withheld; <c>Statistic</c> says which
    /// rows have one).</summary>
    public IReadOnlyList<LinkWorkLine> Lines =>
    [
        new("link-work-people", "People with a link worker's episode", People, LinkWorkStatistic.None, null),
        new("link-work-contacts", "Contacts with the link worker", Contacts, LinkWorkStatistic.PerPerson, ContactsPerPerson),
        new("link-work-first-contact", "People contacted, days from acceptance to first contact", FirstContacts, LinkWorkStatistic.MedianDays, MedianDaysToFirstContact),
        new("link-work-connections", "Onward connections made", Connections, LinkWorkStatistic.PerPerson, ConnectionsPerPerson),
        new("link-work-connections-taken-up", "Onward connections taken up (accepted by the activity)", ConnectionsTakenUp, LinkWorkStatistic.PerPerson, TakenUpPerPerson),
        new("link-work-connections-started", "Onward connections where the activity reported the person at a session", ConnectionsStarted, LinkWorkStatistic.PerPerson, StartedPerPerson),
        new("link-work-people-connected", "People connected to at least one activity", PeopleConnected, LinkWorkStatistic.None, null),
        new("link-work-goals-set", "Goals in the personalised plans", GoalsSet, LinkWorkStatistic.None, null),
        new("link-work-goals-met", "Goals met", GoalsMet, LinkWorkStatistic.None, null),
        new("link-work-people-assessed", "People the link worker assessed (wellbeing, at least once)", PeopleAssessed, LinkWorkStatistic.None, null),
    ];

    /// <param name="measures">The instruments' measures: the assessments' and the onward comparison's, in report order.</param>
    public static LinkWorkFigures FromCell(EvidenceCell cell, DisclosureRule rule, MeasureCatalogue measures)
    {
        var outcomes = measures.ReportedAs(MeasureReporting.Outcome).ToList();
        var people = cell.LinkWorkPeople;
        var enough = rule.ShowsStatistics(people);
        double? PerPerson(int total) => enough && people > 0 ? rule.Mean((double)total / people) : null;
        var firstContacts = Histogram.Total(cell.DaysToFirstContact);
        return new LinkWorkFigures(
            rule.Count(people),
            rule.Count(cell.Contacts),
            PerPerson(cell.Contacts),
            rule.Count(firstContacts),
            rule.ShowsStatistics(firstContacts) ? rule.Days(Histogram.Quantile(cell.DaysToFirstContact, 0.5)) : null,
            rule.Count(cell.LinkWorkConnections),
            rule.Count(cell.LinkWorkConnectionsTakenUp),
            rule.Count(cell.LinkWorkPeopleConnected),
            PerPerson(cell.LinkWorkConnections),
            PerPerson(cell.LinkWorkConnectionsTakenUp),
            rule.Count(cell.GoalsSet),
            rule.Count(cell.GoalsMet),
            rule.Count(cell.LinkWorkConnectionsStarted),
            PerPerson(cell.LinkWorkConnectionsStarted),
            rule.Count(cell.LinkWorkPeopleAssessed),
            // The link worker's own assessments: the measures it asks (the ONS4 items), first assessment to last.
            outcomes.Where(m => cell.Assessments.ContainsKey(m.Code)).Select(m => OutcomeChanges.FromSums(cell.Assessments[m.Code], m, rule)).ToList(),
            new OnwardComparison(rule.Count(cell.OnwardTookUpPeople), rule.Count(cell.OnwardNonePeople),
                outcomes.Select(m => OutcomeChanges.FromSums(cell.OnwardTookUpOutcomes.GetValueOrDefault(m.Code), m, rule)).ToList(),
                outcomes.Select(m => OutcomeChanges.FromSums(cell.OnwardNoneOutcomes.GetValueOrDefault(m.Code), m, rule)).ToList()));
    }
}

/// <summary>What a link-work line's second figure is.</summary>
public enum LinkWorkStatistic
{
    None,
    /// <summary>The count divided by the people with an episode.</summary>
    PerPerson,
    /// <summary>The median, in whole days.</summary>
    MedianDays,
}

/// <summary>One line of <see cref="LinkWorkFigures.Lines"/>.</summary>
public sealed record LinkWorkLine(string Code, string Label, Figure Count, LinkWorkStatistic Statistic, double? Value)
{
    /// <summary>The second figure as the page prints it: "–" when the line has none, "withheld" for too few people.</summary>
    public string ValueText(DisclosureRule rule) => Statistic switch
    {
        LinkWorkStatistic.None => "–",
        _ when Value is null => "withheld",
        LinkWorkStatistic.PerPerson => rule.MeanText(Value.Value),
        _ => rule.DaysText(Value.Value),
    };
}

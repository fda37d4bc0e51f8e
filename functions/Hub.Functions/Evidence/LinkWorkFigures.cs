namespace Hub.Evidence;

/// <summary>What a link worker's episode adds to one referral's evidence row: contacts, the first contact's day, and
/// the plan's goals (set, and achieved). Counts and dates only: what matters to the person stays in the episode.</summary>
public sealed record EpisodeFacts(int Contacts, DateOnly? FirstContact, int GoalsSet, int GoalsMet)
{
    public static EpisodeFacts Of(Hub.LinkWork.Episode episode) => new(
        episode.Contacts.Count,
        episode.Contacts.Count == 0 ? null : episode.Contacts.Min(c => c.Date),
        episode.Goals.Count,
        episode.Goals.Count(g => g.Progress == Hub.LinkWork.GoalProgress.Achieved));
}

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
    Figure GoalsMet)
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
        new("link-work-people-connected", "People connected to at least one activity", PeopleConnected, LinkWorkStatistic.None, null),
        new("link-work-goals-set", "Goals in the personalised plans", GoalsSet, LinkWorkStatistic.None, null),
        new("link-work-goals-met", "Goals met", GoalsMet, LinkWorkStatistic.None, null),
    ];

    public static LinkWorkFigures FromCell(EvidenceCell cell, DisclosureRule rule)
    {
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
            rule.Count(cell.GoalsMet));
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

using System.Globalization;
using Hub.Referrals;

namespace Hub.LinkWork;

/// <summary>One change as the link worker made it, checked: codes, numbers and the person's words (the words go to the
/// episode row only).</summary>
public sealed record EpisodeEntry(EpisodeChange Change, DateOnly? Date = null, ContactMode? Mode = null, int? Minutes = null, string? Text = null,
    int? Importance = null, int? Confidence = null, int? Goal = null, int? Action = null, GoalProgress? Progress = null, PlanActionStatus? Status = null,
    EpisodeCloseReason? CloseReason = null, IReadOnlyDictionary<string, int>? Scores = null);

/// <summary>What a form of the episode page (or a provider API call, with the same field names) asked for, checked.
/// Dates come as <c>{prefix}-day</c>, <c>-month</c>, <c>-year</c> (the page) or <c>{prefix}-date</c> as yyyy-MM-dd
/// (the API).</summary>
public sealed record EpisodeForm(EpisodeEntry? Entry, int Sequence, List<(string Field, string Message)> Errors)
{
    public const int MaxMinutes = 600;
    public const int MaxNeedLength = 500;
    public const int MaxWhatMattersLength = 2000;
    public const int MaxGoalLength = 300;
    public const int MaxActionLength = 300;
    public const int MaxContacts = 200;
    public const int MaxNeeds = 20;
    public const int MaxGoals = 10;
    public const int MaxActionsPerGoal = 10;
    public const int MaxAssessments = 20;

    /// <param name="questions">The assessment's questions (<see cref="EpisodeAssessments.Questions"/>): each score comes in its field.</param>
    public static EpisodeForm Read(Func<string, string> field, DateOnly today, IReadOnlyList<AssessmentQuestion>? questions = null)
    {
        var errors = new List<(string Field, string Message)>();
        var sequence = int.TryParse(field("n"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
        EpisodeForm Fail(string name, string message)
        {
            errors.Add((name, message));
            return new EpisodeForm(null, sequence, errors);
        }

        EpisodeForm Done(EpisodeEntry entry) => new(entry, sequence, errors);

        if (!StoredSpelling.TryParse<EpisodeChange>(field("change"), out var change))
        {
            return Fail("change", "Choose what to record");
        }

        switch (change)
        {
            case EpisodeChange.Contact:
            {
                if (ReadDate(field, "contact") is not { } date)
                {
                    return Fail("contact-day", "Enter the date of the contact, like 27 3 2027");
                }

                if (date > today)
                {
                    return Fail("contact-day", "The date of the contact must be today or in the past");
                }

                if (!StoredSpelling.TryParse<ContactMode>(field("contact-mode"), out var mode))
                {
                    return Fail("contact-mode", "Select how the contact happened");
                }

                if (!Number(field("contact-minutes"), 1, MaxMinutes, out var minutes))
                {
                    return Fail("contact-minutes", $"Enter how long the contact took in minutes, from 1 to {MaxMinutes}");
                }

                return Done(new EpisodeEntry(change, Date: date, Mode: mode, Minutes: minutes));
            }

            case EpisodeChange.Need:
                return Words(field("need-text"), MaxNeedLength) is { } need
                    ? Done(new EpisodeEntry(change, Text: need))
                    : Fail("need-text", $"Enter the need or concern in the person's words, up to {MaxNeedLength} characters");
            case EpisodeChange.WhatMatters:
                return Words(field("what-matters"), MaxWhatMattersLength) is { } matters
                    ? Done(new EpisodeEntry(change, Text: matters))
                    : Fail("what-matters", $"Enter what matters to the person, up to {MaxWhatMattersLength} characters");
            case EpisodeChange.Goal:
            {
                if (Words(field("goal-text"), MaxGoalLength) is not { } goal)
                {
                    return Fail("goal-text", $"Enter the goal in the person's words, up to {MaxGoalLength} characters");
                }

                if (!Number(field("goal-importance"), 1, 10, out var importance))
                {
                    return Fail("goal-importance", "Select how important the goal is to the person, from 1 to 10");
                }

                return Number(field("goal-confidence"), 1, 10, out var confidence)
                    ? Done(new EpisodeEntry(change, Text: goal, Importance: importance, Confidence: confidence))
                    : Fail("goal-confidence", "Select how confident the person is of reaching it, from 1 to 10");
            }

            case EpisodeChange.GoalProgress:
            {
                if (!Number(field("progress-goal"), 1, MaxGoals, out var goal))
                {
                    return Fail("progress-goal", "Select the goal");
                }

                return StoredSpelling.TryParse<GoalProgress>(field("progress"), out var progress)
                    ? Done(new EpisodeEntry(change, Goal: goal, Progress: progress))
                    : Fail("progress", "Select where the goal stands");
            }

            case EpisodeChange.Action:
            {
                if (!Number(field("action-goal"), 1, MaxGoals, out var goal))
                {
                    return Fail("action-goal", "Select the goal the action is for");
                }

                return Words(field("action-text"), MaxActionLength) is { } action
                    ? Done(new EpisodeEntry(change, Goal: goal, Text: action))
                    : Fail("action-text", $"Enter the action, up to {MaxActionLength} characters");
            }

            case EpisodeChange.ActionStatus:
            {
                // The page's choice is "goal.action"; the API may send them apart.
                var both = field("status-action").Split('.');
                var (goalText, actionText) = both.Length == 2 ? (both[0], both[1]) : (field("status-goal"), field("status-action"));
                if (!Number(goalText, 1, MaxGoals, out var goal) || !Number(actionText, 1, MaxActionsPerGoal, out var action))
                {
                    return Fail("status-action", "Select the action");
                }

                return StoredSpelling.TryParse<PlanActionStatus>(field("action-status"), out var status)
                    ? Done(new EpisodeEntry(change, Goal: goal, Action: action, Status: status))
                    : Fail("action-status", "Select where the action stands");
            }

            case EpisodeChange.ReviewDate:
            {
                if (ReadDate(field, "review") is not { } date)
                {
                    return Fail("review-day", "Enter the date of the plan's review, like 27 3 2027");
                }

                return date < today
                    ? Fail("review-day", "The review date must be today or in the future")
                    : Done(new EpisodeEntry(change, Date: date));
            }

            case EpisodeChange.Assessment:
            {
                if (ReadDate(field, "assessment") is not { } date)
                {
                    return Fail("assessment-day", "Enter the date the assessment was taken, like 27 3 2027");
                }

                if (date > today)
                {
                    return Fail("assessment-day", "The date of the assessment must be today or in the past");
                }

                var scores = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var question in questions ?? [])
                {
                    if (!Number(field(question.Field), question.Min, question.Max, out var score))
                    {
                        errors.Add((question.Field, $"Select the person's answer to \"{question.Text}\", from {question.Min} to {question.Max}"));
                        continue;
                    }

                    scores[question.LinkId] = score;
                }

                if (errors.Count > 0)
                {
                    return new EpisodeForm(null, sequence, errors);
                }

                return scores.Count > 0 ? Done(new EpisodeEntry(change, Date: date, Scores: scores)) : Fail("change", "Choose what to record");
            }

            case EpisodeChange.Close:
                return StoredSpelling.TryParse<EpisodeCloseReason>(field("close-reason"), out var reason)
                    ? Done(new EpisodeEntry(change, CloseReason: reason))
                    : Fail("close-reason", "Select why the episode is closing");
            default:
                return Fail("change", "Choose what to record");
        }
    }

    /// <summary>Applies a checked change to the episode; an error (field, message) when it names a goal or action the
    /// plan does not have, or the plan is full.</summary>
    /// <param name="now">When the change is recorded (an assessment keeps it as its QuestionnaireResponse's authored time).</param>
    public static (Episode? Changed, (string Field, string Message)? Error) Apply(Episode episode, EpisodeEntry entry, DateTimeOffset now = default)
    {
        switch (entry.Change)
        {
            case EpisodeChange.Contact when episode.Contacts.Count >= MaxContacts:
                return (null, ("contact-day", $"The episode already holds {MaxContacts} contacts"));
            case EpisodeChange.Contact:
                return (episode with { Contacts = [.. episode.Contacts, new EpisodeContact(entry.Date!.Value, entry.Mode!.Value, entry.Minutes!.Value)] }, null);
            case EpisodeChange.Need when episode.Needs.Count >= MaxNeeds:
                return (null, ("need-text", $"The episode already holds {MaxNeeds} needs and concerns"));
            case EpisodeChange.Need:
                return (episode with { Needs = [.. episode.Needs, new EpisodeNeed(episode.Needs.Count + 1, EpisodeCodes.NeedsAndConcernsRefset, entry.Text!)] }, null);
            case EpisodeChange.WhatMatters:
                return (episode with { WhatMatters = entry.Text }, null);
            case EpisodeChange.Goal when episode.Goals.Count >= MaxGoals:
                return (null, ("goal-text", $"The plan already holds {MaxGoals} goals"));
            case EpisodeChange.Goal:
                return (episode with { Goals = [.. episode.Goals, new PlanGoal(episode.Goals.Count + 1, entry.Text!, entry.Importance!.Value, entry.Confidence!.Value, GoalProgress.InProgress, [])] }, null);
            case EpisodeChange.GoalProgress:
                return Goal(episode, entry.Goal!.Value, "progress-goal", g => (g with { Progress = entry.Progress!.Value }, null));
            case EpisodeChange.Action:
                return Goal(episode, entry.Goal!.Value, "action-goal", g => g.Actions.Count >= MaxActionsPerGoal
                    ? (null, ("action-text", $"The goal already holds {MaxActionsPerGoal} actions"))
                    : (g with { Actions = [.. g.Actions, new PlanAction(g.Actions.Count + 1, entry.Text!, PlanActionStatus.NotStarted)] }, null));
            case EpisodeChange.ActionStatus:
                return Goal(episode, entry.Goal!.Value, "status-action", g => entry.Action!.Value > g.Actions.Count
                    ? (null, ("status-action", "Select an action of the plan"))
                    : (g with { Actions = [.. g.Actions.Select(a => a.Number == entry.Action ? a with { Status = entry.Status!.Value } : a)] }, null));
            case EpisodeChange.ReviewDate:
                return (episode with { ReviewDate = entry.Date }, null);
            case EpisodeChange.Assessment when episode.Taken.Count >= MaxAssessments:
                return (null, ("assessment-day", $"The episode already holds {MaxAssessments} assessments"));
            case EpisodeChange.Assessment:
                return (episode with { Assessments = [.. episode.Taken, new EpisodeAssessment(episode.Taken.Count + 1, entry.Date!.Value, entry.Scores!, now)] }, null);
            case EpisodeChange.Close:
                return (episode with { Closed = entry.CloseReason }, null);
            default:
                return (null, ("change", "Choose what to record"));
        }
    }

    private static (Episode?, (string, string)?) Goal(Episode episode, int number, string field, Func<PlanGoal, (PlanGoal?, (string, string)?)> change)
    {
        if (number > episode.Goals.Count)
        {
            return (null, (field, "Select a goal of the plan"));
        }

        var (changed, error) = change(episode.Goals[number - 1]);
        return changed is null ? (null, error) : (episode with { Goals = [.. episode.Goals.Select(g => g.Number == number ? changed : g)] }, null);
    }

    private static DateOnly? ReadDate(Func<string, string> field, string prefix)
    {
        var iso = field($"{prefix}-date").Trim();
        if (iso.Length > 0)
        {
            return DateOnly.TryParseExact(iso, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
        }

        var (day, month, year) = (field($"{prefix}-day").Trim(), field($"{prefix}-month").Trim(), field($"{prefix}-year").Trim());
        return DateOnly.TryParseExact($"{year}-{month.PadLeft(2, '0')}-{day.PadLeft(2, '0')}", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : null;
    }

    private static bool Number(string text, int min, int max, out int value) =>
        int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;

    private static string? Words(string text, int max)
    {
        var trimmed = text.Trim();
        return trimmed.Length is 0 || trimmed.Length > max ? null : trimmed;
    }
}

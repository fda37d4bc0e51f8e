using Azure;

namespace Hub.LinkWork;

/// <summary>One contact with the person: when, how, how long.</summary>
public sealed record EpisodeContact(DateOnly Date, ContactMode Mode, int Minutes);

/// <summary>A need or concern the person named: the refset it belongs to (<see cref="EpisodeCodes.NeedsAndConcernsRefset"/>)
/// and their words. Free text: kept in the episode row only.</summary>
public sealed record EpisodeNeed(int Number, string Category, string Text);

/// <summary>An action of the plan, under its goal.</summary>
public sealed record PlanAction(int Number, string Text, PlanActionStatus Status);

/// <summary>A goal of the personalised care and support plan, in the person's words, with its importance to them and
/// their confidence (1–10 each), and its actions.</summary>
public sealed record PlanGoal(int Number, string Text, int Importance, int Confidence, GoalProgress Progress, IReadOnlyList<PlanAction> Actions);

/// <summary>A wellbeing assessment the link worker took with the person: the date taken, and the score of each question of
/// the instrument's section (<see cref="EpisodeAssessments"/>: the follow-up's ONS4), by the question's linkId. Numbers only.</summary>
public sealed record EpisodeAssessment(int Number, DateOnly Date, IReadOnlyDictionary<string, int> Scores, DateTimeOffset Recorded);

/// <summary>The link worker's episode with the person (the Episodes table, one row per referral): contacts, what
/// matters, the personalised care and support plan, and how it closed. <see cref="Version"/> counts the changes; a form carries the version
/// it was made from, so a stale or replayed form changes nothing.</summary>
public sealed record Episode(string ReferralId, string ServiceId, string PracticeOds, string TaskId, int Version, DateTimeOffset Started, DateTimeOffset? Updated,
    IReadOnlyList<EpisodeContact> Contacts, IReadOnlyList<EpisodeNeed> Needs, string? WhatMatters, IReadOnlyList<PlanGoal> Goals, DateOnly? ReviewDate, ETag ETag,
    EpisodeCloseReason? Closed = null, DateTimeOffset? ClosedAt = null, bool CloseApplied = false, DateOnly? ReviewReminded = null,
    IReadOnlyList<EpisodeAssessment>? Assessments = null)
{
    /// <summary>The wellbeing assessments taken, in the order recorded.</summary>
    public IReadOnlyList<EpisodeAssessment> Taken => Assessments ?? [];

    /// <summary>The id of an assessment's QuestionnaireResponse (<c>{referralId}-lw{n}</c>; its Observations add
    /// <c>-{linkId}</c>): starts with the referral's id, as the follow-up's do.</summary>
    public static string AssessmentId(string referralId, int number) => $"{referralId}-lw{number}";

    public bool IsClosed => Closed is not null;

    public static Episode Start(string referralId, string serviceId, string practiceOds, string taskId, DateTimeOffset at) =>
        new(referralId, serviceId, practiceOds, taskId, 0, at, null, [], [], null, [], null, default);

    public int Actions => Goals.Sum(g => g.Actions.Count);

    /// <summary>The CarePlan's id (<c>CarePlan/{referralId}</c>: one plan per referral).</summary>
    public string CarePlanId => ReferralId;

    public static string GoalId(string referralId, int number) => $"{referralId}-goal-{number}";

    /// <summary>The referral a Goal id belongs to and the goal's number, or null for an id the hub did not make.</summary>
    public static (string ReferralId, int Number)? ParseGoalId(string? id)
    {
        var at = id?.LastIndexOf("-goal-", StringComparison.Ordinal) ?? -1;
        return at > 0 && int.TryParse(id![(at + 6)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            ? (id[..at], n)
            : null;
    }
}

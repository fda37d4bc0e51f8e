using System.Text.Json.Serialization;
using Hub.Platform.Fhir;

namespace Hub.LinkWork;

// The link worker's episode, as the Episodes table, the pages, the provider API and the FHIR resources spell it.

/// <summary>How a contact with the person happened (the hub's CodeSystem <see cref="EpisodeCodes.ContactModeSystem"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ContactMode>))]
public enum ContactMode
{
    [JsonStringEnumMemberName("face-to-face")] FaceToFace,
    [JsonStringEnumMemberName("phone")] Phone,
    [JsonStringEnumMemberName("video")] Video,
    [JsonStringEnumMemberName("home-visit")] HomeVisit,
}

/// <summary>Where a goal of the plan stands (FHIR <c>Goal.achievementStatus</c> from
/// http://terminology.hl7.org/CodeSystem/goal-achievement, with the matching <c>lifecycleStatus</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GoalProgress>))]
public enum GoalProgress
{
    [JsonStringEnumMemberName("in-progress")] InProgress,
    [JsonStringEnumMemberName("achieved")] Achieved,
    [JsonStringEnumMemberName("not-achieved")] NotAchieved,
}

/// <summary>Where an action of the plan stands (FHIR <c>CarePlan.activity.detail.status</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PlanActionStatus>))]
public enum PlanActionStatus
{
    [JsonStringEnumMemberName("not-started")] NotStarted,
    [JsonStringEnumMemberName("in-progress")] InProgress,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("stopped")] Stopped,
}

/// <summary>One change the link worker makes to the episode: each a form on the episode page and a call of the
/// provider API (<c>POST provider/episodes/{referralId}/{change}</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EpisodeChange>))]
public enum EpisodeChange
{
    [JsonStringEnumMemberName("contact")] Contact,
    [JsonStringEnumMemberName("need")] Need,
    [JsonStringEnumMemberName("what-matters")] WhatMatters,
    [JsonStringEnumMemberName("goal")] Goal,
    [JsonStringEnumMemberName("goal-progress")] GoalProgress,
    [JsonStringEnumMemberName("action")] Action,
    [JsonStringEnumMemberName("action-status")] ActionStatus,
    [JsonStringEnumMemberName("review-date")] ReviewDate,
    [JsonStringEnumMemberName("assessment")] Assessment,
    [JsonStringEnumMemberName("close")] Close,
}

/// <summary>Why the link worker closed the episode (the hub's CodeSystem <see cref="EpisodeCodes.CloseReasonSystem"/>):
/// each ends the link worker's Task through the provider's progress report (<see cref="EpisodeCodes.ProgressOf"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EpisodeCloseReason>))]
public enum EpisodeCloseReason
{
    [JsonStringEnumMemberName("goals-met")] GoalsMet,
    [JsonStringEnumMemberName("person-declined")] PersonDeclined,
    [JsonStringEnumMemberName("could-not-engage")] CouldNotEngage,
    [JsonStringEnumMemberName("moved-away")] MovedAway,
    [JsonStringEnumMemberName("referred-elsewhere")] ReferredElsewhere,
}

/// <summary>The episode's audit events (ids and codes only).</summary>
public static class EpisodeAudit
{
    /// <summary>A change recorded: the outcome is the change's spelling and the episode's version.</summary>
    public const string Recorded = "episode-recorded";

    /// <summary>The episode page or the API read of it, by the service (every view, as the handover's).</summary>
    public const string Viewed = "episode-viewed";

    /// <summary>The episode closed: the outcome is the close reason's spelling.</summary>
    public const string Closed = "episode-closed";

    /// <summary>The review reminder went to the service: the outcome is the review date.</summary>
    public const string ReviewReminded = "episode-review-reminded";
}

public static class EpisodeCodes
{
    public const string ContactModeSystem = FhirCodes.HubBase + "/CodeSystem/link-worker-contact-mode";
    public const string CloseReasonSystem = FhirCodes.HubBase + "/CodeSystem/link-worker-close-reason";

    /// <summary>SNOMED CT 1373501000000105 <i>Social prescribing needs and concerns simple reference set</i> (PRSB
    /// Social Prescribing Information Standard). No member code of it could be confirmed in a terminology source, so a
    /// need is stored and sent with the refset as its category and the person's words as text, never with a guessed code.</summary>
    public const string NeedsAndConcernsRefset = "1373501000000105";

    public const string NeedsAndConcernsDisplay = "Social prescribing needs and concerns simple reference set";

    /// <summary>The importance of a goal to the person, 1–10 (PRSB care and support plan), an extension on <c>Goal</c>.</summary>
    public const string GoalImportanceExtension = FhirCodes.HubBase + "/StructureDefinition/goal-importance";

    /// <summary>The person's confidence of reaching a goal, 1–10 (PRSB care and support plan), an extension on <c>Goal</c>.</summary>
    public const string GoalConfidenceExtension = FhirCodes.HubBase + "/StructureDefinition/goal-confidence";

    public const string GoalAchievementSystem = "http://terminology.hl7.org/CodeSystem/goal-achievement";

    public static string Label(this ContactMode mode) => mode switch
    {
        ContactMode.FaceToFace => "Face to face",
        ContactMode.Phone => "Phone",
        ContactMode.Video => "Video",
        ContactMode.HomeVisit => "Home visit",
        _ => mode.ToString(),
    };

    public static string Label(this EpisodeCloseReason reason) => reason switch
    {
        EpisodeCloseReason.GoalsMet => "Goals met",
        EpisodeCloseReason.PersonDeclined => "The person declined",
        EpisodeCloseReason.CouldNotEngage => "Could not engage the person",
        EpisodeCloseReason.MovedAway => "The person moved away",
        EpisodeCloseReason.ReferredElsewhere => "Referred elsewhere",
        _ => reason.ToString(),
    };

    /// <summary>The provider's progress report a close makes: goals met and referred elsewhere finish the work (Task
    /// completed), the person declining cancels it (SNOMED CT <i>Social prescribing declined</i>), could not engage and
    /// moved away stop it (Task failed with the stop reason).</summary>
    public static Hub.Chase.ProgressEntry ProgressOf(EpisodeCloseReason reason) => reason switch
    {
        EpisodeCloseReason.GoalsMet => new(Hub.Chase.ProgressReport.Finished, Outcome: Hub.Chase.FinishOutcome.GoalsMet),
        EpisodeCloseReason.ReferredElsewhere => new(Hub.Chase.ProgressReport.Finished, Outcome: Hub.Chase.FinishOutcome.Other),
        EpisodeCloseReason.PersonDeclined => new(Hub.Chase.ProgressReport.Declined),
        EpisodeCloseReason.MovedAway => new(Hub.Chase.ProgressReport.Stopped, Reason: Hub.Chase.StopReason.MovedAway),
        _ => new(Hub.Chase.ProgressReport.Stopped, Reason: Hub.Chase.StopReason.Other),
    };

    public static string Label(this GoalProgress progress) => progress switch
    {
        GoalProgress.InProgress => "In progress",
        GoalProgress.Achieved => "Achieved",
        GoalProgress.NotAchieved => "Not achieved",
        _ => progress.ToString(),
    };

    public static string Label(this PlanActionStatus status) => status switch
    {
        PlanActionStatus.NotStarted => "Not started",
        PlanActionStatus.InProgress => "In progress",
        PlanActionStatus.Completed => "Done",
        PlanActionStatus.Stopped => "Stopped",
        _ => status.ToString(),
    };
}

using System.Text.Json.Serialization;
using Hub.Platform.Fhir;

namespace Hub.Chase;

// What the accepting provider reports after the handover, as the Chases table, the audit trail and the Task spell it.

/// <summary>One report of the accepting provider, in the page's order.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ProgressReport>))]
public enum ProgressReport
{
    [JsonStringEnumMemberName("contacted")] Contacted,
    [JsonStringEnumMemberName("could-not-contact")] CouldNotContact,
    [JsonStringEnumMemberName("first-session")] FirstSession,
    [JsonStringEnumMemberName("sessions")] Sessions,
    [JsonStringEnumMemberName("declined")] Declined,
    [JsonStringEnumMemberName("finished")] Finished,
    [JsonStringEnumMemberName("stopped")] Stopped,
}

/// <summary>How the work ended, when the provider finished it (the hub's CodeSystem <see cref="ProgressCodes.OutcomeSystem"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FinishOutcome>))]
public enum FinishOutcome
{
    [JsonStringEnumMemberName("goals-met")] GoalsMet,
    [JsonStringEnumMemberName("goals-partly-met")] GoalsPartlyMet,
    [JsonStringEnumMemberName("connected-onward")] ConnectedOnward,
    [JsonStringEnumMemberName("other")] Other,
}

/// <summary>Why the provider stopped (the hub's CodeSystem <see cref="ProgressCodes.StopReasonSystem"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StopReason>))]
public enum StopReason
{
    [JsonStringEnumMemberName("stopped-attending")] StoppedAttending,
    [JsonStringEnumMemberName("health")] Health,
    [JsonStringEnumMemberName("moved-away")] MovedAway,
    [JsonStringEnumMemberName("service-unsuitable")] ServiceUnsuitable,
    [JsonStringEnumMemberName("other")] Other,
}

public static class ProgressCodes
{
    public const string OutcomeSystem = FhirCodes.HubBase + "/CodeSystem/provider-outcome";
    public const string StopReasonSystem = FhirCodes.HubBase + "/CodeSystem/provider-stop-reason";
    public const string ContactSystem = FhirCodes.HubBase + "/CodeSystem/provider-progress";

    /// <summary>SNOMED CT 871711000000103 <i>Social prescribing declined</i> (DESIGN.md, national social prescribing codes).</summary>
    public const string SocialPrescribingDeclined = "871711000000103";

    public static string Label(this ProgressReport report) => report switch
    {
        ProgressReport.Contacted => "We have contacted the person",
        ProgressReport.CouldNotContact => "We tried and could not contact the person",
        ProgressReport.FirstSession => "The person attended a first session",
        ProgressReport.Sessions => "Sessions attended so far",
        ProgressReport.Declined => "The person declined the service",
        ProgressReport.Finished => "We have finished working with the person",
        ProgressReport.Stopped => "We have stopped working with the person",
        _ => throw new ArgumentOutOfRangeException(nameof(report), report, null),
    };

    public static string Label(this FinishOutcome outcome) => outcome switch
    {
        FinishOutcome.GoalsMet => "What mattered to the person was achieved",
        FinishOutcome.GoalsPartlyMet => "Partly achieved",
        FinishOutcome.ConnectedOnward => "Connected to other support",
        FinishOutcome.Other => "Another outcome",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    public static string Label(this StopReason reason) => reason switch
    {
        StopReason.StoppedAttending => "The person stopped attending",
        StopReason.Health => "The person's health got in the way",
        StopReason.MovedAway => "The person moved away",
        StopReason.ServiceUnsuitable => "Our service turned out not to suit the person",
        StopReason.Other => "Another reason",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    /// <summary>Whether the report ends the provider's work (nothing more is taken after it).</summary>
    public static bool Ends(this ProgressReport report) => report is ProgressReport.Declined or ProgressReport.Finished or ProgressReport.Stopped;
}

using System.Text.Json.Serialization;
using Hl7.Fhir.Model;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Referrals;

/// <summary>The hub's businessStatus codes on a referral's Task (one CodeSystem, <c>FhirCodes.HubTaskBusinessStatus</c>):
/// the referrer's view of the finer step, each with the display text the Task carries.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TaskBusinessStatus>))]
public enum TaskBusinessStatus
{
    [JsonStringEnumMemberName("received")] Received,
    [JsonStringEnumMemberName("awaiting-provider")] AwaitingProvider,
    [JsonStringEnumMemberName("provider-reminded")] ProviderReminded,
    [JsonStringEnumMemberName("escalated")] Escalated,
    [JsonStringEnumMemberName("provider-declined")] ProviderDeclined,
    [JsonStringEnumMemberName("accepted")] Accepted,
    [JsonStringEnumMemberName("awaiting-follow-up")] AwaitingFollowUp,
    [JsonStringEnumMemberName("all-declined")] AllDeclined,
    [JsonStringEnumMemberName("withdrawn")] Withdrawn,
    [JsonStringEnumMemberName("baseline-survey-sent")] BaselineSurveySent,
    [JsonStringEnumMemberName("survey-sent")] SurveySent,
    [JsonStringEnumMemberName("survey-reminded")] SurveyReminded,
    [JsonStringEnumMemberName("written-back")] WrittenBack,
    [JsonStringEnumMemberName("write-back-parked")] WriteBackParked,
    [JsonStringEnumMemberName("outcome-recorded")] OutcomeRecorded,
    [JsonStringEnumMemberName("opted-out")] OptedOut,
    [JsonStringEnumMemberName("no-response")] NoResponse,
    /// <summary>A step ran out of retries; the hub retries it slowly and an operator was alerted (Task on-hold).</summary>
    [JsonStringEnumMemberName("step-held")] StepHeld,

    // What the accepting provider reports (the handover page or the provider API).
    [JsonStringEnumMemberName("person-contacted")] PersonContacted,
    [JsonStringEnumMemberName("contact-attempted")] ContactAttempted,
    [JsonStringEnumMemberName("could-not-contact")] CouldNotContact,
    [JsonStringEnumMemberName("first-session-attended")] FirstSessionAttended,
    [JsonStringEnumMemberName("attending")] Attending,
    [JsonStringEnumMemberName("person-declined")] PersonDeclined,
    [JsonStringEnumMemberName("finished")] Finished,
    [JsonStringEnumMemberName("stopped")] Stopped,
}

public static class TaskBusinessStatuses
{
    /// <summary>The display text stored beside each code: the Task's words for the referrer.</summary>
    public static string Display(this TaskBusinessStatus code) => code switch
    {
        TaskBusinessStatus.Received => "Referral received by the hub",
        TaskBusinessStatus.AwaitingProvider => "Offered to a provider; awaiting their answer",
        TaskBusinessStatus.ProviderReminded => "Provider reminded",
        TaskBusinessStatus.Escalated => "Escalated to the referrer",
        TaskBusinessStatus.ProviderDeclined => "Declined by a provider; trying the next",
        TaskBusinessStatus.Accepted => "Accepted by the provider",
        TaskBusinessStatus.AwaitingFollowUp => "Accepted; awaiting the outcome follow-up",
        TaskBusinessStatus.AllDeclined => "No provider could take the referral",
        TaskBusinessStatus.Withdrawn => "Withdrawn by the practice",
        TaskBusinessStatus.BaselineSurveySent => "Baseline survey sent",
        TaskBusinessStatus.SurveySent => "Follow-up survey sent",
        TaskBusinessStatus.SurveyReminded => "Follow-up survey reminder sent",
        TaskBusinessStatus.WrittenBack => "Outcomes written to the GP record",
        TaskBusinessStatus.WriteBackParked => "Writing to the GP record is waiting for an operator",
        TaskBusinessStatus.OutcomeRecorded => "Outcomes recorded",
        TaskBusinessStatus.OptedOut => "The patient opted out of the follow-up",
        TaskBusinessStatus.NoResponse => "No response to the follow-up survey",
        TaskBusinessStatus.StepHeld => "Delayed: the hub is retrying a step it could not complete",
        TaskBusinessStatus.PersonContacted => "The provider has contacted the person",
        TaskBusinessStatus.ContactAttempted => "The provider tried to contact the person",
        TaskBusinessStatus.CouldNotContact => "On hold: the provider could not contact the person",
        TaskBusinessStatus.FirstSessionAttended => "The person attended a first session",
        TaskBusinessStatus.Attending => "The person is attending sessions",
        TaskBusinessStatus.PersonDeclined => "The person declined the service",
        TaskBusinessStatus.Finished => "The provider has finished working with the person",
        TaskBusinessStatus.Stopped => "The provider stopped working with the person",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, null),
    };
}

/// <summary>One move of a referral's Task: its coarse status, the hub's businessStatus, and why (statusReason).</summary>
/// <param name="Status">Null keeps the Task's current status (received when it has none).</param>
public sealed record TaskStep(FhirTask.TaskStatus? Status, TaskBusinessStatus Code, string? Reason = null)
{
    /// <summary>SNOMED CT 871711000000103 <i>Social prescribing declined</i>: the reason on a Task the person declined.</summary>
    private const string SocialPrescribingDeclined = "871711000000103";

    public void ApplyTo(FhirTask task)
    {
        if (EndedByPerformer(task) && Status != FhirTask.TaskStatus.Cancelled)
        {
            // The provider reported the end (the person declined, it stopped, it finished): the hub's later steps (the
            // follow-up keeps its clock) record their finer step, and leave the performer's status and reason as they are.
            task.BusinessStatus = ReferralTasks.BusinessStatus(Code);
            return;
        }

        ReferralTaskProgress.Step(task, Status ?? task.Status ?? FhirTask.TaskStatus.Received, Code, Reason);
    }

    private static bool EndedByPerformer(FhirTask task) => task.Status switch
    {
        FhirTask.TaskStatus.Failed => true,
        FhirTask.TaskStatus.Cancelled => task.StatusReason?.Coding.Any(c => c.Code == SocialPrescribingDeclined) == true,
        FhirTask.TaskStatus.Completed => task.Output.Any(o => o.Type?.Text == "provider-outcome"),
        _ => false,
    };
}

using FhirTask = Hl7.Fhir.Model.Task;
using Hub.Referrals;

namespace Hub.Chase;

/// <summary>What the referrer is told at a step of the chase: one email per step (its key keeps it once), the same
/// headline the Task shows.</summary>
/// <param name="EmailKey">The step's part of the email's once-key (<c>referrer-{EmailKey}</c>).</param>
public sealed record ReferrerUpdate(string EmailKey, string Headline, string Detail)
{
    /// <summary>A provider has not answered by the escalation, or their address was refused.</summary>
    public static ReferrerUpdate AboutProvider(ChaseStepName step, string providerId, string providerName) =>
        step == ChaseStepName.EmailRejected
            ? new($"{step.Value}-{providerId}", $"We could not email {providerName}",
                $"Their email address was refused. The hub is offering the referral to the next matching provider; please check {providerName}'s contact details.")
            : new($"{step.Value}-{providerId}", $"No answer yet from {providerName}",
                $"{providerName} has not answered since the referral was offered to them. You may want to contact them; the hub keeps waiting for their answer until the links expire.");

    public static ReferrerUpdate NoProvider { get; } = new("no-provider", "No provider could be found",
        "No provider in the directory with capacity matches this referral's activity and area. A link worker may need to find one.");

    public static ReferrerUpdate Accepted(string? providerName, DateOnly? firstSession)
    {
        var when = firstSession is { } session ? $" The first session is on {session:d MMMM yyyy}." : string.Empty;
        return new("accepted", $"{providerName ?? "The provider"} accepted the referral", $"The patient's outcomes will be followed up in about three months.{when}");
    }

    /// <summary>A provider declined and left a note for the referrer.</summary>
    public static ReferrerUpdate DeclinedWithNote(Decline decline, string providerName, string note) =>
        new($"declined-{decline.ProviderId}", $"{providerName} declined the referral",
            $"Their reason: {decline.ReasonCode.Summary}. Their note: {note} The hub is offering the referral to the next matching provider.");

    public static ReferrerUpdate Rejected(IReadOnlyList<Decline> declines) => new("rejected", "No provider could take the referral",
        $"The hub offered it to {declines.Count} provider(s): {string.Join("; ", declines.Select(d => d.ReasonCode.Value))}.");

    /// <summary>Each provider asked and why they did not take it, for the Task and the audit trail: ids and codes only.</summary>
    public static string DeclineList(IReadOnlyList<Decline> declines) => string.Join("; ", declines.Select(d => $"{d.ProviderId}: {d.ReasonCode.Value}"));
}

/// <summary>How each step of the chase moves the referral's Task.</summary>
public static class ChaseTaskSteps
{
    public static TaskStep Offered(bool reminder) =>
        new(FhirTask.TaskStatus.Received, reminder ? TaskBusinessStatus.ProviderReminded : TaskBusinessStatus.AwaitingProvider);

    /// <summary>Escalating about one provider keeps the Task's status: the offer may still be answered.</summary>
    public static TaskStep Escalated(ReferrerUpdate update) => new(null, TaskBusinessStatus.Escalated, update.Headline);

    public static TaskStep NoProvider { get; } = new(FhirTask.TaskStatus.Requested, TaskBusinessStatus.Escalated, ReferrerUpdate.NoProvider.Headline);

    public static TaskStep Declined(Decline decline) =>
        new(FhirTask.TaskStatus.Received, TaskBusinessStatus.ProviderDeclined, $"declined: {decline.ReasonCode.Value}");

    /// <summary>Acceptance is two moves, so the Task's history shows the provider's acceptance before the follow-up.</summary>
    public static TaskStep Accepted { get; } = new(FhirTask.TaskStatus.Accepted, TaskBusinessStatus.Accepted);

    public static TaskStep AwaitingFollowUp { get; } = new(FhirTask.TaskStatus.InProgress, TaskBusinessStatus.AwaitingFollowUp);

    public static TaskStep Rejected(IReadOnlyList<Decline> declines) => new(FhirTask.TaskStatus.Rejected, TaskBusinessStatus.AllDeclined, ReferrerUpdate.DeclineList(declines));

    /// <summary>A provider's note to the referrer, as a Task note (once per provider, however often the step runs).</summary>
    public static void RecordProviderNote(FhirTask task, string providerId, string providerName, string note, DateTimeOffset at)
    {
        var id = $"decline-note-{providerId}";
        task.Note.RemoveAll(n => n.ElementId == id);
        task.Note.Add(new Hl7.Fhir.Model.Annotation
        {
            ElementId = id,
            Author = new Hl7.Fhir.Model.FhirString(providerName),
            Time = at.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
            Text = note,
        });
    }

    /// <summary>The first session the provider booked, as a Task output (replacing an earlier one).</summary>
    public static void RecordFirstSession(FhirTask task, DateOnly first)
    {
        task.Output.RemoveAll(o => o.Type?.Text == "first-session");
        task.Output.Add(new FhirTask.OutputComponent
        {
            Type = new Hl7.Fhir.Model.CodeableConcept { Text = "first-session" },
            Value = new Hl7.Fhir.Model.Date(first.Year, first.Month, first.Day),
        });
    }

    public static TaskStep Withdrawn { get; } = new(FhirTask.TaskStatus.Cancelled, TaskBusinessStatus.Withdrawn, "The practice withdrew the referral.");
}

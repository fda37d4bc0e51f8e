using Hl7.Fhir.Model;
using Hub.FollowUp;
using Hub.Platform.Fhir;
using Hub.Platform.Telemetry;
using Hub.Referrals;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.WriteBack;

/// <summary>Writing a survey's answers to the GP record, for the follow-up orchestration (which calls these by the names in
/// <see cref="FollowUpActivityNames"/>). Safe to repeat: the write is a transaction of conditional creates, and a
/// response already written is not written again.</summary>
public sealed partial class WriteBackActivities(
    SurveyRecorder recorder,
    FollowUpStore followUps,
    GpRecordWriter gpRecord,
    ReferralTaskProgress tasks,
    AuditTrail audit,
    ILogger<WriteBackActivities> logger)
{
    [Function(FollowUpActivityNames.WriteBack)]
    public async Task<WriteBackOutcome> WriteBack([ActivityTrigger] WriteBackStep step)
    {
        var referral = step.FollowUp.Referral;
        using var span = HubTelemetry.StartReferralStep("follow-up.write-back", referral.ReferralId, referral.TraceParent);
        var response = await followUps.GetResponseAsync(referral.PracticeOds, referral.ReferralId, step.Kind)
                       ?? throw new InvalidOperationException($"Referral {referral.ReferralId} has no {step.Kind} answers to write back.");
        if (response.WriteBack is "written" or "no-endpoint" or "not-needed")
        {
            return new WriteBackOutcome(response.WriteBack, null);
        }

        if (!gpRecord.HasEndpoint(referral.PracticeOds))
        {
            // The practice reads its outcomes from the hub's FHIR API (Observation?based-on=…).
            await followUps.SetWriteBackAsync(referral.PracticeOds, referral.ReferralId, step.Kind, "no-endpoint", null);
            await audit.AppendAsync(referral.ReferralId, "write-back-skipped", "hub", $"{step.Kind}:no-endpoint", onceKey: $"write-back-{step.Kind}");
            return new WriteBackOutcome("no-endpoint", null);
        }

        var stored = new Bundle { Type = Bundle.BundleType.Collection };
        stored.Entry.AddRange((await recorder.ResourcesAsync(response)).Select(r => new Bundle.EntryComponent { Resource = r }));
        GpWriteResult result;
        try
        {
            result = await gpRecord.WriteAsync(referral.PracticeOds, OutcomeResources.Transaction(stored));
        }
        catch (PracticeUnavailableException ex)
        {
            HubTelemetry.WriteBackFailures.Add(1, new KeyValuePair<string, object?>("reason", "unavailable"));
            LogWriteBackFailed(logger, referral.ReferralId, ex.Message);
            throw;
        }

        if (result.State == "refused")
        {
            return new WriteBackOutcome("refused", Shorten(result.Detail));
        }

        await followUps.SetWriteBackAsync(referral.PracticeOds, referral.ReferralId, step.Kind, "written", null);
        await tasks.UpdateAsync(referral.PracticeOds, referral.TaskId, task =>
            ReferralTaskProgress.Step(task, FhirTask.TaskStatus.InProgress, "written-back", "Outcomes written to the GP record"));
        await audit.AppendAsync(referral.ReferralId, "written-back", "hub", step.Kind, onceKey: $"write-back-{step.Kind}");
        return new WriteBackOutcome("written", null);
    }

    [Function(FollowUpActivityNames.ParkWriteBack)]
    public async System.Threading.Tasks.Task ParkWriteBack([ActivityTrigger] ParkedWriteBack parked)
    {
        var referral = parked.FollowUp.Referral;
        using var span = HubTelemetry.StartReferralStep("follow-up.write-back-parked", referral.ReferralId, referral.TraceParent);
        var reason = parked.Outcome.State == "refused"
            ? $"The practice's FHIR server refused the outcomes ({parked.Outcome.Detail}). An operator will retry once it is fixed."
            : $"The practice's FHIR server could not be reached ({parked.Outcome.Detail}). An operator will retry.";
        await followUps.SetWriteBackAsync(referral.PracticeOds, referral.ReferralId, parked.Kind, "parked", parked.Outcome.Detail);
        await tasks.UpdateAsync(referral.PracticeOds, referral.TaskId, task =>
            ReferralTaskProgress.Step(task, FhirTask.TaskStatus.InProgress, "write-back-parked", "Writing to the GP record is waiting for an operator", reason));
        await audit.AppendAsync(referral.ReferralId, "write-back-parked", "hub", $"{parked.Kind}:{parked.Outcome.State}");
        HubTelemetry.WriteBackFailures.Add(1, new KeyValuePair<string, object?>("reason", $"parked-{parked.Outcome.State}"));
        LogParked(logger, referral.ReferralId, parked.Kind, parked.Outcome.State);
    }

    private static string? Shorten(string? text) => text is { Length: > 300 } ? text[..300] + "…" : text;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the outcomes of referral {ReferralId} to the practice failed: {Reason}")]
    private static partial void LogWriteBackFailed(ILogger logger, string referralId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Kind} write-back of referral {ReferralId} is parked ({State}); an operator must retry it")]
    private static partial void LogParked(ILogger logger, string referralId, string kind, string state);
}

using Hl7.Fhir.Model;
using Hub.FollowUp;
using Hub.Platform.Fhir;
using Hub.Platform.Telemetry;
using Hub.Referrals;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

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
                       ?? throw new InvalidOperationException($"Referral {referral.ReferralId} has no {step.Kind.Spelling()} answers to write back.");
        if (WriteBackSteps.IsSettled(response.WriteBack))
        {
            return new WriteBackOutcome(response.WriteBack, null);
        }

        if (!gpRecord.HasEndpoint(referral.PracticeOds))
        {
            // The practice reads its outcomes from the hub's FHIR API (Observation?based-on=…).
            await followUps.SetWriteBackAsync(referral.PracticeOds, referral.ReferralId, step.Kind, WriteBackState.NoEndpoint, null);
            await audit.AppendAsync(referral.ReferralId, WriteBackAudit.Skipped(step.Kind));
            return new WriteBackOutcome(WriteBackState.NoEndpoint, null);
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
            LogWriteBackFailed(logger, referral.ReferralId);
            // The server's words are kept with the answers for operators; the failure that reaches durable history
            // (plain tables, kept for good) carries ids only.
            await followUps.SetWriteBackAsync(referral.PracticeOds, referral.ReferralId, step.Kind, WriteBackState.Unreachable, WriteBackSteps.Shorten(ex.Message));
            throw new PracticeUnavailableException($"The practice's FHIR server could not be reached for referral {referral.ReferralId}; the reason is stored with its {step.Kind.Spelling()} answers.");
        }

        if (result.State == WriteBackState.Refused)
        {
            await followUps.SetWriteBackAsync(referral.PracticeOds, referral.ReferralId, step.Kind, WriteBackState.Refused, WriteBackSteps.Shorten(result.Detail));
            return WriteBackSteps.Refused;
        }

        await followUps.SetWriteBackAsync(referral.PracticeOds, referral.ReferralId, step.Kind, WriteBackState.Written, null);
        await tasks.UpdateAsync(referral.PracticeOds, referral.TaskId, WriteBackSteps.Written.ApplyTo);
        await audit.AppendAsync(referral.ReferralId, WriteBackAudit.Written(step.Kind));
        return new WriteBackOutcome(WriteBackState.Written, null);
    }

    [Function(FollowUpActivityNames.ParkWriteBack)]
    public async System.Threading.Tasks.Task ParkWriteBack([ActivityTrigger] ParkedWriteBack parked)
    {
        var referral = parked.FollowUp.Referral;
        using var span = HubTelemetry.StartReferralStep("follow-up.write-back-parked", referral.ReferralId, referral.TraceParent);
        // The reason was stored by the write-back itself (instances from before carried it here instead).
        var detail = parked.Outcome.Detail
                     ?? (await followUps.GetResponseAsync(referral.PracticeOds, referral.ReferralId, parked.Kind))?.WriteBackDetail;
        var outcome = parked.Outcome with { Detail = detail };
        await followUps.SetWriteBackAsync(referral.PracticeOds, referral.ReferralId, parked.Kind, WriteBackState.Parked, detail);
        await tasks.UpdateAsync(referral.PracticeOds, referral.TaskId, WriteBackSteps.Parked(outcome).ApplyTo);
        await audit.AppendAsync(referral.ReferralId, WriteBackAudit.Parked(parked.Kind, parked.Outcome.State));
        HubTelemetry.WriteBackFailures.Add(1, new KeyValuePair<string, object?>("reason", $"parked-{parked.Outcome.State.Spelling()}"));
        LogParked(logger, referral.ReferralId, parked.Kind.Spelling(), parked.Outcome.State.Spelling());
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the outcomes of referral {ReferralId} to the practice failed: the server could not be reached (reason stored with the answers)")]
    private static partial void LogWriteBackFailed(ILogger logger, string referralId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Kind} write-back of referral {ReferralId} is parked ({State}); an operator must retry it")]
    private static partial void LogParked(ILogger logger, string referralId, string kind, string state);
}

using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Email;
using Hub.Fhir;
using Hub.FollowUp;
using Hub.Orchestrations.Referral;
using Hub.Providers;
using Hub.Storage;
using Hub.Telemetry;
using Hub.WriteBack;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Orchestrations.FollowUp;

/// <summary>The follow-up's I/O: the baseline, survey emails with signed links, write-back to the GP record, the Task and
/// the audit trail. Each is safe to repeat: emails go once per (referral, step), answers are stored once per survey,
/// write-back is a transaction of conditional creates, Task writes are ETag-conditional.</summary>
public sealed partial class FollowUpActivities(
    ReferralDocuments documents,
    QuestionnaireLibrary questionnaires,
    SurveyRecorder recorder,
    FollowUpStore followUps,
    ProviderDirectory providers,
    EmailSender email,
    SignedLinks links,
    GpRecordWriter gpRecord,
    ReferralTaskProgress tasks,
    AuditTrail audit,
    IOptions<FollowUpOptions> options,
    ILogger<FollowUpActivities> logger)
{
    public const string PatientAudience = "patient";
    public const string SurveyPagePath = "survey";
    public const string OptOutPagePath = "survey/opt-out";

    /// <summary>How long an opt-out link keeps working: well past the last survey it could stop.</summary>
    public static readonly TimeSpan OptOutLinkLifetime = TimeSpan.FromDays(180);

    [Function(nameof(PlanFollowUp))]
    public async Task<FollowUpPlan> PlanFollowUp([ActivityTrigger] FollowUpInput input)
    {
        using var span = HubTelemetry.StartReferralStep("follow-up.plan", input.Referral.ReferralId, input.Referral.TraceParent);
        var (record, document) = await LoadAsync(input);
        var settings = options.Value;
        var canEmail = document.PatientEmail is not null && document.HasConsent;
        var withReferral = ReferralBaseline.Read(document.Bundle, questionnaires.Baseline);
        string baseline;
        if (withReferral.Count > 0)
        {
            var complete = QuestionnaireLibrary.Questions(questionnaires.Baseline.Item).All(q => withReferral.ContainsKey(q.LinkId!));
            var authored = document.ServiceRequest.AuthoredOnElement?.ToDateTimeOffset(TimeSpan.Zero) ?? record.LastUpdated;
            // Answers that came from the GP record are already there: they are kept for the evidence, not written back.
            await recorder.RecordAsync(record, document, questionnaires.Baseline, "baseline", "with-referral", withReferral, complete, authored, "not-needed");
            baseline = "with-referral";
        }
        else
        {
            baseline = canEmail ? "survey" : "none";
        }

        var recipient = canEmail ? "patient" : "provider";
        if (await followUps.GetAsync(input.Referral.ReferralId) is null)
        {
            await followUps.SetAsync(new FollowUpState(input.Referral.ReferralId, input.Referral.PracticeOds, input.ProviderId, recipient, baseline, null, "waiting", null));
        }

        await audit.AppendAsync(input.Referral.ReferralId, "follow-up-planned", "hub", $"baseline:{baseline};survey-to:{recipient}", onceKey: "follow-up-planned");
        return new FollowUpPlan(baseline == "survey", settings.FollowUpAfter, settings.EffectiveReminders, settings.SurveyWindow, settings.WriteBackFirstRetry, settings.WriteBackRetryFor);
    }

    [Function(nameof(SendSurvey))]
    public async System.Threading.Tasks.Task SendSurvey([ActivityTrigger] SurveyStep step)
    {
        var referralId = step.FollowUp.Referral.ReferralId;
        using var span = HubTelemetry.StartReferralStep("follow-up.survey", referralId, step.FollowUp.Referral.TraceParent);
        var state = await followUps.GetAsync(referralId) ?? throw new InvalidOperationException($"Referral {referralId} has no follow-up state.");
        if (state.OptedOutAt is not null)
        {
            return;   // an opt-out racing the timer: no more contact, whatever the orchestration thought
        }

        var (_, document) = await LoadAsync(step.FollowUp);
        var reminder = step.Step != "survey";
        var lifetime = step.Kind == "baseline" ? options.Value.BaselineWindow : options.Value.SurveyWindow;
        var surveyUrl = links.Url(SurveyPagePath, links.Create(PatientAudience, referralId, step.Kind, "survey", lifetime));
        var optOutUrl = links.Url(OptOutPagePath, links.Create(PatientAudience, referralId, "opt-out", "opt-out", OptOutLinkLifetime));
        var recipient = state.Recipient;
        // Open before sending, so even an instant click finds the survey live.
        await followUps.SetAsync(state with { OpenSurvey = step.Kind, Stage = step.Kind == "baseline" ? "baseline-sent" : reminder ? "survey-reminded" : "survey-sent" });

        if (recipient == "patient")
        {
            var sent = await email.SendOnceAsync(referralId, $"survey-{step.Kind}-{step.Step}", SurveyEmails.ToPatient(document.PatientEmail!, document, step.Kind, reminder, surveyUrl, optOutUrl));
            if (sent.Kind == EmailOutcomeKind.Rejected)
            {
                // The patient's address was refused: the provider goes through the survey with them instead.
                await audit.AppendAsync(referralId, "email-rejected", "hub", $"survey-{step.Kind}-{step.Step}:{sent.StatusCode}", onceKey: $"email-rejected-survey-{step.Kind}-{step.Step}");
                recipient = "provider";
                await followUps.UpdateAsync(referralId, s => s with { Recipient = recipient });
            }
        }

        if (recipient == "provider")
        {
            var provider = await providers.GetAsync(state.ProviderId);
            if (provider is null || provider.Emails.Count == 0)
            {
                await audit.AppendAsync(referralId, "survey-undeliverable", "hub", step.Kind, onceKey: $"survey-undeliverable-{step.Kind}");
                return;
            }

            var sent = await email.SendOnceAsync(referralId, $"survey-{step.Kind}-{step.Step}-provider", SurveyEmails.ToProvider(provider.Emails[0], provider.Name, document, reminder, surveyUrl, optOutUrl));
            if (sent.Kind == EmailOutcomeKind.Rejected)
            {
                await audit.AppendAsync(referralId, "email-rejected", "hub", $"survey-{step.Kind}-{step.Step}-provider:{sent.StatusCode}", onceKey: $"email-rejected-survey-{step.Kind}-{step.Step}-provider");
            }
        }

        var (code, display) = step.Kind == "baseline" ? ("baseline-survey-sent", "Baseline survey sent")
            : reminder ? ("survey-reminded", "Follow-up survey reminder sent") : ("survey-sent", "Follow-up survey sent");
        await tasks.UpdateAsync(step.FollowUp.Referral.PracticeOds, step.FollowUp.Referral.TaskId, task =>
            ReferralTaskProgress.Step(task, FhirTask.TaskStatus.InProgress, code, display, recipient == "provider" ? "The provider is asked to go through the survey with the patient." : null));
        await audit.AppendAsync(referralId, "survey-sent", $"{recipient}", $"{step.Kind}:{step.Step}", onceKey: $"survey-{step.Kind}-{step.Step}");
        HubTelemetry.SurveysSent.Add(1, new KeyValuePair<string, object?>("kind", step.Kind), new KeyValuePair<string, object?>("step", step.Step));
    }

    [Function(nameof(WriteBack))]
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

    [Function(nameof(ParkWriteBack))]
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

    [Function(nameof(EndFollowUp))]
    public async System.Threading.Tasks.Task EndFollowUp([ActivityTrigger] FollowUpEnd end)
    {
        var referral = end.FollowUp.Referral;
        using var span = HubTelemetry.StartReferralStep("follow-up.end", referral.ReferralId, referral.TraceParent);
        var responses = await followUps.ResponsesAsync(referral.PracticeOds, referral.ReferralId);
        var baseline = responses.FirstOrDefault(r => r.Kind == "baseline")?.Source is { } source ? (source == "with-referral" ? "with-referral" : "survey") : "none";
        var followUp = responses.FirstOrDefault(r => r.Kind == "follow-up");
        await followUps.UpdateAsync(referral.ReferralId, s => s with { OpenSurvey = null, Stage = end.Outcome, Baseline = baseline });

        if (end.Outcome != "withdrawn")
        {
            var outputs = new List<FhirTask.OutputComponent>
            {
                // Which baseline the change is measured from: a follow-up without one still counts, flagged.
                new() { Type = new CodeableConcept { Text = "baseline" }, Value = new FhirString(baseline) },
            };
            if (end.Outcome == "answered" && followUp is not null)
            {
                outputs.Add(new FhirTask.OutputComponent { Type = new CodeableConcept { Text = "answers" }, Value = new FhirString(followUp.Complete ? "complete" : "partial") });
                foreach (var response in responses.Where(r => r.Source != "with-referral"))
                {
                    foreach (var resource in await recorder.ResourcesAsync(response))
                    {
                        outputs.Add(new FhirTask.OutputComponent
                        {
                            Type = new CodeableConcept { Text = resource.TypeName == "QuestionnaireResponse" ? $"{response.Kind}-questionnaire-response" : $"{response.Kind}-observation" },
                            Value = new ResourceReference($"{resource.TypeName}/{resource.Id}"),
                        });
                    }
                }
            }

            var (code, display) = end.Outcome switch
            {
                "answered" => ("outcome-recorded", "Outcomes recorded"),
                "opted-out" => ("opted-out", "The patient opted out of the follow-up"),
                _ => ("no-response", "No response to the follow-up survey"),
            };
            await tasks.UpdateAsync(referral.PracticeOds, referral.TaskId, task =>
            {
                ReferralTaskProgress.Step(task, FhirTask.TaskStatus.Completed, code, display, baseline == "none" ? "No baseline: change cannot be measured for this person." : null);
                task.Output.RemoveAll(o => o.Type?.Text is "baseline" or "answers" || o.Value is ResourceReference);
                task.Output.AddRange(outputs);
            });
        }

        await audit.AppendAsync(referral.ReferralId, "follow-up-ended", "hub", $"{end.Outcome};baseline:{baseline}", onceKey: "follow-up-ended");
        if (end.Outcome == "answered")
        {
            HubTelemetry.SurveysAnswered.Add(1);
        }
    }

    private Task<(ReferralRecord Record, ReferralDocument Document)> LoadAsync(FollowUpInput input) =>
        documents.RequireAsync(input.Referral.PracticeOds, input.Referral.ReferralId);

    private static string? Shorten(string? text) => text is { Length: > 300 } ? text[..300] + "…" : text;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the outcomes of referral {ReferralId} to the practice failed: {Reason}")]
    private static partial void LogWriteBackFailed(ILogger logger, string referralId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Kind} write-back of referral {ReferralId} is parked ({State}); an operator must retry it")]
    private static partial void LogParked(ILogger logger, string referralId, string kind, string state);
}

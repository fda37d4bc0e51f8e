using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Email;
using Hub.Platform.Fhir;
using Hub.Platform.Telemetry;
using Hub.Providers;
using Hub.Referrals;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.FollowUp;

/// <summary>The follow-up's I/O: the baseline, survey emails with signed links, write-back to the GP record, the Task and
/// the audit trail. Each is safe to repeat: emails go once per (referral, step), answers are stored once per survey,
/// write-back is a transaction of conditional creates, Task writes are ETag-conditional.</summary>
public sealed class FollowUpActivities(
    ReferralDocuments documents,
    QuestionnaireLibrary questionnaires,
    SurveyRecorder recorder,
    FollowUpStore followUps,
    ProviderDirectory providers,
    EmailSender email,
    SignedLinks links,
    ReferralTaskProgress tasks,
    AuditTrail audit,
    IOptions<FollowUpOptions> options)
{
    public const string PatientAudience = "patient";
    public const string SurveyPagePath = "survey";
    public const string OptOutPagePath = "survey/opt-out";

    /// <summary>How long an opt-out link keeps working: well past the last survey it could stop.</summary>
    public static readonly TimeSpan OptOutLinkLifetime = TimeSpan.FromDays(180);

    [Function(FollowUpActivityNames.PlanFollowUp)]
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

    [Function(FollowUpActivityNames.SendSurvey)]
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

    [Function(FollowUpActivityNames.EndFollowUp)]
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
}

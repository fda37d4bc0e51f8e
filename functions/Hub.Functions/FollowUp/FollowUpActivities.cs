using Hub.Access;
using Hub.Email;
using Hub.Platform.Fhir;
using Hub.Platform.Telemetry;
using Hub.Providers;
using Hub.Referrals;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Hub.FollowUp;

/// <summary>The follow-up's I/O: the baseline, survey emails with signed links, the Task and the audit trail. Each loads,
/// decides through <see cref="FollowUpStart"/>, <see cref="SurveyDelivery"/> or <see cref="FollowUpConclusion"/>, and
/// writes; each is safe to repeat: emails go once per (referral, step), answers are stored once per survey, Task writes
/// are ETag-conditional.</summary>
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
    IOptions<FollowUpOptions> options,
    IOptions<HoldOptions> holdOptions,
    TimeProvider time)
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
        if (record.IsWithdrawn())
        {
            return new FollowUpPlan(false, settings.FollowUpAfter, settings.EffectiveReminders, settings.SurveyWindow, settings.WriteBackFirstRetry, settings.WriteBackRetryFor, AlreadyWithdrawn: true, HoldRetryEvery: holdOptions.Value.RetryEvery);
        }

        var withReferral = ReferralBaseline.Read(document.Bundle, questionnaires.Baseline);
        var start = FollowUpStart.Decide(document.PatientEmail is not null && document.HasConsent, withReferral.Count > 0);
        if (start.Baseline == BaselineSource.WithReferral)
        {
            var complete = QuestionnaireLibrary.Questions(questionnaires.Baseline.Item).All(q => withReferral.ContainsKey(q.LinkId!));
            var authored = document.ServiceRequest.AuthoredOnElement?.ToDateTimeOffset(TimeSpan.Zero) ?? record.LastUpdated;
            // Answers that came from the GP record are already there: they are kept for the evidence, not written back.
            await recorder.RecordAsync(record, document, questionnaires.Baseline, SurveyKind.Baseline, AnswerSource.WithReferral, withReferral, complete, authored, WriteBackState.NotNeeded);
        }

        var earlier = await followUps.GetAsync(input.Referral.ReferralId);
        if (earlier is null)
        {
            await followUps.SetAsync(new FollowUpState(input.Referral.ReferralId, input.Referral.PracticeOds, input.ProviderId, start.Recipient, start.Baseline, null, FollowUpStage.Waiting, null));
        }

        await audit.AppendAsync(input.Referral.ReferralId, FollowUpAudit.Planned(start.Baseline, start.Recipient));
        return new FollowUpPlan(start.SendsBaselineSurvey, settings.FollowUpAfter, settings.EffectiveReminders, settings.SurveyWindow, settings.WriteBackFirstRetry, settings.WriteBackRetryFor,
            HoldRetryEvery: holdOptions.Value.RetryEvery, Resume: earlier is null ? null : await ResumeAsync(input, earlier));
    }

    /// <summary>A follow-up planned again over one that ran before (recovered by an operator): what already happened.</summary>
    private async Task<FollowUpResume> ResumeAsync(FollowUpInput input, FollowUpState earlier)
    {
        var referral = input.Referral;
        var accepted = (await audit.ReadAsync(referral.ReferralId)).FirstOrDefault(e => e.Is(AuditEventName.Accepted))?.At;
        var answered = (await followUps.ResponsesAsync(referral.PracticeOds, referral.ReferralId))
            .Where(r => r.Source != AnswerSource.WithReferral)
            .Select(r => r.Kind)
            .ToList();
        return new FollowUpResume((accepted ?? time.GetUtcNow()).UtcDateTime, answered, earlier.OptedOutAt is not null);
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

        var (record, document) = await LoadAsync(step.FollowUp);
        var delivery = SurveyDelivery.Of(step);
        if (await audit.WithholdContactAsync(record, delivery.EmailKey(state.Recipient)))
        {
            return;
        }

        var surveyUrl = links.Url(SurveyPagePath, links.Create(PatientAudience, referralId, step.Kind.Spelling(), "survey", delivery.LinkLifetime(options.Value)));
        var optOutUrl = links.Url(OptOutPagePath, links.Create(PatientAudience, referralId, "opt-out", "opt-out", OptOutLinkLifetime));
        var recipient = state.Recipient;
        // Open before sending, so even an instant click finds the survey live.
        var opened = await followUps.UpdateAsync(referralId, s => s.OptedOutAt is null ? s with { OpenSurvey = step.Kind, Stage = delivery.Opens } : s);
        if (opened?.OptedOutAt is not null)
        {
            return;   // opted out while this step ran: the opt-out stands and no email goes
        }

        if (recipient == SurveyRecipient.Patient)
        {
            var key = delivery.EmailKey(SurveyRecipient.Patient);
            var sent = await email.SendOnceAsync(referralId, key, SurveyEmails.ToPatient(document.PatientEmail!, document, step.Kind, delivery.IsReminder, surveyUrl, optOutUrl));
            if (sent.Kind == EmailOutcomeKind.Rejected)
            {
                await audit.AppendAsync(referralId, LifecycleEvent.EmailRefused(key, sent.StatusCode));
                recipient = SurveyDelivery.AfterPatientRefused;
                await followUps.UpdateAsync(referralId, s => s with { Recipient = recipient });
            }
        }

        if (recipient == SurveyRecipient.Provider)
        {
            var provider = await providers.GetAsync(state.ProviderId);
            if (provider is null || provider.Emails.Count == 0)
            {
                await audit.AppendAsync(referralId, FollowUpAudit.Undeliverable(step.Kind));
                return;
            }

            var key = delivery.EmailKey(SurveyRecipient.Provider);
            var sent = await email.SendOnceAsync(referralId, key, SurveyEmails.ToProvider(provider.Emails[0], provider.Name, document, delivery.IsReminder, surveyUrl, optOutUrl));
            if (sent.Kind == EmailOutcomeKind.Rejected)
            {
                await audit.AppendAsync(referralId, LifecycleEvent.EmailRefused(key, sent.StatusCode));
            }
        }

        await tasks.UpdateAsync(step.FollowUp.Referral.PracticeOds, step.FollowUp.Referral.TaskId, delivery.TaskStep(recipient).ApplyTo);
        await audit.AppendAsync(referralId, FollowUpAudit.Sent(recipient, step.Kind, step.Step));
        HubTelemetry.SurveysSent.Add(1, new KeyValuePair<string, object?>("kind", step.Kind.Spelling()), new KeyValuePair<string, object?>("step", step.Step.Value));
    }

    [Function(FollowUpActivityNames.EndFollowUp)]
    public async System.Threading.Tasks.Task EndFollowUp([ActivityTrigger] FollowUpEnd end)
    {
        var referral = end.FollowUp.Referral;
        using var span = HubTelemetry.StartReferralStep("follow-up.end", referral.ReferralId, referral.TraceParent);
        var responses = await followUps.ResponsesAsync(referral.PracticeOds, referral.ReferralId);
        var conclusion = FollowUpConclusion.Of(end.Outcome, responses);
        await followUps.UpdateAsync(referral.ReferralId, s => s with { OpenSurvey = null, Stage = end.Outcome.Stage(), Baseline = conclusion.Baseline });

        if (conclusion.CompletesTask)
        {
            var listed = new List<(SurveyResponse, IReadOnlyList<Hl7.Fhir.Model.Resource>)>();
            foreach (var response in conclusion.ResponsesToList(responses))
            {
                listed.Add((response, await recorder.ResourcesAsync(response)));
            }

            var outputs = conclusion.Outputs(listed);
            await tasks.UpdateAsync(referral.PracticeOds, referral.TaskId, task => conclusion.ApplyTo(task, outputs));
        }

        await audit.AppendAsync(referral.ReferralId, FollowUpAudit.Ended(end.Outcome, conclusion.Baseline));
        if (end.Outcome == FollowUpOutcome.Answered)
        {
            HubTelemetry.SurveysAnswered.Add(1);
        }
    }

    private Task<(ReferralRecord Record, ReferralDocument Document)> LoadAsync(FollowUpInput input) =>
        documents.RequireAsync(input.Referral.PracticeOds, input.Referral.ReferralId);
}

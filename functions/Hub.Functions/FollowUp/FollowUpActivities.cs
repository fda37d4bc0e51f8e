using Hub.Platform.Fhir;
using Hub.Platform.Telemetry;
using Hub.Referrals;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Hub.FollowUp;

/// <summary>The follow-up's I/O: the baseline, survey emails (through <see cref="SurveySender"/>), the Task and the audit trail. Each loads,
/// decides through <see cref="FollowUpStart"/>, <see cref="SurveyDelivery"/> or <see cref="FollowUpConclusion"/>, and
/// writes; each is safe to repeat: emails go once per (referral, step), answers are stored once per survey, Task writes
/// are ETag-conditional.</summary>
public sealed class FollowUpActivities(
    ReferralDocuments documents,
    QuestionnaireLibrary questionnaires,
    SurveyRecorder recorder,
    FollowUpStore followUps,
    SurveySender surveys,
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
        using var span = HubTelemetry.StartReferralStep("follow-up.survey", step.FollowUp.Referral.ReferralId, step.FollowUp.Referral.TraceParent);
        await surveys.SendAsync(step);
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

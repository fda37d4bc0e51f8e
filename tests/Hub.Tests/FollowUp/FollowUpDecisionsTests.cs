using Hl7.Fhir.Model;
using Hub.FollowUp;
using Hub.Referrals;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.FollowUp;

/// <summary>The follow-up's decisions (who gets the surveys, which baseline applies, what the Task says at the end),
/// without any I/O.</summary>
[Trait("Category", "Unit")]
public sealed class FollowUpDecisionsTests
{
    [Theory]
    [InlineData(true, false, BaselineSource.Survey, SurveyRecipient.Patient, true)]
    [InlineData(false, false, BaselineSource.None, SurveyRecipient.Provider, false)]
    [InlineData(true, true, BaselineSource.WithReferral, SurveyRecipient.Patient, false)]
    [InlineData(false, true, BaselineSource.WithReferral, SurveyRecipient.Provider, false)]
    public void The_start_picks_the_baseline_and_who_the_surveys_go_to(bool canEmail, bool withReferral, BaselineSource baseline, SurveyRecipient recipient, bool sendsBaseline)
    {
        var start = FollowUpStart.Decide(canEmail, withReferral);
        Assert.Equal((baseline, recipient, sendsBaseline), (start.Baseline, start.Recipient, start.SendsBaselineSurvey));
    }

    [Fact]
    public void The_baseline_at_the_end_is_the_one_answers_came_from()
    {
        Assert.Equal(BaselineSource.None, FollowUpStart.BaselineOf([Response(SurveyKind.FollowUp, AnswerSource.Patient)]));
        Assert.Equal(BaselineSource.WithReferral, FollowUpStart.BaselineOf([Response(SurveyKind.Baseline, AnswerSource.WithReferral)]));
        Assert.Equal(BaselineSource.Survey, FollowUpStart.BaselineOf([Response(SurveyKind.Baseline, AnswerSource.Provider)]));
    }

    [Fact]
    public void A_survey_email_opens_its_stage_and_keys_the_provider_copy_apart()
    {
        var options = new FollowUpOptions();
        var baseline = new SurveyDelivery(SurveyKind.Baseline, SurveyStepName.FirstSend);
        Assert.Equal((FollowUpStage.BaselineSent, false, options.BaselineWindow), (baseline.Opens, baseline.IsReminder, baseline.LinkLifetime(options)));
        Assert.Equal("survey-baseline-survey", baseline.EmailKey(SurveyRecipient.Patient));
        Assert.Equal("survey-baseline-survey-provider", baseline.EmailKey(SurveyRecipient.Provider));

        var reminder = new SurveyDelivery(SurveyKind.FollowUp, SurveyStepName.Reminder(2));
        Assert.Equal((FollowUpStage.SurveyReminded, true, options.SurveyWindow), (reminder.Opens, reminder.IsReminder, reminder.LinkLifetime(options)));
        Assert.Equal(FollowUpStage.SurveySent, new SurveyDelivery(SurveyKind.FollowUp, SurveyStepName.FirstSend).Opens);
        Assert.Equal(SurveyRecipient.Provider, SurveyDelivery.AfterPatientRefused);
    }

    [Fact]
    public void The_task_says_which_survey_went_and_when_the_provider_administers_it()
    {
        var step = new SurveyDelivery(SurveyKind.Baseline, SurveyStepName.FirstSend).TaskStep(SurveyRecipient.Provider);
        Assert.Equal((FhirTask.TaskStatus.InProgress, TaskBusinessStatus.BaselineSurveySent, "The provider is asked to go through the survey with the patient."), (step.Status, step.Code, step.Reason));
        Assert.Equal(TaskBusinessStatus.SurveyReminded, new SurveyDelivery(SurveyKind.FollowUp, SurveyStepName.Reminder(1)).TaskStep(SurveyRecipient.Patient).Code);
        Assert.Null(new SurveyDelivery(SurveyKind.FollowUp, SurveyStepName.FirstSend).TaskStep(SurveyRecipient.Patient).Reason);
        Assert.Equal("Follow-up survey sent", new SurveyDelivery(SurveyKind.FollowUp, SurveyStepName.FirstSend).TaskStep(SurveyRecipient.Patient).Code.Display());
    }

    [Fact]
    public void An_answered_follow_up_lists_its_answers_and_the_hubs_own_resources()
    {
        var withReferral = Response(SurveyKind.Baseline, AnswerSource.WithReferral);
        var followUp = Response(SurveyKind.FollowUp, AnswerSource.Patient) with { Complete = false };
        var conclusion = FollowUpConclusion.Of(FollowUpOutcome.Answered, [withReferral, followUp]);
        Assert.Equal(BaselineSource.WithReferral, conclusion.Baseline);
        Assert.True(conclusion.CompletesTask);
        Assert.Equal([followUp], conclusion.ResponsesToList([withReferral, followUp]));

        var outputs = conclusion.Outputs([(followUp, [new QuestionnaireResponse { Id = "r1-fu" }, new Observation { Id = "r1-fu-1" }])]);
        Assert.Equal(["baseline", "answers", "follow-up-questionnaire-response", "follow-up-observation"], outputs.Select(o => o.Type.Text));
        Assert.Equal("with-referral", ((FhirString)outputs[0].Value).Value);
        Assert.Equal("partial", ((FhirString)outputs[1].Value).Value);
        Assert.Equal("Observation/r1-fu-1", ((ResourceReference)outputs[3].Value).Reference);

        var task = new FhirTask { Output = [new FhirTask.OutputComponent { Type = new CodeableConcept { Text = "baseline" }, Value = new FhirString("old") }, new FhirTask.OutputComponent { Type = new CodeableConcept { Text = "first-session" }, Value = new Date(2027, 1, 2) }] };
        conclusion.ApplyTo(task, outputs);
        Assert.Equal((FhirTask.TaskStatus.Completed, "outcome-recorded", null), (task.Status, task.BusinessStatus.Coding[0].Code, task.StatusReason?.Text));
        Assert.Equal(["first-session", "baseline", "answers", "follow-up-questionnaire-response", "follow-up-observation"], task.Output.Select(o => o.Type.Text));
    }

    [Theory]
    [InlineData(FollowUpOutcome.NoResponse, "no-response")]
    [InlineData(FollowUpOutcome.OptedOut, "opted-out")]
    public void Other_ends_record_only_the_baseline_and_flag_a_missing_one(FollowUpOutcome outcome, string code)
    {
        var conclusion = FollowUpConclusion.Of(outcome, [Response(SurveyKind.FollowUp, AnswerSource.Patient)]);
        Assert.Empty(conclusion.ResponsesToList([Response(SurveyKind.FollowUp, AnswerSource.Patient)]));
        var outputs = conclusion.Outputs([]);
        Assert.Equal("none", ((FhirString)outputs.Single().Value).Value);
        Assert.Equal((code, "No baseline: change cannot be measured for this person."), (conclusion.TaskStep.Code.Spelling(), conclusion.TaskStep.Reason));
    }

    [Fact]
    public void A_withdrawn_follow_up_leaves_the_task_to_the_cancellation()
    {
        var conclusion = FollowUpConclusion.Of(FollowUpOutcome.Withdrawn, []);
        Assert.False(conclusion.CompletesTask);
        Assert.Equal((FollowUpStage.Withdrawn, ProgressStep.Withdrawn), (FollowUpOutcome.Withdrawn.Stage(), FollowUpOutcome.Withdrawn.Progress()));
        Assert.Equal((FollowUpStage.Answered, ProgressStep.Answered), (FollowUpOutcome.Answered.Stage(), FollowUpOutcome.Answered.Progress()));
    }

    private static SurveyResponse Response(SurveyKind kind, AnswerSource source) =>
        new("r1", "A81001", kind, "q|1", source, DateTimeOffset.UnixEpoch, true, new Dictionary<string, decimal>(), 1, WriteBackState.Pending);
}

using Hub.Fhir;
using Hub.FollowUp;
using Hub.Orchestrations.FollowUp;
using Microsoft.Extensions.Options;

namespace Hub.Tests.FollowUp;

/// <summary>Server-side checking of survey answers against the shipped follow-up Questionnaire.</summary>
public sealed class SurveyAnswersTests
{
    private static readonly QuestionnaireLibrary Library = new(Options.Create(new FollowUpOptions()), new FhirSerializer());

    private static SurveyAnswers Read(params (string Field, string Value)[] fields) =>
        SurveyAnswers.Read(Library.FollowUp, name => fields.FirstOrDefault(f => f.Field == name).Value);

    [Fact]
    public void Out_of_range_and_unknown_answers_are_refused_with_the_question_named()
    {
        var answers = Read(("ons4-1", "11"), ("ucla3-1", "always"), ("gp-visits", "-1"), ("attended", "maybe"));
        Assert.Equal(["ons4-1", "ucla3-1", "gp-visits", "attended"], answers.Errors.Select(e => e.Field));
        Assert.Contains("Enter a whole number from 0 to 10 for: Overall, how satisfied are you with your life nowadays?", answers.Errors.Select(e => e.Message));
    }

    [Fact]
    public void A_required_question_must_be_answered_but_others_may_be_skipped_and_the_answers_are_partial()
    {
        Assert.Equal("Answer the question: Did you take part in the activity you were referred to?", Read(("ons4-1", "5")).Errors.Single().Message);

        var partial = Read(("ons4-1", "5"), ("attended", "no"));
        Assert.Empty(partial.Errors);
        Assert.False(partial.Complete);
        Assert.Equal(2, partial.Answers.Count);
    }

    [Fact]
    public void A_question_that_does_not_apply_is_dropped_and_totals_need_every_item()
    {
        var answers = Read(("attended", "no"), ("sessions", "4"), ("ucla3-1", "often"), ("ucla3-2", "often"));
        Assert.False(answers.Answers.ContainsKey("sessions"));   // enableWhen: only for those who took part
        var measures = SurveyAnswers.Measures(Library.FollowUp, answers.Answers);
        Assert.Equal(0m, measures["attended"]);
        Assert.Equal(3m, measures["ucla3-companionship"]);
        Assert.False(measures.ContainsKey("ucla3-total"));

        var all = Read(("attended", "yes"), ("sessions", "4"), ("ucla3-1", "often"), ("ucla3-2", "hardly-ever"), ("ucla3-3", "some-of-the-time"));
        Assert.Equal(6m, SurveyAnswers.Measures(Library.FollowUp, all.Answers)["ucla3-total"]);
        Assert.Equal(4m, SurveyAnswers.Measures(Library.FollowUp, all.Answers)["sessions-attended"]);
    }
}

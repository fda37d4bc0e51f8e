using Hl7.Fhir.Model;
using Hub.FollowUp;
using Hub.Platform.Fhir;
using Microsoft.Extensions.Options;

namespace Hub.Tests.FollowUp;

/// <summary>Server-side checking of survey answers against the shipped follow-up Questionnaire.</summary>
[Trait("Category", "Unit")]
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

/// <summary>Baselines that come with the referral, and a scheme's own instruments.</summary>
[Trait("Category", "Unit")]
public sealed class BaselineAndDefinitionsTests
{
    private static readonly QuestionnaireLibrary Library = new(Options.Create(new FollowUpOptions()), new FhirSerializer());

    [Fact]
    public void A_QuestionnaireResponse_to_the_baseline_in_the_referral_bundle_is_read_by_link_id_and_checked()
    {
        var response = new Hl7.Fhir.Model.QuestionnaireResponse
        {
            Questionnaire = $"{Library.Baseline.Url}|0.9",
            Status = Hl7.Fhir.Model.QuestionnaireResponse.QuestionnaireResponseStatus.Completed,
            Item =
            [
                new() { LinkId = "ons4", Item = [new() { LinkId = "ons4-2", Answer = [new() { Value = new Hl7.Fhir.Model.Integer(6) }] }] },
                new() { LinkId = "ucla3-1", Answer = [new() { Value = new Hl7.Fhir.Model.Coding($"{FhirCodes.HubBase}/CodeSystem/ucla3-answer", "often") }] },
                new() { LinkId = "gp-visits", Answer = [new() { Value = new Hl7.Fhir.Model.Integer(400) }] },   // out of range: left out, not guessed
            ],
        };
        var other = new Hl7.Fhir.Model.QuestionnaireResponse
        {
            Questionnaire = "https://example.org/Questionnaire/fitness-for-work",
            Status = Hl7.Fhir.Model.QuestionnaireResponse.QuestionnaireResponseStatus.Completed,
            Item = [new() { LinkId = "ons4-1", Answer = [new() { Value = new Hl7.Fhir.Model.Integer(9) }] }],
        };
        var bundle = new Hl7.Fhir.Model.Bundle { Entry = [new() { Resource = response }, new() { Resource = other }] };

        var answers = ReferralBaseline.Read(bundle, Library.Baseline);

        Assert.Equal(["ons4-2", "ucla3-1"], answers.Keys.Order());
        Assert.Equal(6m, answers["ons4-2"].Score);
        Assert.Equal(3m, answers["ucla3-1"].Score);
    }

    [Fact]
    public void A_scheme_replaces_the_follow_up_questionnaire_by_dropping_a_file_in_its_definitions_folder()
    {
        var folder = Directory.CreateTempSubdirectory("hub-definitions-").FullName;
        try
        {
            var own = (Hl7.Fhir.Model.Questionnaire)Library.FollowUp.DeepCopy();
            own.Id = "scheme-follow-up";
            own.Url = "https://scheme.example/Questionnaire/scheme-follow-up";
            own.Title = "Garden club: how are you doing?";
            own.Item.Add(new Hl7.Fhir.Model.Questionnaire.ItemComponent { LinkId = "grew", Text = "Did you grow anything?", Type = Hl7.Fhir.Model.Questionnaire.QuestionnaireItemType.Boolean });
            File.WriteAllText(Path.Combine(folder, "Questionnaire-scheme.json"), new FhirSerializer().Serialize(own, FhirFormat.Json));

            var library = new QuestionnaireLibrary(Options.Create(new FollowUpOptions { DefinitionsFolder = folder, FollowUpQuestionnaire = "scheme-follow-up" }), new FhirSerializer());

            Assert.Equal("Garden club: how are you doing?", library.FollowUp.Title);
            Assert.Equal("sp-baseline", library.Baseline.Id);
            var answers = SurveyAnswers.Read(library.FollowUp, name => name switch { "grew" => "yes", "attended" => "no", _ => null });
            Assert.True(answers.Answers["grew"].YesNo);

            File.WriteAllText(Path.Combine(folder, "Questionnaire-bad.json"), """{"resourceType":"Questionnaire","id":"bad","status":"active","item":[{"linkId":"q","type":"date","text":"When?"}]}""");
            var refused = Assert.Throws<InvalidOperationException>(() => new QuestionnaireLibrary(Options.Create(new FollowUpOptions { DefinitionsFolder = folder }), new FhirSerializer()));
            Assert.Contains("the survey form supports", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

using Hl7.Fhir.Model;
using Hub.FollowUp;
using Hub.Platform.Fhir;
using Hub.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Hub.Tests.FollowUp;

/// <summary>What the hub writes into GP records, and the instruments it publishes, validate against base FHIR R4 with
/// the Firely validator (offline: the R4 specification package and local terminology).</summary>
[Trait("Category", "Unit")]
public sealed class OutcomeValidationTests
{
    private static readonly QuestionnaireLibrary Library = new(Options.Create(new FollowUpOptions()), new FhirSerializer());

    [Fact]
    public void The_QuestionnaireResponse_and_Observations_validate_as_stored_and_as_written_back()
    {
        var answers = SurveyAnswers.Read(Library.FollowUp, name => Journey.FollowUpAnswers.FirstOrDefault(a => a.Item1 == name).Item2);
        Assert.Empty(answers.Errors);
        var subject = new OutcomeSubject(Guid.NewGuid().ToString(), "9912003888", new Identifier("https://gp-system.example/referrals", "ref-1"));
        var stored = OutcomeResources.Build(Library.FollowUp, answers.Answers, subject, "follow-up", DateTimeOffset.Parse("2027-03-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var transaction = OutcomeResources.Transaction(stored);

        var validator = FhirValidation.NewValidator();
        Assert.Equal(13, stored.Entry.Count);   // the response, 11 answered items, and the UCLA-3 total
        foreach (var resource in stored.Entry.Select(e => e.Resource!).Concat(transaction.Entry.Select(e => e.Resource!)))
        {
            FhirValidation.AssertValid(validator, resource);
        }

        FhirValidation.AssertValid(validator, transaction);
        Assert.All(transaction.Entry, e => Assert.StartsWith($"identifier={OutcomeResources.OutcomeIdSystem}|{subject.ReferralId}-fu", e.Request.IfNoneExist, StringComparison.Ordinal));

        // A resource the validator must refuse, so a pass above means something.
        Assert.False(validator.Validate(new Observation { Value = new Integer(3) }).Success);
    }

    [Fact]
    public void The_shipped_Questionnaires_and_CodeSystems_validate()
    {
        var validator = FhirValidation.NewValidator();
        foreach (var id in new[] { "sp-baseline", "sp-follow-up" })
        {
            FhirValidation.AssertValid(validator, Library.Questionnaire(id)!);
        }

        foreach (var id in new[] { "sp-outcome-measures", "ucla3-answer" })
        {
            FhirValidation.AssertValid(validator, Library.CodeSystem(id)!);
        }
    }
}

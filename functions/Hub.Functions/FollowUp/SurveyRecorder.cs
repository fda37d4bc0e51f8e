using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Hub.Referrals;

namespace Hub.FollowUp;

/// <summary>Keeps a survey's answers: the scores the reports read, and the QuestionnaireResponse and Observations made
/// from them, which the FHIR API serves and write-back sends. The first answers of each kind stay.</summary>
public sealed class SurveyRecorder(FollowUpStore followUps, FhirSerializer fhir)
{
    /// <returns>False when answers of this kind were already recorded.</returns>
    public async Task<bool> RecordAsync(ReferralRecord record, ReferralDocument document, Questionnaire questionnaire, SurveyKind kind, AnswerSource source,
        IReadOnlyDictionary<string, SurveyAnswer> answers, bool complete, DateTimeOffset authored, WriteBackState writeBack, CancellationToken cancellationToken = default)
    {
        var nhsNumber = document.NhsNumber ?? throw new InvalidOperationException($"Referral {record.ReferralId} has no NHS number.");
        var subject = new OutcomeSubject(record.ReferralId, nhsNumber, new Identifier(record.IdentifierSystem, record.IdentifierValue));
        var resources = OutcomeResources.Build(questionnaire, answers, subject, kind.Spelling(), authored);
        var response = new SurveyResponse(record.ReferralId, record.PracticeOds, kind, $"{questionnaire.Url}|{questionnaire.Version}", source, authored, complete,
            SurveyAnswers.Measures(questionnaire, answers), 0, writeBack);
        return await followUps.TryAddResponseAsync(response, fhir.Serialize(resources, FhirFormat.Json), cancellationToken);
    }

    /// <summary>A recorded survey's FHIR resources (the QuestionnaireResponse first, then its Observations).</summary>
    public async Task<IReadOnlyList<Resource>> ResourcesAsync(SurveyResponse response, CancellationToken cancellationToken = default)
    {
        var json = await followUps.ReadResourcesAsync(response, cancellationToken)
                   ?? throw new InvalidOperationException($"The {response.Kind.Spelling()} answers of referral {response.ReferralId} have no stored resources.");
        return ((Bundle)fhir.ParseJson(System.Text.Encoding.UTF8.GetBytes(json)).Resource!).Entry.Select(e => e.Resource!).ToList();
    }
}

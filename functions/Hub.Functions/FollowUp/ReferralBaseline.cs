using Hl7.Fhir.Model;

namespace Hub.FollowUp;

/// <summary>Baseline answers that came with the referral, when the GP system had them: a QuestionnaireResponse to the
/// hub's baseline Questionnaire (matched by link id), or Observations coded as its items are (matched by code).</summary>
public static class ReferralBaseline
{
    public static IReadOnlyDictionary<string, SurveyAnswer> Read(Bundle referral, Questionnaire baseline)
    {
        var answers = new Dictionary<string, SurveyAnswer>(StringComparer.Ordinal);
        var questions = QuestionnaireLibrary.Questions(baseline.Item).ToList();
        var byLinkId = questions.ToDictionary(q => q.LinkId!, StringComparer.Ordinal);
        var resources = referral.Entry.Select(e => e.Resource).ToList();

        foreach (var response in resources.OfType<QuestionnaireResponse>()
                     .Where(r => r.Questionnaire?.Split('|')[0] == baseline.Url && r.Status == QuestionnaireResponse.QuestionnaireResponseStatus.Completed))
        {
            foreach (var item in Flatten(response.Item))
            {
                if (byLinkId.TryGetValue(item.LinkId ?? string.Empty, out var question) && item.Answer.FirstOrDefault()?.Value is { } value && From(question, value) is { } answer)
                {
                    answers[question.LinkId!] = answer;
                }
            }
        }

        foreach (var observation in resources.OfType<Observation>().Where(o => o.Status is ObservationStatus.Final or ObservationStatus.Amended or ObservationStatus.Corrected))
        {
            var question = questions.FirstOrDefault(q => q.Code.Any(c => observation.Code?.Coding.Any(o => o.System == c.System && o.Code == c.Code) == true));
            if (question is not null && !answers.ContainsKey(question.LinkId!) && observation.Value is { } value && From(question, value) is { } answer)
            {
                answers[question.LinkId!] = answer;
            }
        }

        return answers;
    }

    /// <summary>An answer of the kind the question takes and within its range; anything else is left out, not guessed.</summary>
    private static SurveyAnswer? From(Questionnaire.ItemComponent question, DataType value)
    {
        switch (question.Type)
        {
            case Questionnaire.QuestionnaireItemType.Integer:
                int? n = value switch
                {
                    Integer { Value: { } i } => i,
                    Quantity { Value: { } q } when q == decimal.Truncate(q) && q is >= int.MinValue and <= int.MaxValue => (int)q,
                    _ => null,
                };
                var min = QuestionnaireLibrary.IntegerExtension(question, QuestionnaireLibrary.MinValueExtension) ?? int.MinValue;
                var max = QuestionnaireLibrary.IntegerExtension(question, QuestionnaireLibrary.MaxValueExtension) ?? int.MaxValue;
                return n is { } number && number >= min && number <= max ? new SurveyAnswer(question.LinkId!, Number: number) : null;
            case Questionnaire.QuestionnaireItemType.Boolean:
                return value is FhirBoolean { Value: { } b } ? new SurveyAnswer(question.LinkId!, YesNo: b) : null;
            case Questionnaire.QuestionnaireItemType.Choice when value is Coding coding:
                var option = question.AnswerOption.Select(o => o.Value).OfType<Coding>().FirstOrDefault(o => o.System == coding.System && o.Code == coding.Code);
                return option is null ? null : new SurveyAnswer(question.LinkId!, Coding: option);
            default:
                return null;
        }
    }

    private static IEnumerable<QuestionnaireResponse.ItemComponent> Flatten(IEnumerable<QuestionnaireResponse.ItemComponent> items) =>
        items.SelectMany(i => new[] { i }.Concat(Flatten(i.Item)).Concat(Flatten(i.Answer.SelectMany(a => a.Item))));
}

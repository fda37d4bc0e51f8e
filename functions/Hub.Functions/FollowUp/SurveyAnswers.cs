using System.Globalization;
using Hl7.Fhir.Model;

namespace Hub.FollowUp;

/// <summary>One answered question: a whole number, a yes/no, or one of the listed answers.</summary>
public sealed record SurveyAnswer(string LinkId, int? Number = null, bool? YesNo = null, Coding? Coding = null)
{
    /// <summary>The answer as a number for reports: the integer, 1/0 for yes/no, a listed answer's ordinal value.</summary>
    public decimal? Score => Number ?? (YesNo is { } b ? (b ? 1m : 0m) : (decimal?)null) ?? (Coding?.GetExtension(QuestionnaireLibrary.OrdinalValueExtension)?.Value as FhirDecimal)?.Value;
}

/// <summary>A survey's answers after checking: what was answered, the problems to show on the page, and whether every
/// question that applies was answered (partial answers are allowed and recorded as partial).</summary>
public sealed record SurveyAnswers(IReadOnlyDictionary<string, SurveyAnswer> Answers, IReadOnlyList<(string Field, string Message)> Errors, bool Complete)
{
    /// <summary>Reads and checks a submitted form against its Questionnaire: every answer in range and of the right kind,
    /// required questions answered, questions that do not apply (enableWhen) dropped.</summary>
    public static SurveyAnswers Read(Questionnaire questionnaire, Func<string, string?> field)
    {
        var answers = new Dictionary<string, SurveyAnswer>(StringComparer.Ordinal);
        var errors = new List<(string, string)>();
        var complete = true;
        foreach (var item in QuestionnaireLibrary.Questions(questionnaire.Item))
        {
            if (!Applies(item, answers))
            {
                continue;
            }

            var raw = field(item.LinkId!)?.Trim() ?? string.Empty;
            if (raw.Length == 0)
            {
                complete = false;
                if (item.Required == true)
                {
                    errors.Add((item.LinkId!, $"Answer the question: {item.Text}"));
                }

                continue;
            }

            var (answer, error) = Parse(item, raw);
            if (answer is not null)
            {
                answers[item.LinkId!] = answer;
            }
            else
            {
                errors.Add((item.LinkId!, error!));
            }
        }

        return new SurveyAnswers(answers, errors, complete && errors.Count == 0);
    }

    /// <summary>Scores per measure code, with the totals the instrument defines (only when all their items were answered).
    /// Items come before totals, as they are stored.</summary>
    public static IReadOnlyDictionary<string, decimal> Measures(Questionnaire questionnaire, IReadOnlyDictionary<string, SurveyAnswer> answers)
    {
        var measures = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var asked = AskedMeasure.In(questionnaire).ToList();
        foreach (var item in asked.Where(m => m.Kind == MeasureKind.Item))
        {
            if (answers.TryGetValue(item.LinkId, out var answer) && answer.Score is { } score)
            {
                measures[item.Code] = score;
            }
        }

        foreach (var total in asked.Where(m => m.Kind == MeasureKind.Total))
        {
            var parts = QuestionnaireLibrary.Questions(total.Item.Item).Select(i => answers.TryGetValue(i.LinkId!, out var a) ? a.Score : null).ToList();
            if (parts.Count > 0 && parts.All(p => p is not null))
            {
                measures[total.Code] = parts.Sum(p => p!.Value);
            }
        }

        return measures;
    }

    private static (SurveyAnswer? Answer, string? Error) Parse(Questionnaire.ItemComponent item, string raw)
    {
        switch (item.Type)
        {
            case Questionnaire.QuestionnaireItemType.Integer:
                var (min, max) = QuestionnaireLibrary.IntegerRange(item);
                return int.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
                    ? (new SurveyAnswer(item.LinkId!, Number: number), null)
                    : (null, $"Enter a whole number from {min} to {max} for: {item.Text}");
            case Questionnaire.QuestionnaireItemType.Boolean:
                return raw switch
                {
                    "yes" => (new SurveyAnswer(item.LinkId!, YesNo: true), null),
                    "no" => (new SurveyAnswer(item.LinkId!, YesNo: false), null),
                    _ => (null, $"Select yes or no for: {item.Text}"),
                };
            default:
                var option = item.AnswerOption.Select(o => o.Value).OfType<Coding>().FirstOrDefault(c => c.Code == raw);
                return option is not null
                    ? (new SurveyAnswer(item.LinkId!, Coding: option), null)
                    : (null, $"Select one of the answers for: {item.Text}");
        }
    }

    /// <summary>Whether a question applies given the answers before it (enableWhen, any of its conditions).</summary>
    private static bool Applies(Questionnaire.ItemComponent item, Dictionary<string, SurveyAnswer> answers) =>
        item.EnableWhen.Count == 0 || item.EnableWhen.Any(condition =>
            answers.TryGetValue(condition.Question ?? string.Empty, out var answer) && condition.Operator == Questionnaire.QuestionnaireItemOperator.Equal && condition.Answer switch
            {
                FhirBoolean b => answer.YesNo == b.Value,
                Integer i => answer.Number == i.Value,
                Coding c => answer.Coding?.Code == c.Code,
                _ => false,
            });
}

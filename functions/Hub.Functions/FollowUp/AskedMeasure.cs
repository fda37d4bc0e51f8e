using Hl7.Fhir.Model;

namespace Hub.FollowUp;

/// <summary>A measure as an instrument asks it: a coded question, or a group whose items add up to a total.</summary>
public sealed record AskedMeasure(Questionnaire.ItemComponent Item, IReadOnlyList<Coding> Codings, MeasureKind Kind)
{
    public string Code => Codings[0].Code!;

    public string LinkId => Item.LinkId!;

    /// <summary>What the Observation calls it: the coding's display, or the question's text.</summary>
    public string? Display => Codings[0].Display ?? Item.Text;

    /// <summary>The measures one instrument asks, in form order: a coded question, and a group whose items make a total
    /// (the total where the group stands, before its items).</summary>
    public static IEnumerable<AskedMeasure> In(Questionnaire questionnaire)
    {
        foreach (var item in QuestionnaireLibrary.All(questionnaire.Item))
        {
            if (item.GetExtension(QuestionnaireLibrary.TotalExtension)?.Value is Coding { Code: not null } total)
            {
                yield return new AskedMeasure(item, [total], MeasureKind.Total);
            }

            if (QuestionnaireLibrary.IsQuestion(item) && item.Code.FirstOrDefault()?.Code is not null)
            {
                yield return new AskedMeasure(item, item.Code, MeasureKind.Item);
            }
        }
    }

    /// <summary>The scores it can take: an integer item's minValue and maxValue, a choice's ordinal values, 0–1 for a
    /// yes/no, a total's items added up; null where the instrument does not say.</summary>
    public (decimal? Lowest, decimal? Highest) Range()
    {
        if (Kind == MeasureKind.Total)
        {
            var parts = QuestionnaireLibrary.Questions(Item.Item).Select(ItemRange).ToList();
            return (Sum(parts.Select(p => p.Lowest)), Sum(parts.Select(p => p.Highest)));
        }

        return ItemRange(Item);
    }

    private static (decimal? Lowest, decimal? Highest) ItemRange(Questionnaire.ItemComponent item)
    {
        switch (item.Type)
        {
            case Questionnaire.QuestionnaireItemType.Integer:
                var (min, max) = QuestionnaireLibrary.IntegerRange(item);
                return (min, max);
            case Questionnaire.QuestionnaireItemType.Boolean:
                return (0, 1);
            default:
                var ordinals = item.AnswerOption.Select(o => new SurveyAnswer(item.LinkId ?? string.Empty, Coding: o.Value as Coding).Score).ToList();
                return ordinals.Count > 0 && ordinals.All(o => o is not null) ? (ordinals.Min(), ordinals.Max()) : (null, null);
        }
    }

    internal static decimal? Sum(IEnumerable<decimal?> values)
    {
        var list = values.ToList();
        return list.Count > 0 && list.All(v => v is not null) ? list.Sum() : null;
    }
}

using System.Globalization;
using System.Text;
using Hl7.Fhir.Model;
using Hub.Platform.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using static Hub.Platform.Http.HtmlPage;

namespace Hub.FollowUp;

/// <summary>The survey form, rendered from its Questionnaire in the NHS.UK design system: one fieldset per question with
/// its legend and hint, large radio buttons for scales and answer lists, plain inputs for numbers. Works without
/// JavaScript; errors are listed at the top and beside each question, linked to it.</summary>
public static class SurveyPage
{
    public static IActionResult Form(HttpRequest request, string token, SurveyView view, Func<string, string?> values, IReadOnlyList<(string Field, string Message)> errors)
    {
        var questionnaire = view.Questionnaire!;
        var name = view.Referral?.PatientFirstName;
        var csrf = IssueCsrf(request);
        var html = new StringBuilder(ErrorSummary(errors));
        html.Append(CultureInfo.InvariantCulture, $"<h1>{E(questionnaire.Title)}</h1>");
        if (view.Administered)
        {
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"nhsuk-inset-text\"><span class=\"nhsuk-u-visually-hidden\">Information: </span><p>You are going through these questions with {E(name ?? "the person you support")}. Please ask each question as it is written and enter their answers, not yours.</p></div>");
        }

        html.Append("<p class=\"nhsuk-body\">There are no right or wrong answers. You can skip a question you would rather not answer, unless it says you need to answer it. Your answers are added to your GP record.</p>")
            .Append("<form method=\"post\" action=\"/api/survey\" novalidate>")
            .Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"t\" value=\"{E(token)}\">")
            .Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"{CsrfField}\" value=\"{csrf}\">");
        IReadOnlyDictionary<string, string> errorFor = errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.First().Message, StringComparer.Ordinal);
        foreach (var item in questionnaire.Item)
        {
            Render(html, item, values, errorFor, level: 2);
        }

        html.Append("<button class=\"nhsuk-button\" type=\"submit\">Send answers</button></form>");
        return HtmlPage.Render(errors.Count > 0 ? 400 : 200, $"{(errors.Count > 0 ? "Error: " : string.Empty)}{questionnaire.Title}", html.ToString());
    }

    private static void Render(StringBuilder html, Questionnaire.ItemComponent item, Func<string, string?> values, IReadOnlyDictionary<string, string> errors, int level)
    {
        switch (item.Type)
        {
            case Questionnaire.QuestionnaireItemType.Group:
                html.Append(CultureInfo.InvariantCulture, $"<h{level}>{E(item.Text)}</h{level}>");
                foreach (var child in item.Item)
                {
                    Render(html, child, values, errors, level + 1);
                }

                return;
            case Questionnaire.QuestionnaireItemType.Display:
                html.Append(CultureInfo.InvariantCulture, $"<p class=\"nhsuk-body\">{E(item.Text)}</p>");
                return;
        }

        var id = item.LinkId!;
        var hint = string.Join(" ", item.Item.Where(i => i.Type == Questionnaire.QuestionnaireItemType.Display).Select(i => i.Text)
            .Append(item.Required == true ? "You need to answer this question." : null).Where(t => t is not null));
        var error = errors.GetValueOrDefault(id);
        var current = values(id) ?? string.Empty;
        var describedBy = string.Join(' ', new[] { hint.Length > 0 ? $"{id}-hint" : null, error is null ? null : $"{id}-error" }.Where(d => d is not null));
        var aria = describedBy.Length > 0 ? $" aria-describedby=\"{describedBy}\"" : string.Empty;
        var min = QuestionnaireLibrary.IntegerExtension(item, QuestionnaireLibrary.MinValueExtension);
        var max = QuestionnaireLibrary.IntegerExtension(item, QuestionnaireLibrary.MaxValueExtension);
        var options = item.Type switch
        {
            Questionnaire.QuestionnaireItemType.Boolean => [("yes", "Yes"), ("no", "No")],
            Questionnaire.QuestionnaireItemType.Choice => item.AnswerOption.Select(o => o.Value).OfType<Coding>().Select(c => (c.Code ?? string.Empty, c.Display ?? c.Code ?? string.Empty)).ToList(),
            // A short scale (0 to 10) is a row of large radio buttons; a count is typed.
            Questionnaire.QuestionnaireItemType.Integer when min is { } low && max is { } high && high - low <= 10 =>
                Enumerable.Range(low, high - low + 1).Select(n => (n.ToString(CultureInfo.InvariantCulture), n.ToString(CultureInfo.InvariantCulture))).ToList(),
            _ => null as List<(string Value, string Label)>,
        };

        html.Append(CultureInfo.InvariantCulture, $"<div class=\"nhsuk-form-group{(error is null ? string.Empty : " nhsuk-form-group--error")}\">");
        if (options is null)
        {
            html.Append(CultureInfo.InvariantCulture, $"<label class=\"nhsuk-label nhsuk-label--s\" for=\"{E(id)}\">{E(item.Text)}</label>");
            AppendHintAndError(html, id, hint, error);
            html.Append(CultureInfo.InvariantCulture, $"<input class=\"nhsuk-input nhsuk-input--width-3{(error is null ? string.Empty : " nhsuk-input--error")}\" id=\"{E(id)}\" name=\"{E(id)}\" type=\"text\" inputmode=\"numeric\" spellcheck=\"false\" value=\"{E(current)}\"{aria}>");
        }
        else
        {
            html.Append(CultureInfo.InvariantCulture, $"<fieldset class=\"nhsuk-fieldset\"{aria}><legend class=\"nhsuk-fieldset__legend nhsuk-fieldset__legend--s\">{E(item.Text)}</legend>");
            AppendHintAndError(html, id, hint, error);
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"nhsuk-radios{(options.Count > 3 ? " nhsuk-radios--inline" : string.Empty)}\">");
            for (var n = 0; n < options.Count; n++)
            {
                var (value, label) = options[n];
                var optionId = n == 0 ? id : $"{id}-{n}";
                var check = value == current ? " checked" : string.Empty;
                html.Append(CultureInfo.InvariantCulture, $"<div class=\"nhsuk-radios__item\"><input class=\"nhsuk-radios__input\" id=\"{E(optionId)}\" name=\"{E(id)}\" type=\"radio\" value=\"{E(value)}\"{check}>")
                    .Append(CultureInfo.InvariantCulture, $"<label class=\"nhsuk-label nhsuk-radios__label\" for=\"{E(optionId)}\">{E(label)}</label></div>");
            }

            html.Append("</div></fieldset>");
        }

        html.Append("</div>");
    }

    private static void AppendHintAndError(StringBuilder html, string id, string hint, string? error)
    {
        if (hint.Length > 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"nhsuk-hint\" id=\"{E(id)}-hint\">{E(hint)}</div>");
        }

        if (error is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $"<span class=\"nhsuk-error-message\" id=\"{E(id)}-error\"><span class=\"nhsuk-u-visually-hidden\">Error:</span> {E(error)}</span>");
        }
    }
}

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

    /// <summary>The opt-out confirmation: GET shows it, the button's POST acts.</summary>
    public static IActionResult OptOut(HttpRequest request, string token, SurveyView view)
    {
        var csrf = IssueCsrf(request);
        var who = view.Administered ? $"{E(view.Referral?.PatientFirstName ?? "The person")} does" : "You do";
        var html = $"<h1>Stop follow-up emails?</h1><p class=\"nhsuk-body\">{who} not have to answer any questions. If you stop, nobody will be asked about this referral again, and that is recorded.</p>" +
                   $"<form method=\"post\" action=\"/api/{SurveyHttp.OptOutRoute}\" novalidate><input type=\"hidden\" name=\"t\" value=\"{E(token)}\"><input type=\"hidden\" name=\"{CsrfField}\" value=\"{csrf}\">" +
                   "<button class=\"nhsuk-button nhsuk-button--secondary\" type=\"submit\">Stop follow-up emails</button></form>";
        return HtmlPage.Render(200, "Stop follow-up emails?", html);
    }

    /// <summary>What a survey or opt-out link says once it cannot (or need not) act.</summary>
    public static IActionResult Outcome(SurveyView view) => view.State switch
    {
        SurveyState.Invalid => HtmlPage.Message(400, "This link does not work", "The link is incomplete or has been changed. Please use the link exactly as it is in your email."),
        SurveyState.Expired => HtmlPage.Message(410, "This link has expired", "The time for answering these questions has passed. Thank you all the same."),
        SurveyState.Closed => HtmlPage.Message(410, "These questions have closed", "The time for answering these questions has passed, or a newer set of questions has replaced them. Thank you all the same."),
        SurveyState.Withdrawn => HtmlPage.Message(410, "These questions are no longer needed", "The referral these questions were about has been withdrawn. You do not need to do anything."),
        SurveyState.OptedOut => HtmlPage.Message(200, "You will not be contacted again", "Nobody will be asked about this referral again. This has been recorded. Thank you for letting us know."),
        SurveyState.AlreadyReceived when !view.Delivered => HtmlPage.Message(202, "Thank you: your answers are saved",
            "Your answers are saved. We are still passing them on, and will keep trying on our own: you do not need to do anything else."),
        SurveyState.AlreadyReceived => HtmlPage.Message(200, "Thank you: your answers have been received", "Your answers will be added to your GP record. You do not need to do anything else."),
        _ => HtmlPage.Message(500, "Something went wrong", "Please try again later."),
    };

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

using System.Globalization;
using System.Text;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using static Hub.Platform.Http.HtmlPage;

namespace Hub.Chase;

/// <summary>The pages of a provider's answer: the confirm page (the referral, and the date or the reasons to pick) and
/// what a link says once it cannot act.</summary>
public static class ProviderResponsePage
{
    public static IActionResult Confirm(HttpRequest request, ResponseView view, List<(string Field, string Message)>? errors)
    {
        var claims = view.Claims!;
        var referral = view.Referral!;
        var accept = claims.Action == "accept";
        var csrf = IssueCsrf(request);
        var html = new StringBuilder(ErrorSummary(errors));
        html.Append(CultureInfo.InvariantCulture, $"<h1>{(accept ? "Accept this referral?" : "Decline this referral?")}</h1>")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"nhsuk-body\">For {E(view.ProviderName ?? "your organisation")}.</p>")
            .Append("<dl class=\"nhsuk-summary-list\">")
            .Append(Row("Person", referral.PatientFirstName ?? "Not given"))
            .Append(Row("Activity", referral.Activity))
            .Append(Row("Referred by", referral.PracticeName));
        if (referral.ReasonIfShareable is { } reason)
        {
            html.Append(Row("Reason, in the referrer's words", reason));
        }

        if (referral.NoteIfShareable is { } note)
        {
            html.Append(Row("Clinical context, in the referrer's words", note));
        }

        html.Append("</dl>")
            .Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"/api/{ProviderResponseHttp.Route}\" novalidate>")
            .Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"t\" value=\"{E(request.Query["t"].Count > 0 ? request.Query["t"].ToString() : request.Form["t"].ToString())}\">")
            .Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"{CsrfField}\" value=\"{csrf}\">");
        if (accept)
        {
            var dateError = errors?.FirstOrDefault(e => e.Field == "day").Message;
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"nhsuk-form-group{(dateError is null ? string.Empty : " nhsuk-form-group--error")}\"><fieldset class=\"nhsuk-fieldset\" role=\"group\" aria-describedby=\"first-session-hint\">")
                .Append("<legend class=\"nhsuk-fieldset__legend nhsuk-fieldset__legend--s\">First session date (optional)</legend>")
                .Append("<div class=\"nhsuk-hint\" id=\"first-session-hint\">For example, 27 3 2027</div>")
                .Append(dateError is null ? string.Empty : $"<span class=\"nhsuk-error-message\"><span class=\"nhsuk-u-visually-hidden\">Error:</span> {E(dateError)}</span>")
                .Append("<div class=\"nhsuk-date-input\">")
                .Append(DatePart("day", "Day", 2)).Append(DatePart("month", "Month", 2)).Append(DatePart("year", "Year", 4))
                .Append("</div></fieldset></div>")
                .Append("<button class=\"nhsuk-button\" type=\"submit\">Accept referral</button>");
        }
        else
        {
            var reasonError = errors?.FirstOrDefault(e => e.Field == "reason").Message;
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"nhsuk-form-group{(reasonError is null ? string.Empty : " nhsuk-form-group--error")}\"><fieldset class=\"nhsuk-fieldset\">")
                .Append("<legend class=\"nhsuk-fieldset__legend nhsuk-fieldset__legend--s\">Why can you not take this referral?</legend>")
                .Append(reasonError is null ? string.Empty : $"<span class=\"nhsuk-error-message\"><span class=\"nhsuk-u-visually-hidden\">Error:</span> {E(reasonError)}</span>")
                .Append("<div class=\"nhsuk-radios\">");
            var first = true;
            foreach (var declineReason in StoredSpelling.All<DeclineReason>())
            {
                var (code, label) = (declineReason.Spelling(), declineReason.Label());
                var id = first ? "reason" : $"reason-{code}";
                first = false;
                html.Append(CultureInfo.InvariantCulture, $"<div class=\"nhsuk-radios__item\"><input class=\"nhsuk-radios__input\" id=\"{id}\" name=\"reason\" type=\"radio\" value=\"{code}\"><label class=\"nhsuk-label nhsuk-radios__label\" for=\"{id}\">{E(label)}</label></div>");
            }

            html.Append("</div></fieldset></div>")
                .Append("<div class=\"nhsuk-form-group\"><label class=\"nhsuk-label\" for=\"note\">Anything the referrer should know (optional)</label>")
                .Append("<textarea class=\"nhsuk-textarea\" id=\"note\" name=\"note\" rows=\"4\" maxlength=\"500\"></textarea></div>")
                .Append("<button class=\"nhsuk-button nhsuk-button--secondary\" type=\"submit\">Decline referral</button>");
        }

        html.Append("</form>");
        return Render(errors is { Count: > 0 } ? 400 : 200, accept ? "Accept this referral?" : "Decline this referral?", html.ToString());
    }

    /// <summary>A decision recorded whose delivery to the referral has not gone through yet: said plainly, with a
    /// button that sends it again now (the hub also keeps trying on its own).</summary>
    public static IActionResult Recorded(HttpRequest request, ResponseView view)
    {
        var accepted = view.Decision!.Action == "accept";
        var token = request.Query["t"].Count > 0 ? request.Query["t"].ToString() : request.HasFormContentType ? request.Form["t"].ToString() : string.Empty;
        var title = accepted ? "Your acceptance is recorded" : "Your decline is recorded";
        var html = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"<h1>{title}</h1>")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"nhsuk-body\">You {(accepted ? "accepted" : "declined")} this referral on {view.Decision.At:d MMMM yyyy}. We have not been able to pass your answer on yet. We will keep trying on our own, so you do not need to do anything, or you can try again now.</p>")
            .Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"/api/{ProviderResponseHttp.Route}\" novalidate>")
            .Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"t\" value=\"{E(token)}\">")
            .Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"{CsrfField}\" value=\"{IssueCsrf(request)}\">")
            .Append("<button class=\"nhsuk-button\" type=\"submit\">Try again</button></form>");
        return Render(202, title, html.ToString());
    }

    /// <param name="links">Once accepted, further pages of the provider's kind of service (<see cref="IHandoverLinks"/>).</param>
    public static IActionResult Outcome(HttpRequest request, ResponseView view, IReadOnlyList<HandoverLink>? links = null) => view switch
    {
        { State: ResponseState.AlreadyDecided, Delivered: false } => Recorded(request, view),
        { State: ResponseState.AlreadyDecided, Decision.Action: "accept" } => Accepted(request, view, links),
        _ => Outcome(view),
    };

    /// <summary>Accepted: with the way to the referral in full (the same link, opened again), and to the further pages.</summary>
    private static IActionResult Accepted(HttpRequest request, ResponseView view, IReadOnlyList<HandoverLink>? links)
    {
        var token = request.Query["t"].Count > 0 ? request.Query["t"].ToString() : request.HasFormContentType ? request.Form["t"].ToString() : string.Empty;
        var html = new StringBuilder()
            .Append("<h1>Referral accepted</h1>")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"nhsuk-body\">You accepted this referral on {view.Decision!.At:d MMMM yyyy}. Thank you: the referrer has been told.</p>")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"nhsuk-body\"><a href=\"/api/{ProviderResponseHttp.Route}?t={Uri.EscapeDataString(token)}\">See the referral in full</a>: the person's contact details, needs and risks. The link in your email opens it too.</p>");
        if (links is { Count: > 0 })
        {
            html.Append("<nav aria-label=\"Your work with this person\"><ul class=\"nhsuk-list\">");
            foreach (var link in links)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li><a class=\"nhsuk-link\" href=\"{E(link.Href)}\">{E(link.Text)}</a></li>");
            }

            html.Append("</ul></nav>");
        }

        return Render(200, "Referral accepted", html.ToString(), new Dictionary<string, string> { ["Cache-Control"] = "no-store" });
    }

    public static IActionResult Outcome(ResponseView view) => view.State switch
    {
        ResponseState.Invalid => Message(400, "This link does not work", "The link is incomplete or has been changed. Please use the link exactly as it is in your email."),
        ResponseState.Expired => Message(410, "This link has expired", "Please contact the referring practice if you would still like to take this referral."),
        ResponseState.Withdrawn => Message(410, "This referral was withdrawn", "The practice has withdrawn this referral. No action is needed."),
        ResponseState.Superseded => Message(410, "This referral has moved on", "This referral is no longer waiting for your answer. No action is needed."),
        ResponseState.AlreadyDecided when view.Decision!.Action == "accept" =>
            Message(200, "Referral accepted", $"You accepted this referral on {view.Decision.At:d MMMM yyyy}. Thank you: the referrer has been told."),
        ResponseState.AlreadyDecided =>
            Message(200, "Referral declined", $"You declined this referral on {view.Decision!.At:d MMMM yyyy}. Thank you: it will be offered elsewhere."),
        _ => Message(500, "Something went wrong", "Please try again later."),
    };

    private static string Row(string key, string value) =>
        $"<div class=\"nhsuk-summary-list__row\"><dt class=\"nhsuk-summary-list__key\">{E(key)}</dt><dd class=\"nhsuk-summary-list__value\">{E(value)}</dd></div>";

    private static string DatePart(string name, string label, int width) =>
        $"<div class=\"nhsuk-date-input__item\"><div class=\"nhsuk-form-group\"><label class=\"nhsuk-label nhsuk-date-input__label\" for=\"{name}\">{label}</label>" +
        $"<input class=\"nhsuk-input nhsuk-date-input__input nhsuk-input--width-{width}\" id=\"{name}\" name=\"{name}\" type=\"text\" inputmode=\"numeric\"></div></div>";
}

using System.Globalization;
using System.Text;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using static Hub.Platform.Http.HtmlPage;

namespace Hub.Chase;

/// <summary>A further page for the accepting provider, linked from the handover page.</summary>
public sealed record HandoverLink(string Text, string Href);

/// <summary>The further pages a kind of service works on from the handover (registered by the slice that serves them,
/// e.g. the link worker's episode), opened with the same link the handover page was opened with.</summary>
public interface IHandoverLinks
{
    Task<IReadOnlyList<HandoverLink>> ForAsync(string providerId, string token, CancellationToken cancellationToken);
}

/// <summary>The handover page: the referral in full for the provider that accepted it. Never stored by a browser or a
/// proxy (<c>Cache-Control: no-store</c>), printable (plain NHS.UK summary lists, no script), every text encoded.</summary>
public static class ProviderHandoverPage
{
    /// <summary>What every handover answer carries: the page holds a person's details, so nothing may keep a copy.</summary>
    public static readonly IReadOnlyDictionary<string, string> NoStore = new Dictionary<string, string>
    {
        ["Cache-Control"] = "no-store",
        ["Pragma"] = "no-cache",
    };

    /// <param name="links">Further pages for this provider's kind of service (a link-worker service's episode and onward
    /// connections), each opened with the same link.</param>
    public static IActionResult Show(HttpRequest request, HandoverView view, List<(string Field, string Message)>? errors = null, IReadOnlyList<HandoverLink>? links = null)
    {
        if (view.State != HandoverState.Open)
        {
            return Refused(request, view);
        }

        var h = view.Handover!;
        var referral = view.Referral!;
        var html = new StringBuilder(ErrorSummary(errors))
            .Append("<span class=\"nhsuk-caption-l\">Referral you accepted</span>")
            .Append(CultureInfo.InvariantCulture, $"<h1>{E(h.Name ?? "Name not given")}</h1>")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"nhsuk-body\">You accepted this referral on {view.AcceptedAt:d MMMM yyyy}. Thank you: the referrer has been told.</p>")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"nhsuk-body\">For {E(view.ProviderName ?? "your organisation")}: {E(referral.Activity)}, referred by {E(referral.PracticeName)}. This page is for you only: please do not forward it. To keep a copy, print it (Ctrl+P or your browser's Print).</p>");
        if (links is { Count: > 0 })
        {
            html.Append("<nav aria-label=\"Your work with this person\"><ul class=\"nhsuk-list\">");
            foreach (var link in links)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li><a class=\"nhsuk-link\" href=\"{E(link.Href)}\">{E(link.Text)}</a></li>");
            }

            html.Append("</ul></nav>");
        }

        html.Append("<h2 class=\"nhsuk-heading-m\">The person</h2><dl class=\"nhsuk-summary-list\">")
            .Append(Row("Name", h.Name ?? "Not given"))
            .Append(Row("Date of birth", h.BirthDate ?? "Not given"))
            .Append(Row("NHS number", h.NhsNumber ?? "Not given"))
            .Append(Rows("Contact details", h.Contacts.Select(Contact).ToList(), "None given: ask the referrer"))
            .Append(Row("Preferred way to be contacted", h.PreferredContact ?? "Not said"))
            .Append(Rows("Address", h.Addresses, "Not given"));
        if (h.Languages.Count > 0)
        {
            html.Append(Row("Language", string.Join(", ", h.Languages)));
        }

        if (h.InterpreterRequired is { } interpreter)
        {
            html.Append(Row("Interpreter needed", interpreter ? "Yes" : "No"));
        }

        if (h.Needs.Count > 0)
        {
            html.Append(Rows("Accessibility and other needs", h.Needs, string.Empty));
        }

        html.Append(Row("GP practice", h.Practice is { } gp ? $"{gp.Name ?? "Practice"}{(gp.Ods is null ? string.Empty : $" ({gp.Ods})")}" : "Not given"))
            .Append("</dl>");

        html.Append("<h2 class=\"nhsuk-heading-m\">Risks and safeguarding</h2>");
        if (h.Risks.Count == 0)
        {
            html.Append("<div class=\"nhsuk-warning-callout\"><h3 class=\"nhsuk-warning-callout__label\">Important</h3><p>The referral records no risks, not even \"no known risks\". Ask the referrer before visiting the person at home.</p></div>");
        }
        else
        {
            html.Append("<ul class=\"nhsuk-list nhsuk-list--bullet\">");
            foreach (var risk in h.Risks)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li>{E(risk.Text)}{(risk.Status is null or "active" ? string.Empty : $" ({E(risk.Status)})")}</li>");
            }

            html.Append("</ul>");
        }

        html.Append("<h2 class=\"nhsuk-heading-m\">The referral</h2><dl class=\"nhsuk-summary-list\">")
            .Append(Row("Activity", referral.Activity))
            .Append(Rows("Reason, in the referrer's words", h.Reasons, "Not given"))
            .Append(Row("Consent", h.Consent))
            .Append(Row("Referral reference", referral.ReferrerReference ?? "Not given"))
            .Append("</dl>");

        html.Append("<h2 class=\"nhsuk-heading-m\">The referrer</h2><dl class=\"nhsuk-summary-list\">")
            .Append(Row("Name", h.ReferrerName ?? "Not given"))
            .Append(Row("Organisation", h.ReferrerOrganisation ?? referral.PracticeName))
            .Append(Rows("Contact details", h.ReferrerContacts.Select(Contact).ToList(), "Not given"))
            .Append("</dl>");
        html.Append(ProgressSection(request, view, errors));
        return Render(errors is { Count: > 0 } ? 400 : 200, "Referral you accepted", html.ToString(), new Dictionary<string, string>(NoStore));
    }

    /// <summary>What the provider has reported so far, and the form for the next report (no script: every detail field
    /// is shown, each under its choice).</summary>
    private static string ProgressSection(HttpRequest request, HandoverView view, List<(string Field, string Message)>? errors)
    {
        var progress = view.Progress ?? ProgressState.None;
        var html = new StringBuilder("<h2 class=\"nhsuk-heading-m\" id=\"progress\">Progress</h2><dl class=\"nhsuk-summary-list\">")
            .Append(Row("Last update", progress.Last?.Label() ?? "None yet"))
            .Append(Row("Tries to contact without reaching the person", progress.ContactTries.ToString(CultureInfo.InvariantCulture)))
            .Append(Row("First session", progress.FirstSession?.ToString("d MMMM yyyy", CultureInfo.InvariantCulture) ?? "Not yet"))
            .Append(Row("Sessions attended so far", progress.Sessions?.ToString(CultureInfo.InvariantCulture) ?? "None reported"))
            .Append("</dl>");
        if (progress.Ended)
        {
            return html.Append("<p class=\"nhsuk-body\">Your work with this person is recorded as ended. Thank you.</p>").ToString();
        }

        string? Error(string field) => errors?.FirstOrDefault(e => e.Field == field).Message;
        string ErrorLine(string field) => Error(field) is { } message ? $"<span class=\"nhsuk-error-message\"><span class=\"nhsuk-u-visually-hidden\">Error:</span> {E(message)}</span>" : string.Empty;
        string Group(string field) => Error(field) is null ? "nhsuk-form-group" : "nhsuk-form-group nhsuk-form-group--error";

        html.Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"/api/{ProviderProgressHttp.Route}\" novalidate>")
            .Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"t\" value=\"{E(Token(request))}\">")
            .Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"n\" value=\"{progress.Reports}\">")
            .Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"{CsrfField}\" value=\"{IssueCsrf(request)}\">")
            .Append(CultureInfo.InvariantCulture, $"<div class=\"{Group("report")}\"><fieldset class=\"nhsuk-fieldset\"><legend class=\"nhsuk-fieldset__legend nhsuk-fieldset__legend--s\">What has happened?</legend>")
            .Append(ErrorLine("report"))
            .Append("<div class=\"nhsuk-radios\">");
        var first = true;
        foreach (var report in StoredSpelling.All<ProgressReport>())
        {
            var id = first ? "report" : $"report-{report.Spelling()}";
            first = false;
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"nhsuk-radios__item\"><input class=\"nhsuk-radios__input\" id=\"{id}\" name=\"report\" type=\"radio\" value=\"{report.Spelling()}\"><label class=\"nhsuk-label nhsuk-radios__label\" for=\"{id}\">{E(report.Label())}</label></div>");
        }

        html.Append("</div></fieldset></div>")
            .Append(CultureInfo.InvariantCulture, $"<div class=\"{Group("day")}\"><fieldset class=\"nhsuk-fieldset\" role=\"group\" aria-describedby=\"day-hint\"><legend class=\"nhsuk-fieldset__legend nhsuk-fieldset__legend--s\">If a first session: its date</legend>")
            .Append("<div class=\"nhsuk-hint\" id=\"day-hint\">For example, 27 3 2027</div>").Append(ErrorLine("day"))
            .Append("<div class=\"nhsuk-date-input\">").Append(DatePart("day", "Day", 2)).Append(DatePart("month", "Month", 2)).Append(DatePart("year", "Year", 4)).Append("</div></fieldset></div>")
            .Append(CultureInfo.InvariantCulture, $"<div class=\"{Group("sessions")}\"><label class=\"nhsuk-label\" for=\"sessions\">If sessions attended: how many so far</label>{ErrorLine("sessions")}")
            .Append("<input class=\"nhsuk-input nhsuk-input--width-4\" id=\"sessions\" name=\"sessions\" type=\"text\" inputmode=\"numeric\"></div>")
            .Append(Choices("outcome", "If finished: how did it end?", StoredSpelling.All<FinishOutcome>().Select(o => (o.Spelling(), o.Label())), Group("outcome"), ErrorLine("outcome")))
            .Append(Choices("reason", "If stopped: why?", StoredSpelling.All<StopReason>().Select(r => (r.Spelling(), r.Label())), Group("reason"), ErrorLine("reason")))
            .Append("<button class=\"nhsuk-button\" type=\"submit\">Send update</button></form>");
        return html.ToString();
    }

    /// <summary>After a progress report: recorded, or why nothing changed.</summary>
    public static IActionResult Reported(HttpRequest request, ProgressResult result, HandoverView view, ProgressState state, ProgressReport report)
    {
        if (result == ProgressResult.Refused)
        {
            return Refused(request, view);
        }

        var back = $"/api/{(view.Claims!.Action == "accept" ? ProviderResponseHttp.Route : ProviderHandoverHttp.Route)}?t={Uri.EscapeDataString(Token(request))}";
        var (status, title, text) = result switch
        {
            ProgressResult.Recorded => (200, "Update recorded", $"Recorded: {report.Label().ToLowerInvariant()}. Thank you: the referral's record is up to date."),
            ProgressResult.Ended => (409, "Nothing more can be recorded", "Your work with this person is already recorded as ended, so this update changed nothing."),
            _ => (409, "This page was out of date", "Nothing was changed: an update had already been sent since this page was opened (perhaps this one). Open the referral again to see where it stands."),
        };
        var html = $"<h1>{E(title)}</h1><p class=\"nhsuk-body\">{E(text)}</p><p class=\"nhsuk-body\"><a href=\"{E(back)}#progress\">Back to the referral</a></p>";
        return Render(status, title, html, new Dictionary<string, string>(NoStore));
    }

    private static string Token(HttpRequest request) =>
        request.Query["t"].Count > 0 ? request.Query["t"].ToString() : request.HasFormContentType ? request.Form["t"].ToString() : string.Empty;

    private static string Choices(string name, string legend, IEnumerable<(string Code, string Label)> choices, string group, string error)
    {
        var html = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<div class=\"{group}\"><fieldset class=\"nhsuk-fieldset\"><legend class=\"nhsuk-fieldset__legend nhsuk-fieldset__legend--s\">{E(legend)}</legend>{error}<div class=\"nhsuk-radios nhsuk-radios--small\">");
        var first = true;
        foreach (var (code, label) in choices)
        {
            var id = first ? name : $"{name}-{code}";
            first = false;
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"nhsuk-radios__item\"><input class=\"nhsuk-radios__input\" id=\"{id}\" name=\"{name}\" type=\"radio\" value=\"{code}\"><label class=\"nhsuk-label nhsuk-radios__label\" for=\"{id}\">{E(label)}</label></div>");
        }

        return html.Append("</div></fieldset></div>").ToString();
    }

    private static string DatePart(string name, string label, int width) =>
        $"<div class=\"nhsuk-date-input__item\"><div class=\"nhsuk-form-group\"><label class=\"nhsuk-label nhsuk-date-input__label\" for=\"{name}\">{label}</label>" +
        $"<input class=\"nhsuk-input nhsuk-date-input__input nhsuk-input--width-{width}\" id=\"{name}\" name=\"{name}\" type=\"text\" inputmode=\"numeric\"></div></div>";

    /// <summary>What a link says when it cannot open the handover; an expired one offers a fresh link.</summary>
    public static IActionResult Refused(HttpRequest request, HandoverView view) => view.State switch
    {
        HandoverState.Expired => Expired(request),
        HandoverState.Recording => Page(409, "Your acceptance is being recorded", "Please open this link again in a minute to see the referral in full."),
        HandoverState.NotYours => Page(404, "This referral is not available", "Only the organisation that accepted this referral can see it in full."),
        HandoverState.Withdrawn => Page(410, "This referral was withdrawn", "The practice has withdrawn this referral. Please do not contact the person about it."),
        HandoverState.Closed => Page(410, "This referral has closed", "This referral ended some time ago, so its details are no longer shown. Please contact the referrer if you need them."),
        _ => Page(400, "This link does not work", "The link is incomplete or has been changed. Please use the link exactly as it is in your email."),
    };

    /// <summary>After asking for a fresh link.</summary>
    public static IActionResult LinkSent() =>
        Page(200, "We have emailed you a new link", "Check the email address your organisation gave the hub. The new link opens the referral in full.");

    private static IActionResult Expired(HttpRequest request)
    {
        var token = request.Query["t"].Count > 0 ? request.Query["t"].ToString() : request.HasFormContentType ? request.Form["t"].ToString() : string.Empty;
        var html = new StringBuilder()
            .Append("<h1>This link has expired</h1>")
            .Append("<p class=\"nhsuk-body\">For the person's safety, links to a referral stop working after a while. We can email a new link to your organisation's address.</p>")
            .Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"/api/{ProviderHandoverHttp.Route}\" novalidate>")
            .Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"t\" value=\"{E(token)}\">")
            .Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"{CsrfField}\" value=\"{IssueCsrf(request)}\">")
            .Append("<button class=\"nhsuk-button\" type=\"submit\">Email me a new link</button></form>");
        return Render(410, "This link has expired", html.ToString(), new Dictionary<string, string>(NoStore));
    }

    private static IActionResult Page(int status, string title, string message) =>
        Render(status, title, $"<h1>{E(title)}</h1><p class=\"nhsuk-body\">{E(message)}</p>", new Dictionary<string, string>(NoStore));

    private static string Contact(HandoverContact c) => $"{c.How}{(c.Use is null ? string.Empty : $" ({c.Use})")}: {c.Value}{(c.Preferred ? " (preferred)" : string.Empty)}";

    private static string Row(string key, string value) =>
        $"<div class=\"nhsuk-summary-list__row\"><dt class=\"nhsuk-summary-list__key\">{E(key)}</dt><dd class=\"nhsuk-summary-list__value\">{E(value)}</dd></div>";

    private static string Rows(string key, IReadOnlyList<string> values, string none) => values.Count switch
    {
        0 => Row(key, none),
        1 => Row(key, values[0]),
        _ => $"<div class=\"nhsuk-summary-list__row\"><dt class=\"nhsuk-summary-list__key\">{E(key)}</dt><dd class=\"nhsuk-summary-list__value\"><ul class=\"nhsuk-list\">{string.Concat(values.Select(v => $"<li>{E(v)}</li>"))}</ul></dd></div>",
    };
}

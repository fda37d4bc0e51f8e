using System.Globalization;
using System.Text;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using static Hub.Platform.Http.HtmlPage;

namespace Hub.Chase;

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

    public static IActionResult Show(HttpRequest request, HandoverView view)
    {
        if (view.State != HandoverState.Open)
        {
            return Refused(request, view);
        }

        var h = view.Handover!;
        var referral = view.Referral!;
        var html = new StringBuilder()
            .Append("<span class=\"nhsuk-caption-l\">Referral you accepted</span>")
            .Append(CultureInfo.InvariantCulture, $"<h1>{E(h.Name ?? "Name not given")}</h1>")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"nhsuk-body\">You accepted this referral on {view.AcceptedAt:d MMMM yyyy}. Thank you: the referrer has been told.</p>")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"nhsuk-body\">For {E(view.ProviderName ?? "your organisation")}: {E(referral.Activity)}, referred by {E(referral.PracticeName)}. This page is for you only: please do not forward it. To keep a copy, print it (Ctrl+P or your browser's Print).</p>");

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
        return Render(200, "Referral you accepted", html.ToString(), new Dictionary<string, string>(NoStore));
    }

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

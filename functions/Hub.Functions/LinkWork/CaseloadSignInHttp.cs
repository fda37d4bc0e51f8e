using System.Globalization;
using System.Text;
using Hub.Access;
using Hub.Chase;
using Hub.Platform.Http;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using static Hub.Platform.Http.HtmlPage;

namespace Hub.LinkWork;

/// <summary><c>GET|POST provider/caseload/sign-in</c>: the form where a link worker asks for a sign-in link to the
/// service's caseload (by the service's registered email address, or just the service id from a link), and the same
/// answer whatever was typed; asked too often for one address or service id, a plain <c>429</c> page (the same whether
/// or not it is registered).</summary>
public sealed class CaseloadSignInHttp(CaseloadSignIn signIn, Microsoft.Extensions.Options.IOptions<CaseloadSignInOptions> options)
{
    public const string Route = "provider/caseload/sign-in";

    [Function("ShowCaseloadSignIn")]
    public static IActionResult Show([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest request) =>
        CaseloadPage.SignIn(request, request.Query["service"].ToString());

    [Function("RequestCaseloadSignIn")]
    public async Task<IActionResult> Ask([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route)] HttpRequest request)
    {
        var (form, refusal) = await ReadTrustedFormAsync(request, "the caseload sign-in page");
        if (form is null)
        {
            return refusal!;
        }

        if (await signIn.RequestAsync(form["service"].ToString(), form["email"].ToString(), request.HttpContext.RequestAborted) == SignInRequestResult.Limited)
        {
            // The same page whether or not the address or service is registered: it says only to wait.
            var wait = (int)Math.Ceiling(options.Value.SignInLimitWindow.TotalSeconds);
            return HtmlPage.Render(429, "Too many sign-in requests",
                "<h1>Too many sign-in requests</h1><p class=\"nhsuk-body\">A sign-in link has been asked for too often for what you typed. Please wait a while before asking again, and use the newest email you have.</p>" +
                $"<p class=\"nhsuk-body\"><a class=\"nhsuk-link\" href=\"/api/{Route}\">Back to the sign-in page</a></p>",
                new Dictionary<string, string>(ProviderHandoverPage.NoStore) { ["Retry-After"] = wait.ToString(CultureInfo.InvariantCulture) });
        }

        return CaseloadPage.Render(200, "Check your email",
            "<h1>Check your email</h1><p class=\"nhsuk-body\">If that address is registered for a link-worker service, a sign-in link is on its way to the service's registered address. It works once, for a short while.</p>" +
            $"<p class=\"nhsuk-body\"><a class=\"nhsuk-link\" href=\"/api/{Route}\">Ask for another link</a></p>");
    }
}

/// <summary>The caseload's pages for people: plain NHS.UK pages, no script, never stored (<c>Cache-Control: no-store</c>).</summary>
public static class CaseloadPage
{
    public static string Label(this NextAction next) => next switch
    {
        NextAction.ReviewDue => "Review due",
        NextAction.NoContactYet => "No contact yet",
        NextAction.NoPlanYet => "No plan yet",
        NextAction.ConnectionAwaitingProvider => "Connection awaiting a provider",
        _ => "Nothing due",
    };

    public static IActionResult Render(int status, string title, string html) =>
        HtmlPage.Render(status, title, html, new Dictionary<string, string>(ProviderHandoverPage.NoStore));

    public static IActionResult SignIn(HttpRequest request, string? serviceId)
    {
        var html = new StringBuilder("<h1>Sign in to your caseload</h1>")
            .Append("<p class=\"nhsuk-body\">We will email a sign-in link to your link-worker service's address registered with the hub. The link works once, for a short while.</p>")
            .Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"/api/{CaseloadSignInHttp.Route}\" novalidate>")
            .Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"{CsrfField}\" value=\"{IssueCsrf(request)}\">");
        if (!string.IsNullOrWhiteSpace(serviceId))
        {
            html.Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"service\" value=\"{E(serviceId.Trim())}\">");
        }

        html.Append("<div class=\"nhsuk-form-group\"><label class=\"nhsuk-label\" for=\"email\">Your service's email address, as registered with the hub</label>")
            .Append(string.IsNullOrWhiteSpace(serviceId) ? string.Empty : "<div class=\"nhsuk-hint\" id=\"email-hint\">You can leave this empty: the link you followed names your service.</div>")
            .Append(CultureInfo.InvariantCulture, $"<input class=\"nhsuk-input\" id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" spellcheck=\"false\"{(string.IsNullOrWhiteSpace(serviceId) ? string.Empty : " aria-describedby=\"email-hint\"")}></div>")
            .Append("<button class=\"nhsuk-button\" type=\"submit\">Email me a sign-in link</button></form>");
        return Render(200, "Sign in to your caseload", html.ToString());
    }

    /// <summary>A link that cannot open the caseload: used, expired or broken, each offering a new one.</summary>
    public static IActionResult Refused(CaseloadSignInState state, string? serviceId)
    {
        var (status, title, text) = state switch
        {
            CaseloadSignInState.Used => (410, "This link has been used", "Each sign-in link opens your caseload once, so that a forwarded or saved email cannot open it again."),
            CaseloadSignInState.Expired => (410, "This link has expired", "Sign-in links stop working after a short while, for the people on your caseload's safety."),
            _ => (400, "This link does not work", "The link is incomplete or has been changed."),
        };
        var again = serviceId is null ? $"/api/{CaseloadSignInHttp.Route}" : $"/api/{CaseloadSignInHttp.Route}?service={Uri.EscapeDataString(serviceId)}";
        return Render(status, title, $"<h1>{E(title)}</h1><p class=\"nhsuk-body\">{E(text)}</p><p class=\"nhsuk-body\"><a class=\"nhsuk-link\" href=\"{E(again)}\">Get a new sign-in link</a></p>");
    }

    /// <summary>The caseload: each open episode with its next action and a link to its page (ids and dates only).</summary>
    public static IActionResult Show(IReadOnlyList<CaseloadEntry> entries, Func<CaseloadEntry, string> link)
    {
        var html = new StringBuilder("<h1>Your caseload</h1>");
        if (entries.Count == 0)
        {
            html.Append("<p class=\"nhsuk-body\">No open episodes.</p>");
        }
        else
        {
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"nhsuk-body\">{entries.Count} open {(entries.Count == 1 ? "episode" : "episodes")}, most pressing first. Each link opens the episode page for a while; sign in again for fresh ones.</p>")
                .Append("<table class=\"nhsuk-table\"><caption class=\"nhsuk-table__caption\">Open episodes</caption><thead class=\"nhsuk-table__head\"><tr class=\"nhsuk-table__row\">")
                .Append("<th scope=\"col\" class=\"nhsuk-table__header\">Episode</th><th scope=\"col\" class=\"nhsuk-table__header\">Next action</th><th scope=\"col\" class=\"nhsuk-table__header\">Contacts</th><th scope=\"col\" class=\"nhsuk-table__header\">Goals</th><th scope=\"col\" class=\"nhsuk-table__header\">Review date</th></tr></thead><tbody class=\"nhsuk-table__body\">");
            foreach (var entry in entries)
            {
                var started = DateTimeOffset.Parse(entry.Started, CultureInfo.InvariantCulture).ToString("d MMMM yyyy", CultureInfo.InvariantCulture);
                var next = StoredSpelling.ParseOrNull<NextAction>(entry.NextAction) is { } parsed ? parsed.Label() : entry.NextAction;
                var review = entry.ReviewDate is null ? "Not set" : DateOnly.Parse(entry.ReviewDate, CultureInfo.InvariantCulture).ToString("d MMMM yyyy", CultureInfo.InvariantCulture);
                html.Append("<tr class=\"nhsuk-table__row\">")
                    .Append(CultureInfo.InvariantCulture, $"<td class=\"nhsuk-table__cell\"><a class=\"nhsuk-link\" href=\"{E(link(entry))}\">Episode started {started} (referral {E(entry.ReferralId)})</a></td>")
                    .Append(CultureInfo.InvariantCulture, $"<td class=\"nhsuk-table__cell\">{E(next)}</td><td class=\"nhsuk-table__cell\">{entry.Contacts}</td><td class=\"nhsuk-table__cell\">{entry.Goals}</td><td class=\"nhsuk-table__cell\">{E(review)}</td></tr>");
            }

            html.Append("</tbody></table>");
        }

        return Render(200, "Your caseload", html.ToString());
    }
}

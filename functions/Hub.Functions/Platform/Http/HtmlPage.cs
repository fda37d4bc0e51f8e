using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Hub.Platform.Http;

/// <summary>Small pages for people (providers now, patients later) in the NHS.UK design system, with the CSS served by
/// the app itself. Pages work without JavaScript; every text that reaches one must go through <see cref="E"/>.</summary>
public static class HtmlPage
{
    public const string StylesheetPath = "/api/assets/nhsuk-frontend.min.css";
    public const string CsrfField = "csrf";
    private const string CsrfCookie = "hub-csrf";

    public static string E(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

    /// <param name="wide">Full width, for pages of tables and charts (the evidence report); otherwise the usual two-thirds column.</param>
    public static IActionResult Render(int status, string title, string mainHtml, IDictionary<string, string>? headers = null, bool wide = false)
    {
        var html = $$"""
            <!DOCTYPE html>
            <html lang="en-GB">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>{{E(title)}} – Social prescribing</title>
              <link rel="stylesheet" href="{{StylesheetPath}}">
            </head>
            <body>
              <a class="nhsuk-skip-link" href="#maincontent">Skip to main content</a>
              <header class="nhsuk-header" role="banner">
                <div class="nhsuk-header__container nhsuk-width-container">
                  <div class="nhsuk-header__service"><span class="nhsuk-header__service-name">Social prescribing referrals</span></div>
                </div>
              </header>
              <div class="nhsuk-width-container">
                <main class="nhsuk-main-wrapper" id="maincontent" role="main">
                  <div class="nhsuk-grid-row"><div class="{{(wide ? "nhsuk-grid-column-full" : "nhsuk-grid-column-two-thirds")}}">
            {{mainHtml}}
                  </div></div>
                </main>
              </div>
              <footer role="contentinfo"><div class="nhsuk-footer"><div class="nhsuk-width-container"><p class="nhsuk-body-s">Social Prescribing Referral Hub</p></div></div></footer>
            </body>
            </html>
            """;
        var all = new Dictionary<string, string>(headers ?? new Dictionary<string, string>())
        {
            // Tokens travel in the URL: never leak them in a Referer, never let the page be framed or load others' content.
            ["Referrer-Policy"] = "no-referrer",
            ["X-Frame-Options"] = "DENY",
            ["Content-Security-Policy"] = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        };
        return new BodyResult(status, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(html), all);
    }

    /// <summary>A plain message page: for errors and for "what already happened".</summary>
    public static IActionResult Message(int status, string title, string message) =>
        Render(status, title, $"<h1>{E(title)}</h1><p class=\"nhsuk-body\">{E(message)}</p>");

    /// <summary>The NHS.UK error summary at the top of a form: each problem linked to its field.</summary>
    public static string ErrorSummary(IReadOnlyCollection<(string Field, string Message)>? errors)
    {
        if (errors is not { Count: > 0 })
        {
            return string.Empty;
        }

        var html = new StringBuilder("<div class=\"nhsuk-error-summary\" aria-labelledby=\"error-summary-title\" role=\"alert\" tabindex=\"-1\">")
            .Append("<h2 class=\"nhsuk-error-summary__title\" id=\"error-summary-title\">There is a problem</h2><div class=\"nhsuk-error-summary__body\"><ul class=\"nhsuk-list nhsuk-error-summary__list\">");
        foreach (var (field, message) in errors)
        {
            html.Append("<li><a href=\"#").Append(E(field)).Append("\">").Append(E(message)).Append("</a></li>");
        }

        return html.Append("</ul></div></div>").ToString();
    }

    /// <summary>Issues the cross-site request forgery token for a form: a random value in a SameSite=Strict cookie that
    /// the form repeats; a forged post from another site has neither.</summary>
    public static string IssueCsrf(HttpRequest request)
    {
        var value = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        request.HttpContext.Response.Cookies.Append(CsrfCookie, value, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = request.IsHttps,
            Path = "/api",
            MaxAge = TimeSpan.FromHours(2),
        });
        return value;
    }

    /// <summary>The posted form, when it came from the hub's own page: a form body whose anti-forgery field matches the
    /// cookie. Otherwise the page to answer with: 400 for no form at all, 403 for a form that fails the check.</summary>
    /// <param name="startAgain">Where the person starts again, in the pages' words: the link in their email, or the report page.</param>
    public static async Task<(IFormCollection? Form, IActionResult? Refusal)> ReadTrustedFormAsync(HttpRequest request, string startAgain = "the link in your email")
    {
        if (!request.HasFormContentType)
        {
            return (null, Message(400, "Something went wrong", $"Please open {startAgain} again."));
        }

        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        return CsrfHolds(request, form)
            ? (form, null)
            : (null, Message(403, "Please try again", $"For your security this page could not be sent. Open {startAgain} again and try again from there."));
    }

    private static bool CsrfHolds(HttpRequest request, IFormCollection form)
    {
        var cookie = request.Cookies[CsrfCookie];
        var field = form[CsrfField].ToString();
        if (string.IsNullOrEmpty(cookie) || string.IsNullOrEmpty(field)
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(cookie), Encoding.ASCII.GetBytes(field)))
        {
            return false;
        }

        // Browsers say where a post came from; one from another site is refused even with a cookie.
        return request.Headers["Sec-Fetch-Site"].ToString() is "" or "same-origin" or "none";
    }
}

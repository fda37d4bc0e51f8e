using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using static Hub.Platform.Http.HtmlPage;

namespace Hub.Email;

/// <summary><c>GET /api/dev/outbox</c>: the emails the development outbox kept, links clickable. Not found anywhere
/// the outbox is not in use (outside Development, or with a SendGrid key).</summary>
public sealed class OutboxHttp(DevelopmentOutbox outbox, IConfiguration configuration, IOptions<EmailOptions> options)
{
    [Function("DevelopmentOutbox")]
    public async Task<IActionResult> Show([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dev/outbox")] HttpRequest request)
    {
        if (!EmailServices.IsDevelopment(configuration) || !string.IsNullOrWhiteSpace(options.Value.ApiKey))
        {
            return Message(404, "Page not found", "There is no outbox here.");
        }

        var emails = await outbox.ListAsync(cancellationToken: request.HttpContext.RequestAborted);
        var html = new StringBuilder("<h1>Development outbox</h1><p class=\"nhsuk-body\">Emails the hub would have sent, newest first. No SendGrid key is set, so nothing left this machine.</p>");
        if (emails.Count == 0)
        {
            html.Append("<p class=\"nhsuk-body\">No emails yet.</p>");
        }

        foreach (var email in emails)
        {
            // The email bodies are the hub's own, built with every text encoded; shown as they would arrive.
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"nhsuk-card\"><div class=\"nhsuk-card__content\"><h2 class=\"nhsuk-card__heading\">{E(email.Subject)}</h2>")
                .Append(CultureInfo.InvariantCulture, $"<p class=\"nhsuk-body-s\">To {E(email.To)} at {email.At:HH:mm:ss d MMM}</p>{email.Html}</div></div>");
        }

        return Render(200, "Development outbox", html.ToString());
    }
}

using System.Text;
using Hub.Platform.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using SendGrid.Helpers.EventWebhook;

namespace Hub.Email;

/// <summary><c>POST /api/email/events</c>: SendGrid's signed Event Webhook. Anonymous (SendGrid cannot send a key): the
/// ECDSA signature over the timestamp and body is the authentication. 200 once handled (again or for the first time),
/// 400 not an array of events, 403 forged or replayed, 404 when no verification key is configured, 5xx when handling
/// failed (SendGrid retries).</summary>
public sealed class EmailEventsHttp(EmailEvents events)
{
    /// <summary>SendGrid's deliveries are batches of small events; far more than this is not SendGrid.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    [Function("EmailEvents")]
    public async Task<IActionResult> Receive(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "email/events")] HttpRequest request,
        [DurableClient] DurableTaskClient durable)
    {
        if (!events.IsConfigured)
        {
            return Plain(404, "Not found.");
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            return Plain(413, "Too large.");
        }

        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        if (body.Length > MaxBodyBytes)
        {
            return Plain(413, "Too large.");
        }

        var result = await events.ReceiveAsync(body,
            request.Headers[RequestValidator.SIGNATURE_HEADER].ToString(),
            request.Headers[RequestValidator.TIMESTAMP_HEADER].ToString(),
            durable, request.HttpContext.RequestAborted);
        return result.Answer switch
        {
            EmailEventsAnswer.Handled => Plain(200, $"Handled {result.Events} event(s), {result.Repeated} already handled."),
            EmailEventsAnswer.NotConfigured => Plain(404, "Not found."),
            EmailEventsAnswer.Forged => Plain(403, "The signature does not verify with the hub's Event Webhook key."),
            EmailEventsAnswer.Stale => Plain(403, "The signed timestamp is too old or in the future: a replay is refused."),
            _ => Plain(400, "The body is not a JSON array of SendGrid events."),
        };
    }

    private static BodyResult Plain(int status, string text) => new(status, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(text + "\n"));
}

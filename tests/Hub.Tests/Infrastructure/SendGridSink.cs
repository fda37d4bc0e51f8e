using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Hub.Tests.Infrastructure;

/// <summary>One request SendGrid would have received: who it was to, what it said, and the raw JSON and headers, so
/// tests can check what went over the wire rather than what the code meant to send.</summary>
public sealed record RecordedEmail(
    IReadOnlyList<string> To,
    string? Subject,
    string? PlainText,
    string? Html,
    bool? ClickTrackingEnabled,
    string Body,
    IReadOnlyDictionary<string, string> Headers,
    int RespondedWith)
{
    public string? Authorization => Headers.TryGetValue("Authorization", out var value) ? value : null;

    internal static RecordedEmail Parse(string body, IReadOnlyDictionary<string, string> headers, int respondedWith)
    {
        var to = new List<string>();
        string? subject = null, plainText = null, html = null;
        bool? clickTracking = null;
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.TryGetProperty("personalizations", out var personalizations))
            {
                foreach (var personalization in personalizations.EnumerateArray())
                {
                    if (personalization.TryGetProperty("to", out var recipients))
                    {
                        to.AddRange(recipients.EnumerateArray().Select(r => r.GetProperty("email").GetString() ?? string.Empty));
                    }

                    if (subject is null && personalization.TryGetProperty("subject", out var own))
                    {
                        subject = own.GetString();
                    }
                }
            }

            if (root.TryGetProperty("subject", out var shared))
            {
                subject ??= shared.GetString();
            }

            if (root.TryGetProperty("content", out var contents))
            {
                foreach (var content in contents.EnumerateArray())
                {
                    var value = content.GetProperty("value").GetString();
                    switch (content.GetProperty("type").GetString())
                    {
                        case "text/plain": plainText = value; break;
                        case "text/html": html = value; break;
                    }
                }
            }

            if (root.TryGetProperty("tracking_settings", out var tracking)
                && tracking.TryGetProperty("click_tracking", out var click)
                && click.TryGetProperty("enable", out var enabled))
            {
                clickTracking = enabled.GetBoolean();
            }
        }
        catch (JsonException)
        {
            // Kept raw in Body; a test that expects JSON will see the fields missing.
        }

        return new RecordedEmail(to, subject, plainText, html, clickTracking, body, headers, respondedWith);
    }
}

/// <summary>A stand-in for the SendGrid API on a free loopback port, so the real <c>SendGridClient</c> runs end to end
/// (auth header, JSON, status codes). Records every <c>POST /v3/mail/send</c> and answers 202 unless told otherwise.</summary>
public sealed class SendGridSink : IAsyncDisposable
{
    /// <summary>What SendGrid answers for a malformed recipient.</summary>
    public const string InvalidAddressError =
        """{"errors":[{"message":"Does not contain a valid address.","field":"personalizations.0.to.0.email"}]}""";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(int Status, string? Body)> _next = new();
    private readonly List<RecordedEmail> _emails = [];
    private readonly Lock _lock = new();

    private SendGridSink(WebApplication app)
    {
        _app = app;
    }

    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>Every request received so far, in order (a snapshot).</summary>
    public IReadOnlyList<RecordedEmail> Emails
    {
        get
        {
            lock (_lock)
            {
                return [.. _emails];
            }
        }
    }

    public static async Task<SendGridSink> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var sink = new SendGridSink(app);
        app.MapPost("/v3/mail/send", (RequestDelegate)sink.ReceiveAsync);
        await app.StartAsync();
        sink.BaseUrl = app.Urls.First();
        return sink;
    }

    /// <summary>Queues the statuses of the next responses, in order (then 202 again). Error statuses get a SendGrid-shaped body.</summary>
    public void RespondNext(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _next.Enqueue((status, null));
        }
    }

    /// <summary>Queues one response with a body of the test's choosing.</summary>
    public void RespondNextWithBody(int status, string body) => _next.Enqueue((status, body));

    /// <summary>The first email that matches, once it has been received; fails at the deadline (generous by default:
    /// the machine may be busy) naming what was received.</summary>
    public async Task<RecordedEmail> WaitForEmailAsync(Func<RecordedEmail, bool> match, TimeSpan? timeout = null,
        [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(match))] string? condition = null)
    {
        var seconds = (int)(timeout ?? TimeSpan.FromSeconds(Eventually.DefaultTimeoutSeconds)).TotalSeconds;
        var emails = await Eventually.SeenAsync(() => Emails, received => received.Any(match), seconds, $"an email to the SendGrid sink matching {condition}");
        return emails.First(match);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ReceiveAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var (status, responseBody) = _next.TryDequeue(out var next) ? next : (202, null);
        lock (_lock)
        {
            _emails.Add(RecordedEmail.Parse(body, headers, status));
        }

        context.Response.StatusCode = status;
        responseBody ??= DefaultBody(status);
        if (responseBody is not null)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(responseBody, context.RequestAborted);
        }
    }

    private static string? DefaultBody(int status) => status switch
    {
        < 300 => null,
        400 => InvalidAddressError,
        401 => """{"errors":[{"message":"The provided authorization grant is invalid, expired, or revoked","field":null,"help":null}]}""",
        403 => """{"errors":[{"message":"access forbidden","field":null,"help":null}]}""",
        429 => """{"errors":[{"message":"too many requests","field":null,"help":null}]}""",
        _ => """{"errors":[{"message":"internal error","field":null,"help":null}]}""",
    };
}

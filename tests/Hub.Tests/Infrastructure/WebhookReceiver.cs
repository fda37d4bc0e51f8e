using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Hub.Tests.Infrastructure;

/// <summary>A provider's webhook receiver inside the test, on real HTTP at a fixed loopback port: it keeps every
/// notification as it arrived (headers and raw body) with what it answered, and can be told to answer 500, or be
/// stopped and started again on the same port (a receiver that is down, then up).</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly int _port = Ports.FreeLoopback();
    private WebApplication? _app;
    private int _failNext;

    public string Endpoint => $"http://127.0.0.1:{_port}/hub-notifications";

    public bool Failing { get; set; }

    public ConcurrentQueue<(string? Signature, string? Id, byte[] Body, int Answered)> Received { get; } = new();

    /// <summary>Only the notifications answered 2xx.</summary>
    public IReadOnlyList<(string? Signature, string? Id, byte[] Body, int Answered)> Accepted => Received.Where(r => r.Answered is >= 200 and < 300).ToList();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver();
        await receiver.UpAsync();
        return receiver;
    }

    /// <summary>The next <paramref name="requests"/> notifications are answered 500.</summary>
    public void FailNext(int requests) => Interlocked.Exchange(ref _failNext, requests);

    public async Task UpAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{_port}");
        var app = builder.Build();
        app.MapPost("/hub-notifications", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var answer = Failing || Interlocked.Decrement(ref _failNext) >= 0 ? 500 : 200;
            Received.Enqueue((context.Request.Headers["X-Hub-Signature"].ToString(), context.Request.Headers["X-Hub-Notification-Id"].ToString(), body.ToArray(), answer));
            context.Response.StatusCode = answer;
        });
        await app.StartAsync();
        _app = app;
    }

    public async Task DownAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => new(DownAsync());
}

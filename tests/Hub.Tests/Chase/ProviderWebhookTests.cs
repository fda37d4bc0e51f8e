using System.Security.Cryptography;
using System.Text;
using Hl7.Fhir.Model;
using Hub.Chase;
using Hub.Platform.Fhir;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Chase;

/// <summary>A chase slow enough that an offer stays with the first provider, and webhook retries in seconds.</summary>
public sealed class ProviderWebhookHub : TestHub
{
    protected override void Setup(HubSetup hub) => hub.FastChase()
        .Set("Chase:Reminders:0", "00:02:00")
        .Set("Chase:Reminders:1", "00:02:30")
        .Set("Chase:EscalateAfter", "00:03:00")
        .Set("Links:Lifetime", "00:10:00")
        .Set("ProviderWebhooks:AllowHttp", "true")
        .Set("ProviderWebhooks:FirstRetryAfter", "00:00:00.500")
        .Set("ProviderWebhooks:LongestRetryAfter", "00:00:01")
        .Set("ProviderWebhooks:GiveUpAfter", "00:00:08");
}

/// <summary>Provider webhooks: an id-only notification (the Task reference and what happened) for every change of a
/// Task the provider holds, signed with HMAC-SHA256 over timestamp and body, retried with backoff from an outbox in
/// tables, delivered once to a receiver that was down, given up (and shown) after the configured time.</summary>
public sealed class ProviderWebhookTests(ProviderWebhookHub hub) : IClassFixture<ProviderWebhookHub>
{
    private static readonly string[] PersonalData = ["Richard", "SMITH", "Smith", "9912003888", "Sandmoor", "01131231234", "1970", "richard.smith@example.com"];

    private sealed record Note(string? Signature, string? Id, byte[] Body, int Answered, string Focus, string Event);

    private async Task<string> RegisterAsync(WebhookReceiver receiver, string providerId = "alpha")
    {
        await hub.SeedProvidersAsync();
        var answer = await TestHub.CallAsync(HttpCall.Request("PUT", $"/api/manage/providers/{providerId}/webhook", Encoding.UTF8.GetBytes($$"""{"endpoint": "{{receiver.Endpoint}}"}"""), "application/json"),
            r => hub.Function<ProviderWebhookHttp>().Save(r, providerId));
        Assert.Equal(200, answer.Status);
        return System.Text.Json.JsonDocument.Parse(answer.Body).RootElement.GetProperty("secret").GetString()!;
    }

    private static Note Read((string? Signature, string? Id, byte[] Body, int Answered) received)
    {
        var bundle = (Bundle)new FhirSerializer().ParseJson(received.Body).Resource!;
        var status = (Parameters)bundle.Entry.Single().Resource;
        var notificationEvent = status.Parameter.Single(p => p.Name == "notification-event");
        var focus = ((ResourceReference)notificationEvent.Part.Single(p => p.Name == "focus").Value).Reference;
        var what = ((Code)notificationEvent.GetExtension(ProviderWebhookOutbox.EventExtension).Value).Value;
        return new Note(received.Signature, received.Id, received.Body, received.Answered, focus, what);
    }

    private static List<Note> Of(IEnumerable<(string? Signature, string? Id, byte[] Body, int Answered)> received, string taskId) =>
        received.Select(Read).Where(n => n.Focus == $"Task/{taskId}").ToList();

    /// <summary>Runs the outbox (as its timer does) until the receiver has accepted what <paramref name="done"/> wants.</summary>
    private Task<List<Note>> DeliveredAsync(WebhookReceiver receiver, string taskId, Func<List<Note>, bool> done, string what) =>
        Eventually.ValueAsync(async () =>
        {
            await hub.Get<ProviderWebhookOutbox>().RunAsync();
            return Of(receiver.Accepted, taskId);
        }, done, what: what);

    /// <summary>A receiver's check, written from the README's recipe, not from the hub's code.</summary>
    private static bool Verifies(string secret, string? header, byte[] body)
    {
        var parts = header!.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var signed = Encoding.UTF8.GetBytes(parts["t"] + ".").Concat(body).ToArray();
        var expected = Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed)).ToLowerInvariant();
        var age = DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeSeconds(long.Parse(parts["t"], System.Globalization.CultureInfo.InvariantCulture));
        return expected == parts["v1"] && age.Duration() < TimeSpan.FromMinutes(5);
    }

    [Fact]
    public async System.Threading.Tasks.Task An_offer_and_its_acceptance_are_notified_signed_with_the_task_reference_only()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var secret = await RegisterAsync(receiver);
        var (referralId, taskId, _) = await hub.ReferAsync();
        var offer = await hub.OfferAsync("alpha", referralId);

        var offered = await DeliveredAsync(receiver, taskId, n => n.Any(x => x.Event == "offered"), "the offer notified");
        var note = offered.First(x => x.Event == "offered");
        Assert.True(Verifies(secret, note.Signature, note.Body), note.Signature);
        Assert.False(Verifies(secret, note.Signature, [.. note.Body, (byte)' ']));
        Assert.False(Verifies("whsec_not-the-secret", note.Signature, note.Body));
        Assert.True(ProviderWebhookSignature.Verify(secret, note.Signature, note.Body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.False(ProviderWebhookSignature.Verify(secret, note.Signature, note.Body, DateTimeOffset.UtcNow.AddHours(1), TimeSpan.FromMinutes(5)));
        Assert.StartsWith(taskId + ".", note.Id, StringComparison.Ordinal);

        // Id-only: the Task's reference and the event; nothing of the person, the referral or the practice.
        var text = Encoding.UTF8.GetString(note.Body);
        foreach (var personal in PersonalData.Append(ReferralExamples.Practice).Append(referralId))
        {
            Assert.DoesNotContain(personal, text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("\"Patient", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ServiceRequest", text, StringComparison.Ordinal);

        Assert.Contains("Referral accepted", (await hub.ConfirmAsync(ProviderLinks.Find(offer, "Accept")!)).Body, StringComparison.Ordinal);
        var accepted = await DeliveredAsync(receiver, taskId, n => n.Any(x => x.Event == "accepted"), "the acceptance notified");
        Assert.All(accepted, n => Assert.True(Verifies(secret, n.Signature, n.Body)));
        Assert.Equal(accepted.Count, accepted.Select(n => n.Id).Distinct().Count());
    }

    [Fact]
    public async System.Threading.Tasks.Task A_receiver_answering_500_is_tried_again_with_the_same_notification_until_it_takes_it()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.FailNext(2);
        var secret = await RegisterAsync(receiver);
        var (referralId, taskId, _) = await hub.ReferAsync();
        await hub.OfferAsync("alpha", referralId);

        var delivered = await DeliveredAsync(receiver, taskId, n => n.Any(x => x.Event == "offered"), "the offer delivered after two 500s");
        var id = delivered.Single(x => x.Event == "offered").Id;
        var tries = Of(receiver.Received, taskId).Where(n => n.Id == id).ToList();
        Assert.Contains(tries, n => n.Answered == 500);
        Assert.Single(tries, n => n.Answered == 200);
        Assert.All(tries, n => Assert.Equal(Encoding.UTF8.GetString(tries[0].Body), Encoding.UTF8.GetString(n.Body)));
        Assert.All(tries, n => Assert.True(Verifies(secret, n.Signature, n.Body)));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_receiver_that_is_down_then_up_gets_each_notification_once_even_from_a_restarted_hub()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await RegisterAsync(receiver);
        await receiver.DownAsync();
        var (referralId, taskId, _) = await hub.ReferAsync();
        await hub.OfferAsync("alpha", referralId);

        // Tried while the receiver is down: the notification waits in the outbox with its attempts counted.
        var outbox = hub.Get<ProviderWebhookOutbox>();
        await Eventually.ValueAsync(async () =>
        {
            await outbox.RunAsync();
            return (await outbox.OfAsync("alpha")).Where(r => r.GetString("TaskId") == taskId).ToList();
        }, rows => rows.Any(r => r.GetInt32("Attempts") >= 2 && r.GetString("State") == "waiting"), what: "attempts against a receiver that is down");

        // Up again, and a new outbox (a restarted app): only the tables carry what is owed.
        await receiver.UpAsync();
        var restarted = hub.Function<ProviderWebhookOutbox>();
        var rows = await Eventually.ValueAsync(async () =>
        {
            await restarted.RunAsync();
            return (await restarted.OfAsync("alpha")).Where(r => r.GetString("TaskId") == taskId).ToList();
        }, r => r.Count > 0 && r.All(x => x.GetString("State") == "delivered"), what: "every notification of the Task delivered");

        await restarted.RunAsync();
        await outbox.RunAsync();
        var notes = Of(receiver.Accepted, taskId);
        Assert.Contains(notes, n => n.Event == "offered");
        Assert.Equal(rows.Count, notes.Count);
        Assert.Equal(notes.Count, notes.Select(n => n.Id).Distinct().Count());
    }

    [Fact]
    public async System.Threading.Tasks.Task A_notification_never_taken_is_given_up_after_the_configured_time_and_shown_to_the_admin()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Failing = true;
        await RegisterAsync(receiver);
        var (referralId, taskId, _) = await hub.ReferAsync();
        await hub.OfferAsync("alpha", referralId);

        var outbox = hub.Get<ProviderWebhookOutbox>();
        await Eventually.ValueAsync(async () =>
        {
            await outbox.RunAsync();
            return (await outbox.OfAsync("alpha")).Where(r => r.GetString("TaskId") == taskId).ToList();
        }, rows => rows.Count > 0 && rows.All(r => r.GetString("State") == "given-up"), what: "the notification given up");

        var shown = await TestHub.CallAsync(HttpCall.Request("GET", "/api/manage/providers/alpha/webhook"), r => hub.Function<ProviderWebhookHttp>().Read(r, "alpha"));
        Assert.Equal(200, shown.Status);
        Assert.Contains($"Task/{taskId}", shown.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("whsec_", shown.Body, StringComparison.Ordinal);

        receiver.Failing = false;
        await outbox.RunAsync();
        Assert.Empty(Of(receiver.Accepted, taskId));
    }

    [Fact]
    public async System.Threading.Tasks.Task Registration_refuses_an_unknown_provider_and_an_endpoint_that_is_not_a_url()
    {
        await hub.SeedProvidersAsync();
        var unknown = await TestHub.CallAsync(HttpCall.Request("PUT", "/api/manage/providers/nobody/webhook", Encoding.UTF8.GetBytes("""{"endpoint": "https://example.org/x"}"""), "application/json"),
            r => hub.Function<ProviderWebhookHttp>().Save(r, "nobody"));
        Assert.Equal(404, unknown.Status);
        var bad = await TestHub.CallAsync(HttpCall.Request("PUT", "/api/manage/providers/gamma/webhook", Encoding.UTF8.GetBytes("""{"endpoint": "ftp://example.org/x"}"""), "application/json"),
            r => hub.Function<ProviderWebhookHttp>().Save(r, "gamma"));
        Assert.Equal(400, bad.Status);
        Assert.Contains("endpoint", bad.Body, StringComparison.Ordinal);
        Assert.Equal(404, (await TestHub.CallAsync(HttpCall.Request("DELETE", "/api/manage/providers/gamma/webhook"), r => hub.Function<ProviderWebhookHttp>().Remove(r, "gamma"))).Status);
    }
}

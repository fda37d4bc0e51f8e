using System.Collections.Concurrent;
using Azure.Data.Tables;
using Hub.Email;
using Hub.Platform.Storage;
using Hub.Tests.Infrastructure;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Hub.Tests.Email;

/// <summary>Records the bounces handed to the slices (for steps no slice owns), and can fail on demand.</summary>
public sealed class RecordingBounceHandler : IBouncedEmailHandler
{
    public ConcurrentQueue<BouncedEmail> Handled { get; } = new();

    public int FailuresToCome { get; set; }

    public Task<bool> HandleAsync(BouncedEmail bounce, DurableTaskClient durable, CancellationToken cancellationToken)
    {
        if (FailuresToCome > 0)
        {
            FailuresToCome--;
            throw new InvalidOperationException("The handler failed (test).");
        }

        Handled.Enqueue(bounce);
        return Task.FromResult(true);
    }
}

/// <summary>A hub with the Signed Event Webhook on: its verification key is the test's own.</summary>
public sealed class EmailEventsHub : TestHub
{
    public SendGridSigner Signer { get; } = new();

    public RecordingBounceHandler Handler { get; } = new();

    protected override void Setup(HubSetup hub) =>
        hub.FastChase()
            .Set("SendGrid:EventWebhookPublicKey", Signer.PublicKey)
            .AddServices(services => services.AddSingleton<IBouncedEmailHandler>(Handler));
}

public sealed class EmailEventsTests(EmailEventsHub hub) : IClassFixture<EmailEventsHub>
{
    private static readonly EmailMessage Message = new("someone@example.org", null, "Subject", "Text", "<p>Text</p>");

    [Fact]
    public async Task A_signed_bounce_marks_the_step_bounced_and_is_handled_once_however_often_SendGrid_repeats_it()
    {
        var (referral, step) = await SentAsync();
        var body = SignedEvents.Body(
            SignedEvents.Event("delivered", referral, "other-step"),
            SignedEvents.Event("bounce", referral, step));

        var first = await SignedEvents.PostAsync(hub, hub.Signer, body);
        var again = await SignedEvents.PostAsync(hub, hub.Signer, body);

        Assert.Equal(200, first.Status);
        Assert.StartsWith("text/plain", first.ContentType, StringComparison.Ordinal);
        Assert.Equal(200, again.Status);
        Assert.Contains("2 already handled", again.Body, StringComparison.Ordinal);
        Assert.Equal([new BouncedEmail(referral, step, EmailEventName.Bounce)], hub.Handler.Handled.Where(b => b.ReferralId == referral));
        Assert.Equal("bounced", (await LogRowAsync(referral, step)).GetString("Status"));
        // The step, run again, sends nothing: SendGrid said the address will never take it.
        Assert.Equal(EmailOutcomeKind.Rejected, (await hub.Get<EmailSender>().SendOnceAsync(referral, step, Message)).Kind);
        Assert.Single(hub.Mail.Emails, e => SignedEvents.StepOf(e) == step && e.Body.Contains(referral, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dropped_email_is_handled_like_a_bounce()
    {
        var (referral, step) = await SentAsync();

        Assert.Equal(200, (await SignedEvents.PostAsync(hub, hub.Signer, SignedEvents.Body(SignedEvents.Event("dropped", referral, step)))).Status);

        Assert.Contains(new BouncedEmail(referral, step, EmailEventName.Dropped), hub.Handler.Handled);
        Assert.Equal("bounced", (await LogRowAsync(referral, step)).GetString("Status"));
    }

    [Fact]
    public async Task Forged_tampered_unsigned_and_replayed_deliveries_are_refused_and_change_nothing()
    {
        var (referral, step) = await SentAsync();
        var body = SignedEvents.Body(SignedEvents.Event("bounce", referral, step));
        using var stranger = new SendGridSigner();

        var forged = await SignedEvents.PostAsync(hub, stranger, body);
        var tampered = await SignedEvents.PostAsync(hub, hub.Signer, body, signedBody: SignedEvents.Body(SignedEvents.Event("delivered", referral, step)));
        var unsigned = await SignedEvents.PostAsync(hub, null, body);
        var replayed = await SignedEvents.PostAsync(hub, hub.Signer, body, signedAt: DateTimeOffset.UtcNow.AddMinutes(-11));
        var future = await SignedEvents.PostAsync(hub, hub.Signer, body, signedAt: DateTimeOffset.UtcNow.AddMinutes(11));

        Assert.All(new[] { forged, tampered, unsigned, replayed, future }, a => Assert.Equal(403, a.Status));
        Assert.Contains("replay", replayed.Body, StringComparison.Ordinal);
        Assert.Contains("signature", forged.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(hub.Handler.Handled, b => b.ReferralId == referral);
        Assert.Equal("sent", (await LogRowAsync(referral, step)).GetString("Status"));

        // The same events, signed now by SendGrid's key, are taken: nothing of the refused ones was recorded.
        Assert.Equal(200, (await SignedEvents.PostAsync(hub, hub.Signer, body)).Status);
        Assert.Single(hub.Handler.Handled, b => b.ReferralId == referral);
    }

    [Theory]
    [InlineData("signature")]
    [InlineData("MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0=")]
    [InlineData("!!!")]
    public async Task A_signature_that_is_not_SendGrids_is_refused(string signature)
    {
        var request = HttpCall.Request("POST", "/api/email/events", TestHub.Utf8("[]"), "application/json");
        request.Headers["X-Twilio-Email-Event-Webhook-Signature"] = signature;
        request.Headers["X-Twilio-Email-Event-Webhook-Timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        var answer = await TestHub.CallAsync(request, r => hub.Function<EmailEventsHttp>().Receive(r, hub.Durable));

        Assert.Equal(403, answer.Status);
    }

    [Theory]
    [InlineData("{\"event\":")]
    [InlineData("{\"event\":\"bounce\"}")]
    [InlineData("[1,2]")]
    public async Task A_signed_delivery_that_is_not_an_array_of_events_is_a_bad_request(string body)
    {
        var answer = await SignedEvents.PostAsync(hub, hub.Signer, body);

        Assert.Equal(400, answer.Status);
    }

    [Fact]
    public async Task A_failing_handler_answers_an_error_so_SendGrids_retry_handles_the_event_once()
    {
        var (referral, step) = await SentAsync();
        var body = SignedEvents.Body(SignedEvents.Event("bounce", referral, step));
        hub.Handler.FailuresToCome = 1;

        // The host answers 500 for a trigger that throws: SendGrid retries the delivery.
        await Assert.ThrowsAsync<InvalidOperationException>(() => SignedEvents.PostAsync(hub, hub.Signer, body));
        Assert.DoesNotContain(hub.Handler.Handled, b => b.ReferralId == referral);

        Assert.Equal(200, (await SignedEvents.PostAsync(hub, hub.Signer, body)).Status);
        Assert.Equal(200, (await SignedEvents.PostAsync(hub, hub.Signer, body)).Status);
        Assert.Single(hub.Handler.Handled, b => b.ReferralId == referral);
    }

    [Fact]
    public async Task A_bounce_for_an_email_the_hub_never_sent_is_recorded_only()
    {
        var referral = Guid.NewGuid().ToString();

        Assert.Equal(200, (await SignedEvents.PostAsync(hub, hub.Signer, SignedEvents.Body(SignedEvents.Event("bounce", referral, "welcome")))).Status);

        Assert.DoesNotContain(hub.Handler.Handled, b => b.ReferralId == referral);
        var log = await hub.Get<HubTables>().GetAsync(EmailSender.LogTable);
        Assert.False((await log.GetEntityIfExistsAsync<TableEntity>(referral, "welcome")).HasValue);
    }

    private async Task<(string Referral, string Step)> SentAsync()
    {
        var referral = Guid.NewGuid().ToString();
        const string step = "welcome";
        Assert.Equal(EmailOutcomeKind.Sent, (await hub.Get<EmailSender>().SendOnceAsync(referral, step, Message)).Kind);
        return (referral, step);
    }

    private async Task<TableEntity> LogRowAsync(string referral, string step)
    {
        var log = await hub.Get<HubTables>().GetAsync(EmailSender.LogTable);
        return (await log.GetEntityAsync<TableEntity>(referral, step)).Value;
    }
}

/// <summary>Without a verification key the webhook is off and says nothing more.</summary>
public sealed class EmailEventsOffTests(TestHub hub) : IClassFixture<TestHub>
{
    [Fact]
    public async Task Without_a_verification_key_the_webhook_answers_404()
    {
        using var signer = new SendGridSigner();

        var answer = await SignedEvents.PostAsync(hub, signer, SignedEvents.Body(SignedEvents.Event("bounce", Guid.NewGuid().ToString(), "welcome")));

        Assert.Equal(404, answer.Status);
        Assert.StartsWith("text/plain", answer.ContentType, StringComparison.Ordinal);
    }
}

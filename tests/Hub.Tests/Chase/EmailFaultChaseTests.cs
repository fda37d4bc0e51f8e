using System.Text.Json;
using Hub.Operations;
using Hub.Tests.Email;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Chase;

/// <summary>SendGrid refusing the hub's key for a while: each scenario has a hub (and mail sink) of its own.</summary>
public sealed class RefusedKeyChaseTests(ChaseHub hub) : IClassFixture<ChaseHub>
{
    [Fact]
    public async System.Threading.Tasks.Task A_refused_key_holds_the_offer_and_it_goes_once_when_the_key_works_again()
    {
        hub.Mail.RespondNext(401, 401);
        var (referralId, taskId, _) = await hub.ReferAsync();

        await hub.OfferAsync("alpha", referralId, count: 3);

        Assert.Equal([401, 401, 202], hub.EmailsTo("alpha", referralId).Select(e => e.RespondedWith));
        await hub.TaskWhenAsync(taskId, t => t.BusinessStatus?.Coding[0].Code == "awaiting-provider" && t.Owner?.Reference == "HealthcareService/alpha");
        var audit = await hub.AuditWhenAsync(referralId, a => a.Any(e => e.Event == "offered" && e.Actor == "provider:alpha"));
        // Not the provider's fault: no refusal, no decline, nobody else asked, the referrer not told.
        Assert.DoesNotContain(audit, e => e.Event is "email-rejected" or "declined" or "escalated");
        Assert.Empty(hub.EmailsTo("beta", referralId));
        Assert.DoesNotContain(hub.Mail.Emails, e => e.Subject?.Contains("We could not email", StringComparison.Ordinal) == true);
        Assert.Single(audit, e => e.Event == "offered");

        var request = HttpCall.Request("GET", "/api/health");
        var health = await HttpCall.RunAsync(request, await hub.Function<HealthHttp>().Health(request));
        Assert.Equal("ok", JsonDocument.Parse(health.Body).RootElement.GetProperty("checks").GetProperty("email").GetString());
    }
}

/// <summary>A chase at its real pace (days between steps), with the Signed Event Webhook on: only a bounce moves it on.</summary>
public sealed class BounceChaseHub : TestHub
{
    public SendGridSigner Signer { get; } = new();

    protected override void Setup(HubSetup hub) => hub.Set("SendGrid:EventWebhookPublicKey", Signer.PublicKey);
}

public sealed class ProviderBounceTests(BounceChaseHub hub) : IClassFixture<BounceChaseHub>
{
    [Fact]
    public async System.Threading.Tasks.Task A_providers_offer_that_bounces_later_escalates_and_the_next_provider_is_asked_once()
    {
        var (referralId, _, _) = await hub.ReferAsync();
        var offer = await hub.OfferAsync("alpha", referralId);
        var step = SignedEvents.StepOf(offer);
        Assert.Equal("offer-alpha", step);
        var bounce = SignedEvents.Body(SignedEvents.Event("bounce", referralId, step));

        Assert.Equal(200, (await SignedEvents.PostAsync(hub, hub.Signer, bounce)).Status);

        await hub.OfferAsync("beta", referralId);
        var audit = await hub.AuditWhenAsync(referralId, a => a.Any(e => e.Event == "offered" && e.Actor == "provider:beta"));
        Assert.Contains(audit, e => e.Event == "declined" && e.Actor == "provider:alpha" && e.Outcome == "email-rejected");
        Assert.Contains(audit, e => e.Event == "email-rejected" && e.Outcome == "offer:alpha:bounce");
        Assert.DoesNotContain(audit, e => (e.Outcome ?? string.Empty).Contains('@', StringComparison.Ordinal));

        // SendGrid repeats the event: it was handled, and the chase stays with beta.
        var repeated = await SignedEvents.PostAsync(hub, hub.Signer, bounce);
        Assert.Equal(200, repeated.Status);
        Assert.Contains("1 already handled", repeated.Body, StringComparison.Ordinal);
        await hub.SettledAsync();
        Assert.Single(hub.EmailsTo("beta", referralId));
        Assert.Empty(hub.EmailsTo("gamma", referralId));
        Assert.Single(await hub.Get<Hub.Referrals.AuditTrail>().ReadAsync(referralId), e => e.Event == "declined");
    }

    [Fact]
    public async System.Threading.Tasks.Task A_bounce_of_a_provider_no_longer_asked_changes_nothing()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        var offer = await hub.OfferAsync("alpha", referralId);
        Assert.Contains("Referral accepted", (await hub.ConfirmAsync(ProviderLinks.Find(offer, "Accept")!)).Body, StringComparison.Ordinal);
        await hub.TaskWhenAsync(taskId, t => t.Status == Hl7.Fhir.Model.Task.TaskStatus.InProgress);

        Assert.Equal(200, (await SignedEvents.PostAsync(hub, hub.Signer, SignedEvents.Body(SignedEvents.Event("bounce", referralId, "offer-alpha")))).Status);

        await hub.SettledAsync();
        Assert.Empty(hub.EmailsTo("beta", referralId));
        Assert.DoesNotContain(await hub.Get<Hub.Referrals.AuditTrail>().ReadAsync(referralId), e => e.Event == "declined");
    }
}

[Trait("Category", "Unit")]
public sealed class ChaseBounceKeyTests
{
    [Theory]
    [InlineData("offer-alpha", "offer", "alpha")]
    [InlineData("reminder-2-riverside-walking", "reminder-2", "riverside-walking")]
    [InlineData("referrer-escalation-alpha", null, null)]
    [InlineData("withdrawn-alpha", null, null)]
    [InlineData("survey-baseline-survey", null, null)]
    public void A_bounce_is_the_chases_only_for_an_offer_or_a_reminder(string stepKey, string? step, string? providerId)
    {
        var found = Hub.Chase.ChaseBounces.OfferKey(stepKey);

        Assert.Equal(step, found?.Step.Value);
        Assert.Equal(providerId, found?.ProviderId);
    }
}

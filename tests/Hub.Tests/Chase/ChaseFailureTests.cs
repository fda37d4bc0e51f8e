using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Chase;
using Hub.Evidence;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.Chase;

/// <summary>When SendGrid or the link misbehaves.</summary>
public sealed class ChaseFailureTests(ChaseHub hub) : IClassFixture<ChaseHub>
{
    [Fact]
    public async System.Threading.Tasks.Task Tampered_foreign_and_replayed_links_change_nothing()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        var offer = await hub.OfferAsync("alpha", referralId);
        // The offer's email goes before its Task step is written: wait for the step, so what follows is what changed.
        await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.Received);
        var accept = ProviderLinks.Find(offer, "Accept")!;
        var token = ProviderLinks.Token(accept);

        // One character changed in the signed part.
        var parts = token.Split('.');
        var forged = $"{parts[0]}.{parts[1]}.{parts[2]}.{(parts[3][0] == 'A' ? 'B' : 'A')}{parts[3][1..]}";
        Assert.Equal(400, (await hub.OpenAsync($"http://localhost:7071/api/provider/respond?t={Uri.EscapeDataString(forged)}")).Status);
        Assert.Contains("This link does not work", (await hub.OpenAsync("http://localhost:7071/api/provider/respond?t=nonsense")).Body, StringComparison.Ordinal);

        // A patient-audience token for the same referral cannot answer for a provider.
        var patientToken = hub.Get<SignedLinks>().Create("patient", referralId, "alpha", "accept");
        Assert.Equal(400, (await hub.OpenAsync($"http://localhost:7071/api/provider/respond?t={Uri.EscapeDataString(patientToken)}")).Status);

        // A post without the page's anti-forgery cookie is refused and acts on nothing.
        var (_, cookie, csrf) = await ProviderLinks.OpenFormAsync(hub, accept);
        var forgedPost = await ProviderLinks.PostAsync(hub, token, csrf, cookie: string.Empty);
        Assert.Equal(403, forgedPost.Status);
        Assert.Equal(FhirTask.TaskStatus.Received, (await hub.TaskAsync(taskId)).Status);

        // Used once; replayed (the same post again, or the link opened again), it shows what happened.
        Assert.Contains("Referral accepted", (await ProviderLinks.PostAsync(hub, token, csrf, cookie)).Body, StringComparison.Ordinal);
        await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.InProgress);
        Assert.Contains("You accepted this referral", (await ProviderLinks.PostAsync(hub, token, csrf, cookie)).Body, StringComparison.Ordinal);
        Assert.Contains("You accepted this referral", (await hub.OpenAsync(accept)).Body, StringComparison.Ordinal);
        Assert.Single(await hub.Get<AuditTrail>().ReadAsync(referralId), a => a.Event == "provider-accepted");
    }

    [Fact]
    public async System.Threading.Tasks.Task An_answer_sent_before_the_orchestration_waits_is_not_lost()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        await hub.OfferAsync("alpha", referralId);

        // Straight to the engine, as early as possible: the event waits for the orchestrator.
        await hub.Durable.RaiseEventAsync(referralId, ReferralOrchestration.ProviderRespondedEvent, new ProviderAnswer("alpha", true, null, null, null));

        var task = await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.InProgress);
        Assert.Equal("HealthcareService/alpha", task.Owner.Reference);
    }
}

/// <summary>SendGrid busy: each scenario has a hub (and mail sink) of its own, so no other referral's email takes the
/// queued failure.</summary>
public sealed class SendGridBusyTests(ChaseHub hub) : IClassFixture<ChaseHub>
{
    [Fact]
    public async System.Threading.Tasks.Task SendGrid_busy_then_fine_sends_the_offer_once_after_a_retry()
    {
        hub.Mail.RespondNext(429);
        var (referralId, taskId, _) = await hub.ReferAsync();

        await hub.OfferAsync("alpha", referralId, count: 2);
        var tries = hub.EmailsTo("alpha", referralId);
        Assert.Equal([429, 202], tries.Select(e => e.RespondedWith));
        await hub.TaskWhenAsync(taskId, t => t.BusinessStatus?.Coding[0].Code == "awaiting-provider");
    }
}

public sealed class SendGridRefusalTests(ChaseHub hub) : IClassFixture<ChaseHub>
{
    [Fact]
    public async System.Threading.Tasks.Task A_refused_address_escalates_to_the_referrer_and_the_next_provider_is_asked()
    {
        hub.Mail.RespondNext(400);
        var (referralId, _, reference) = await hub.ReferAsync();

        var escalation = await hub.Mail.WaitForEmailAsync(e => e.Subject?.Contains(reference, StringComparison.Ordinal) == true && e.Subject.Contains("We could not email Alpha", StringComparison.Ordinal));
        Assert.Equal(["referrals@riverside.example.nhs.uk"], escalation.To);
        var next = await hub.OfferAsync("beta", referralId);
        Assert.NotNull(next);
        // Refused once, never retried.
        Assert.Single(hub.Mail.Emails, e => e.To.Contains("alpha@providers.example.org") && e.RespondedWith == 400);
        // Beta's offer is recorded after its email went: the evidence below reads it from the audit.
        var audit = await hub.AuditWhenAsync(referralId, a => a.Any(e => e.Event == "offered" && e.Actor == "provider:beta"));
        Assert.Contains(audit, a => a.Event == "email-rejected");
        Assert.DoesNotContain(audit, a => (a.Outcome ?? string.Empty).Contains('@', StringComparison.Ordinal));
        var row = await hub.EvidenceRowAsync(referralId);
        Assert.Equal(OfferAnswer.EmailRejected, row.Offers.Single(o => o.ProviderId == "alpha").Answer);
        Assert.Equal(OfferAnswer.Waiting, row.Offers.Single(o => o.ProviderId == "beta").Answer);
    }
}

[Trait("Category", "Unit")]
public sealed class SignedLinkTests
{
    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static SignedLinks Links(Clock clock, string current, params (string Id, string Key)[] keys) =>
        new(Options.Create(new LinkOptions { CurrentKeyId = current, SigningKeys = keys.ToDictionary(k => k.Id, k => k.Key), Lifetime = TimeSpan.FromDays(14) }), clock);

    private const string K1 = "first-signing-key-0123456789abcdef0123456";
    private const string K2 = "second-signing-key-0123456789abcdef012345";

    [Fact]
    public void A_link_carries_its_claims_and_expires_after_its_lifetime()
    {
        var clock = new Clock(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
        var links = Links(clock, "k1", ("k1", K1));
        var token = links.Create("provider", "ref-1", "alpha", "accept");

        var (check, claims) = links.Read(token, "provider");
        Assert.Equal(LinkCheck.Valid, check);
        Assert.Equal(("ref-1", "alpha", "accept", "k1"), (claims!.ReferralId, claims.SubjectId, claims.Action, claims.KeyId));
        Assert.DoesNotContain("ref-1", token, StringComparison.Ordinal); // encoded, not readable at a glance

        clock.Now = clock.Now.AddDays(14);
        Assert.Equal(LinkCheck.Expired, links.Read(token, "provider").Check);
        Assert.Equal(LinkCheck.WrongAudience, links.Read(token, "patient").Check);
    }

    [Fact]
    public void Rotated_keys_keep_old_links_working_until_the_old_key_is_removed()
    {
        var clock = new Clock(DateTimeOffset.UnixEpoch.AddYears(56));
        var old = Links(clock, "k1", ("k1", K1)).Create("provider", "ref-1", "alpha", "decline");

        Assert.Equal(LinkCheck.Valid, Links(clock, "k2", ("k1", K1), ("k2", K2)).Read(old, "provider").Check);
        Assert.StartsWith("v1.k2.", Links(clock, "k2", ("k1", K1), ("k2", K2)).Create("provider", "r", "p", "accept"), StringComparison.Ordinal);
        Assert.Equal(LinkCheck.Tampered, Links(clock, "k2", ("k2", K2)).Read(old, "provider").Check);
        Assert.Equal(LinkCheck.Tampered, Links(clock, "k1", ("k1", K2)).Read(old, "provider").Check);
    }

    [Theory]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/LinkSigningKey/)")]
    [InlineData("too-short")]
    public void Weak_or_unresolved_keys_are_refused_at_start(string key) =>
        Assert.NotNull(SignedLinks.Problem(new LinkOptions { CurrentKeyId = "k1", SigningKeys = new() { ["k1"] = key } }));
}

[Trait("Category", "Unit")]
public sealed class WorkingHoursTests
{
    [Theory]
    [InlineData("2026-11-25T10:00:00Z", "2026-11-25T10:00:00Z")] // Wednesday in hours (GMT): as is
    [InlineData("2026-11-25T17:30:00Z", "2026-11-26T09:00:00Z")] // after closing: next morning
    [InlineData("2026-11-28T12:00:00Z", "2026-11-30T09:00:00Z")] // Saturday: Monday 09:00
    [InlineData("2026-11-27T06:00:00Z", "2026-11-27T09:00:00Z")] // Friday before opening
    [InlineData("2026-07-01T07:30:00Z", "2026-07-01T08:00:00Z")] // summer time: 09:00 BST is 08:00 UTC
    [InlineData("2026-07-03T16:30:00Z", "2026-07-06T08:00:00Z")] // Friday 17:30 BST: Monday 09:00 BST
    public void Reminders_move_into_UK_working_hours(string at, string expected) =>
        Assert.Equal(DateTime.Parse(expected, null, System.Globalization.DateTimeStyles.AdjustToUniversal),
            WorkingHours.NextOpen(DateTime.Parse(at, null, System.Globalization.DateTimeStyles.AdjustToUniversal)));
}

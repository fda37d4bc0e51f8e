using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Chase;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Chase;

/// <summary>The handover: once a provider has accepted, its accept link (or a fresh handover link it asks for) opens
/// the referral in full, for that provider only, while the referral is open; every view audited; never in an email.</summary>
public sealed class HandoverTests(ChaseHub hub) : IClassFixture<ChaseHub>
{
    /// <summary>The referral as a practice would send it with its PRSB items: risks as a Flag, a need, a language.</summary>
    private static void WithRisksAndNeeds(Bundle bundle)
    {
        var sr = bundle.Entry.Select(e => e.Resource).OfType<ServiceRequest>().Single();
        sr.PatientInstruction = "Uses a wheelchair; ground-floor venues only.";
        var patientUrl = sr.Subject.Reference;
        bundle.Entry.Add(new Bundle.EntryComponent
        {
            FullUrl = $"urn:uuid:{Guid.NewGuid()}",
            Resource = new Flag
            {
                Status = Flag.FlagStatus.Active,
                Code = new CodeableConcept { Text = "Dog in the house: visit in pairs" },
                Subject = new ResourceReference(patientUrl),
            },
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Flag" },
        });
    }

    private Task<HttpAnswer> HandoverAsync(string token) =>
        TestHub.CallAsync(HttpCall.Request("GET", "/api/provider/handover", query: $"?t={Uri.EscapeDataString(token)}"), r => hub.Function<ProviderHandoverHttp>().Show(r));

    /// <summary>The fresh handover link in an email about this referral, if it is one.</summary>
    private string? FreshLink(RecordedEmail email, string referralId)
    {
        var line = email.PlainText?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("Open: ", StringComparison.Ordinal) && l.Contains("/api/provider/handover?t=", StringComparison.Ordinal));
        return line is not null && hub.Get<SignedLinks>().Read(ProviderLinks.Token(line[6..]), "provider").Claims?.ReferralId == referralId ? line[6..] : null;
    }

    [Fact]
    public async System.Threading.Tasks.Task Accepted_the_accept_link_opens_the_referral_in_full_audited_and_never_cached_or_emailed()
    {
        var (referralId, _, reference) = await hub.AcceptedAsync(WithRisksAndNeeds);
        var accept = ProviderLinks.Find(await hub.OfferAsync("alpha", referralId), "Accept")!;
        await hub.AuditWithAsync(referralId, "accepted");

        var page = await hub.OpenAsync(accept);

        Assert.Equal(200, page.Status);
        Assert.Equal("no-store", page.Headers.CacheControl.ToString());
        foreach (var expected in new[]
                 {
                     "Richard SMITH", "11 September 1970", "9912003888", "01131231234", "Telephone", "4 Sandmoor Drive, LEEDS, LS17 7DF",
                     "British Sign Language", "Written communication: Large print", "Uses a wheelchair; ground-floor venues only.",
                     "Lives alone since bereavement; would like company.", "Prefers morning visits.", "Dog in the house: visit in pairs",
                     "Given: the person agreed to information sharing", "Ada Okafor", "Riverside Surgery", "referrals@riverside.example.nhs.uk", reference,
                 })
        {
            Assert.Contains(System.Net.WebUtility.HtmlEncode(expected), page.Body, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("<script", page.Body, StringComparison.OrdinalIgnoreCase);
        var audit = await hub.AuditWithAsync(referralId, "handover-viewed");
        var viewed = Assert.Single(audit, a => a.Event == "handover-viewed");
        Assert.Equal("provider:alpha", viewed.Actor);

        // A second view is a second audit line.
        await hub.OpenAsync(accept);
        await hub.AuditWhenAsync(referralId, a => a.Count(e => e.Event == "handover-viewed") == 2);

        // Nothing of the handover in any email of this referral (offer, referrer's news).
        foreach (var email in hub.Mail.Emails.Where(e => e.Body.Contains(referralId, StringComparison.Ordinal) || e.Subject?.Contains(reference, StringComparison.Ordinal) == true || hub.EmailsTo("alpha", referralId).Contains(e)))
        {
            foreach (var secret in new[] { "SMITH", "Sandmoor", "01131231234", "1970", "Dog in the house", "wheelchair" })
            {
                Assert.DoesNotContain(secret, email.Body, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async System.Threading.Tasks.Task Without_risks_the_page_says_so_and_a_referral_without_consent_shows_consent_not_recorded()
    {
        var (referralId, _, _) = await hub.AcceptedAsync(b =>
        {
            b.Entry.RemoveAll(e => e.Resource is Consent);
            b.Entry.Select(e => e.Resource).OfType<ServiceRequest>().Single().SupportingInfo.Clear();
        });
        var accept = ProviderLinks.Find(await hub.OfferAsync("alpha", referralId), "Accept")!;
        await hub.AuditWithAsync(referralId, "accepted");

        var page = await hub.OpenAsync(accept);

        Assert.Equal(200, page.Status);
        Assert.Contains("The referral records no risks", page.Body, StringComparison.Ordinal);
        Assert.Contains("Not recorded: share nothing beyond", page.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async System.Threading.Tasks.Task Only_the_accepting_provider_sees_it_a_decline_link_or_another_provider_gets_nothing_and_no_audit()
    {
        var (referralId, _, _) = await hub.AcceptedAsync();
        var offer = await hub.OfferAsync("alpha", referralId);
        await hub.AuditWithAsync(referralId, "accepted");
        var links = hub.Get<SignedLinks>();

        var beta = await HandoverAsync(links.Create("provider", referralId, "beta", "handover"));
        var decline = await HandoverAsync(ProviderLinks.Token(ProviderLinks.Find(offer, "Decline")!));
        var forged = await HandoverAsync(links.Create("provider", referralId, "alpha", "handover")[..^3] + "abc");
        var patientLink = await HandoverAsync(links.Create("patient", referralId, "alpha", "handover"));

        Assert.Equal(404, beta.Status);
        Assert.Contains("Only the organisation that accepted", beta.Body, StringComparison.Ordinal);
        Assert.Equal(400, decline.Status);
        Assert.Equal(400, forged.Status);
        Assert.Equal(400, patientLink.Status);
        foreach (var answer in new[] { beta, decline, forged, patientLink })
        {
            Assert.DoesNotContain("SMITH", answer.Body, StringComparison.Ordinal);
            Assert.Equal("no-store", answer.Headers.CacheControl.ToString());
        }

        Assert.DoesNotContain(await hub.Get<Hub.Referrals.AuditTrail>().ReadAsync(referralId), a => a.Event == "handover-viewed");
    }

    [Fact]
    public async System.Threading.Tasks.Task An_expired_link_offers_a_fresh_one_emailed_once_with_nothing_of_the_person_which_opens_the_handover()
    {
        var (referralId, _, _) = await hub.AcceptedAsync();
        await hub.AuditWithAsync(referralId, "accepted");
        var expired = hub.Get<SignedLinks>().Create("provider", referralId, "alpha", "accept", TimeSpan.FromSeconds(-1));
        var url = $"http://localhost:7071/api/provider/respond?t={Uri.EscapeDataString(expired)}";

        var (page, cookie, csrf) = await ProviderLinks.OpenFormAsync(hub, url);
        Assert.Equal(410, page.Status);
        Assert.Contains("Email me a new link", page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("SMITH", page.Body, StringComparison.Ordinal);

        var sent = await RequestLinkAsync(expired, csrf, cookie);
        var again = await RequestLinkAsync(expired, csrf, cookie);   // the same form replayed
        Assert.Equal(200, sent.Status);
        Assert.Contains("We have emailed you a new link", sent.Body, StringComparison.Ordinal);
        Assert.Equal(200, again.Status);

        var email = await hub.Mail.WaitForEmailAsync(e => FreshLink(e, referralId) is not null);
        Assert.Equal(["alpha@providers.example.org"], email.To);
        foreach (var secret in new[] { "SMITH", "Richard", "Sandmoor", "01131231234", "9912003888", "bereavement" })
        {
            Assert.DoesNotContain(secret, email.Body, StringComparison.Ordinal);
        }

        var fresh = FreshLink(email, referralId)!;
        var opened = await HandoverAsync(ProviderLinks.Token(fresh));
        Assert.Equal(200, opened.Status);
        Assert.Contains("Richard SMITH", opened.Body, StringComparison.Ordinal);
        var audit = await hub.AuditWithAsync(referralId, "handover-link-sent", "handover-viewed");
        Assert.Single(audit, a => a.Event == "handover-link-sent");
        Assert.Single(hub.Mail.Emails, e => FreshLink(e, referralId) is not null);
    }

    [Fact]
    public async System.Threading.Tasks.Task Withdrawn_the_handover_closes_at_once()
    {
        var (referralId, _, _) = await hub.AcceptedAsync();
        var accept = ProviderLinks.Find(await hub.OfferAsync("alpha", referralId), "Accept")!;
        await hub.AuditWithAsync(referralId, "accepted");
        Assert.Equal(200, (await hub.OpenAsync(accept)).Status);

        await hub.WithdrawAsync(referralId);
        await hub.AuditWithAsync(referralId, "withdrawn-by-practice");

        var page = await hub.OpenAsync(accept);
        Assert.Equal(410, page.Status);
        Assert.DoesNotContain("SMITH", page.Body, StringComparison.Ordinal);
    }

    private async Task<HttpAnswer> RequestLinkAsync(string token, string csrf, string cookie)
    {
        var form = $"t={Uri.EscapeDataString(token)}&csrf={Uri.EscapeDataString(csrf)}";
        var request = HttpCall.Request("POST", "/api/provider/handover", TestHub.Utf8(form), "application/x-www-form-urlencoded");
        request.Headers.Cookie = cookie;
        return await TestHub.CallAsync(request, r => hub.Function<ProviderHandoverHttp>().RequestLink(r));
    }
}

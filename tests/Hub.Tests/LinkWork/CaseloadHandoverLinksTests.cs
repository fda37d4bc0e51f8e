using System.Net;
using Hub.Access;
using Hub.Chase;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.LinkWork;

/// <summary>The handover page of a link-worker service links to its episode page and its onward-connection form, each
/// with the same link; another provider's handover page has no such links.</summary>
public sealed class CaseloadHandoverLinksTests(LinkWorkHub hub) : IClassFixture<LinkWorkHub>
{
    private Task<HttpAnswer> HandoverAsync(string token) =>
        TestHub.CallAsync(HttpCall.Request("GET", "/api/provider/handover", query: $"?t={Uri.EscapeDataString(token)}"), r => hub.Function<ProviderHandoverHttp>().Show(r));

    [Fact]
    public async Task A_link_worker_services_handover_page_links_to_its_episode_and_onward_connections_with_the_same_link()
    {
        var (referralId, _, _) = await hub.LinkWorkerAcceptedAsync();
        var token = hub.Get<SignedLinks>().Create(ChaseActivities.ProviderAudience, referralId, "alpha", ProviderHandovers.HandoverAction);

        var page = await HandoverAsync(token);

        Assert.Equal(200, page.Status);
        var t = WebUtility.HtmlEncode(Uri.EscapeDataString(token));
        Assert.Contains($"href=\"/api/provider/episode?t={t}\"", page.Body, StringComparison.Ordinal);
        Assert.Contains($"href=\"/api/provider/onward?t={t}\"", page.Body, StringComparison.Ordinal);
        var episode = await TestHub.CallAsync(HttpCall.Request("GET", "/api/provider/episode", query: $"?t={Uri.EscapeDataString(token)}"), r => hub.Function<Hub.LinkWork.EpisodeHttp>().Show(r));
        Assert.Equal(200, episode.Status);
    }

    [Fact]
    public async Task A_link_worker_service_accepting_from_its_email_is_linked_to_its_episode_on_the_confirmation_and_on_the_accept_link_again()
    {
        var (referralId, _, _) = await hub.ReferAsync();
        var accept = ProviderLinks.Find(await hub.OfferAsync("alpha", referralId), "Accept")!;
        await hub.BecomeLinkWorkerAsync("alpha");
        var t = WebUtility.HtmlEncode(Uri.EscapeDataString(ProviderLinks.Token(accept)));

        var confirmed = await hub.ConfirmAsync(accept);
        Assert.Contains("Referral accepted", confirmed.Body, StringComparison.Ordinal);
        Assert.Contains($"href=\"/api/provider/episode?t={t}\"", confirmed.Body, StringComparison.Ordinal);
        Assert.Contains($"href=\"/api/provider/onward?t={t}\"", confirmed.Body, StringComparison.Ordinal);

        // The accept link opened again shows the handover, with the same links as the handover page.
        var again = await Eventually.ValueAsync(() => hub.OpenAsync(accept), p => p.Status == 200 && p.Body.Contains("Referral you accepted", StringComparison.Ordinal),
            what: "the accept link to open the handover");
        Assert.Contains($"href=\"/api/provider/episode?t={t}\"", again.Body, StringComparison.Ordinal);
        Assert.Contains($"href=\"/api/provider/onward?t={t}\"", again.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_providers_handover_page_has_no_link_worker_links()
    {
        var (referralId, _, _) = await hub.AcceptedAsync();
        await hub.AuditWithAsync(referralId, "accepted");
        var directory = hub.Get<Hub.Providers.ProviderDirectory>();
        var alpha = (await directory.GetAsync("alpha"))!;
        await directory.SaveAsync(alpha with { Categories = [.. alpha.Categories.Where(c => c != Hub.Providers.ActivityCategories.LinkWorker)] });
        var token = hub.Get<SignedLinks>().Create(ChaseActivities.ProviderAudience, referralId, "alpha", ProviderHandovers.HandoverAction);

        var page = await Eventually.ValueAsync(() => HandoverAsync(token), p => p.Status == 200, what: "the handover page to open");

        Assert.DoesNotContain("/api/provider/episode", page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("/api/provider/onward", page.Body, StringComparison.Ordinal);
    }
}

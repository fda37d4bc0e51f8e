using Hub.Chase;
using Hub.Providers;

namespace Hub.LinkWork;

/// <summary>For a link-worker service, the handover page links to the episode page and the onward-connection form,
/// each opened with the same link.</summary>
public sealed class LinkWorkerHandoverLinks(ProviderDirectory directory) : IHandoverLinks
{
    public async Task<IReadOnlyList<HandoverLink>> ForAsync(string providerId, string token, CancellationToken cancellationToken)
    {
        var provider = await directory.GetAsync(providerId, cancellationToken);
        if (provider is null || !provider.Categories.Contains(ActivityCategories.LinkWorker))
        {
            return [];
        }

        var t = Uri.EscapeDataString(token);
        return
        [
            new HandoverLink("Your work with this person: contacts, plan and review", $"/api/{EpisodeHttp.Route}?t={t}"),
            new HandoverLink("Connect this person to a community activity", $"/api/{OnwardConnectionHttp.Route}?t={t}"),
        ];
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hub.LinkWork;

/// <summary>The link worker's part of a referral: a link-worker service accepts a referral like any provider, then runs
/// an episode with the person (contacts, what matters, a plan, assessments, review, discharge) and connects them onward
/// to community activities, each an onward referral chased like a GP's.</summary>
public static class LinkWorkServices
{
    public static IServiceCollection AddLinkWork(this IServiceCollection services, IConfiguration configuration) =>
        services
            .AddEpisodes(configuration)
            .AddOnwardConnections(configuration)
            .AddCaseload(configuration);
}

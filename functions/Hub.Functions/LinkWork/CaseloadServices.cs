using Hub.Chase;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hub.LinkWork;

/// <summary>The caseload's people side: the handover page's links to a link-worker service's pages.</summary>
public static class CaseloadServices
{
    public static IServiceCollection AddCaseload(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IHandoverLinks, LinkWorkerHandoverLinks>();
        return services;
    }
}

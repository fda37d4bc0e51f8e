using Hub.Chase;
using Hub.Platform.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hub.LinkWork;

/// <summary>The caseload's people side: the handover page's links to a link-worker service's pages, and the caseload page opened with a single-use sign-in link.</summary>
public static class CaseloadServices
{
    public static IServiceCollection AddCaseload(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IHandoverLinks, LinkWorkerHandoverLinks>();
        services.AddOptions<CaseloadSignInOptions>().Bind(configuration.GetSection(CaseloadSignInOptions.Section));
        services.AddSingleton<CaseloadSignInLimits>();
        services.AddSingleton<CaseloadSignIn>();
        services.AddHubTables(CaseloadSignInLimits.Table);
        return services;
    }
}

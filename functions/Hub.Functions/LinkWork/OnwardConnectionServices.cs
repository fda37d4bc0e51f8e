using Hub.Intake;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hub.LinkWork;

/// <summary>Onward connections: the link worker's referrals of the person to community activities, each a child
/// ServiceRequest chased by the provider chase.</summary>
public static class OnwardConnectionServices
{
    public static IServiceCollection AddOnwardConnections(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<OnwardConnections>();
        services.AddSingleton<IOnwardIntake>(provider => provider.GetRequiredService<OnwardConnections>());
        return services;
    }
}

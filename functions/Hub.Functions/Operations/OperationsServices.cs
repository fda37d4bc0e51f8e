using Microsoft.Extensions.DependencyInjection;

namespace Hub.Operations;

/// <summary>What operators use: health, poison-message replay, a referral's status.</summary>
public static class OperationsServices
{
    public static IServiceCollection AddOperations(this IServiceCollection services)
    {
        services.AddSingleton<PoisonMessages>();
        return services;
    }
}

using Hub.Platform.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hub.Intake;

/// <summary>Referrals in (HTTP and queue), their updates and withdrawal, and the rejections kept for practices.</summary>
public static class IntakeServices
{
    public static IServiceCollection AddIntake(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IntakeOptions>().Bind(configuration.GetSection(IntakeOptions.Section));
        services.AddSingleton<ReferralIntake>();
        services.AddSingleton<ReferralLookup>();
        services.AddSingleton<ProviderReferralRead>();
        services.AddSingleton<ReferralWithdrawal>();
        services.AddSingleton<OnwardReferralIndex>();
        services.AddSingleton<RejectionStore>();
        services.AddSingleton<IntakeQueues>();
        services.AddHostedService(provider => provider.GetRequiredService<IntakeQueues>());
        services.AddHubTables(RejectionStore.Table, OnwardReferralIndex.Table);
        return services;
    }
}

using Hub.Platform.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hub.Chase;

/// <summary>The provider chase and the provider's answer: offers, reminders, escalation, accept and decline.</summary>
public static class ChaseServices
{
    public static IServiceCollection AddChase(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ChaseOptions>().Bind(configuration.GetSection(ChaseOptions.Section));
        services.AddSingleton<ChaseStore>();
        services.AddSingleton<ProviderResponses>();
        services.AddOptions<HandoverOptions>().Bind(configuration.GetSection(HandoverOptions.Section));
        services.AddSingleton<ProviderHandovers>();
        services.AddOptions<ProgressOptions>().Bind(configuration.GetSection(ProgressOptions.Section));
        services.AddSingleton<ProgressStore>();
        services.AddSingleton<ProviderProgress>();
        services.AddSingleton<ProviderWork>();
        services.AddSingleton<ProgressNudges>();
        services.AddOptions<ProviderWebhookOptions>().Bind(configuration.GetSection(ProviderWebhookOptions.Section));
        services.AddSingleton<ProviderWebhooks>();
        services.AddSingleton<ProviderWebhookOutbox>();
        services.AddHttpClient(ProviderWebhookOutbox.HttpClientName);
        services.AddSingleton<ReferrerNews>();
        services.AddSingleton<Hub.Email.IBouncedEmailHandler, ChaseBounces>();
        services.AddHubTables(ChaseStore.Chases, ProviderWebhooks.Table, ProviderWebhookOutbox.Table, ProviderWebhookOutbox.TasksTable);
        return services;
    }
}

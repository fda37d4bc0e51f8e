using Hub.Platform.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Hub.Providers;

/// <summary>The provider directory's registrations. Needs the platform and access first (tables, API keys, FHIR
/// plumbing, the audit trail, the clock). Safe to call more than once: each service is registered once.</summary>
public static class ProviderServices
{
    public static IServiceCollection AddProviders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProviderOptions>().Bind(configuration.GetSection(ProviderOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ProviderOptions>, ProviderOptionsValidation>());
        services.TryAddSingleton<ActivityMatcher>();
        services.TryAddSingleton<ProviderResponsivenessStore>();
        services.TryAddSingleton<ProviderDirectory>();
        services.TryAddSingleton<ProviderRouting>();
        services.AddHubTables(ProviderDirectory.Table, ProviderDirectory.LoadTable, ProviderResponsivenessStore.Table);
        services.AddHostedService<ProviderSeed>();
        return services;
    }
}

/// <summary>Refuses to start with configured activities that cannot be used, each problem naming its setting.</summary>
public sealed class ProviderOptionsValidation : IValidateOptions<ProviderOptions>
{
    public ValidateOptionsResult Validate(string? name, ProviderOptions options)
    {
        var problems = ActivityMatcher.Problems(options).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

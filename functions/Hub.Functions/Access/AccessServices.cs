using Hub.Platform.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hub.Access;

/// <summary>Who may call: API keys for practices, schemes and operators, and the signed single-use links in emails.</summary>
public static class AccessServices
{
    public static IServiceCollection AddAccess(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LinkOptions>().Bind(configuration.GetSection(LinkOptions.Section))
            .Validate(o => SignedLinks.Problem(o) is null, "Links:SigningKeys / Links:CurrentKeyId are missing or weak: set a key of 32+ characters (see README).")
            .ValidateOnStart();
        services.AddOptions<ApiKeyOptions>().Bind(configuration.GetSection(ApiKeyOptions.Section))
            .Validate(o => o.Problem() is null, "ApiKeys:CacheFor must be between 00:00:00 and 00:05:00 and ApiKeys:CacheSize between 1 and 1000000 (see README).")
            .ValidateOnStart();
        services.AddSingleton<ApiKeys>();
        services.AddSingleton<Schemes>();
        services.AddSingleton<SignedLinks>();
        services.AddSingleton<LinkUses>();
        services.AddSingleton<SearchPages>();
        services.AddHubTables(ApiKeys.Table, Schemes.Table, LinkUses.Table);
        return services;
    }
}

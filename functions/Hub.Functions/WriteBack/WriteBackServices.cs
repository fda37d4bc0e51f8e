using Hub.Platform.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hub.WriteBack;

/// <summary>Writing outcomes back to the practice's FHIR server.</summary>
public static class WriteBackServices
{
    public static IServiceCollection AddWriteBack(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WriteBackOptions>().Bind(configuration.GetSection(WriteBackOptions.Section));
        services.AddHttpClient(GpRecordWriter.HttpClientName);
        services.AddSingleton<GpRecordWriter>();
        services.AddSingleton<GpWriteOutbox>();
        services.AddSingleton<GpProgressWrites>();
        services.AddSingleton<GpWriteRetries>();
        services.AddSingleton<IParkedGpWrites, ParkedOutcomeWrites>();
        services.AddSingleton<IParkedGpWrites, ParkedProgressWrites>();
        services.AddHubTables(GpProgressWrites.Table);
        return services;
    }
}

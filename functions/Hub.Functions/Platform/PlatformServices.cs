using Azure.Identity;
using Hub.Platform.Durable;
using Hub.Platform.Fhir;
using Hub.Platform.Http;
using Hub.Platform.Storage;
using Hub.Platform.Telemetry;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hub.Platform;

/// <summary>What every slice stands on: the clock, the storage clients, the tables, FHIR parsing and answers, telemetry,
/// and the Durable worker's timer rule.</summary>
public static class PlatformServices
{
    public const string StorageSetting = "AzureWebJobsStorage";

    /// <summary>The prefix of the Azure SDK's log categories (Azure.Core, Azure.Identity, Azure.Storage.*…).</summary>
    public const string AzureSdkLogCategory = "Azure";

    /// <summary>The longest single durable timer: a 4-month follow-up wait becomes about 41 of these. Three days is the
    /// isolated SDK's own default and well inside Azure Storage's 7-day message visibility limit.</summary>
    public static readonly TimeSpan MaximumTimerInterval = TimeSpan.FromDays(3);

    public static IServiceCollection AddPlatform(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);

        // The Azure SDK logs every request at Information (most of the log, and of its cost in Application Insights):
        // its warnings and errors are enough. host.json says the same for the host's own clients.
        services.AddLogging(logging => logging.AddFilter(AzureSdkLogCategory, LogLevel.Warning));

        // Timers longer than this are split into timers of this length. History records the split, so it must never
        // change under instances in flight: pinned here rather than left to a library default.
        services.Configure<DurableTaskWorkerOptions>(o => o.MaximumTimerInterval = MaximumTimerInterval);

        services.AddAzureClients(clients =>
        {
            // The same storage account as the Functions host: a connection string locally (Azurite), or identity-based
            // settings in Azure (AzureWebJobsStorage__tableServiceUri / __queueServiceUri / __clientId), as the host reads them.
            var storage = configuration.GetSection(StorageSetting);
            if (!string.IsNullOrEmpty(storage.Value))
            {
                clients.AddTableServiceClient(storage.Value);
                clients.AddQueueServiceClient(storage.Value);
            }
            else
            {
                var tableUri = storage["tableServiceUri"] ?? throw new InvalidOperationException($"Set {StorageSetting} (a connection string) or {StorageSetting}__tableServiceUri.");
                var queueUri = storage["queueServiceUri"] ?? throw new InvalidOperationException($"Set {StorageSetting}__queueServiceUri.");
                clients.AddTableServiceClient(new Uri(tableUri));
                clients.AddQueueServiceClient(new Uri(queueUri));
                clients.UseCredential(new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = storage["clientId"] }));
            }
        });

        services.AddSingleton<HubTables>();
        services.AddSingleton<DocumentStore>();
        services.AddHubTables(DocumentStore.Table);
        services.AddSingleton<PendingEvents>();
        services.AddHubTables(PendingEvents.Table);
        services.AddOptions<PendingEventsOptions>().Bind(configuration.GetSection(PendingEventsOptions.Section));
        services.AddSingleton<PendingEventsReconciler>();
        services.AddSingleton<FhirSerializer>();
        services.AddSingleton<FhirHttp>();
        services.AddHubTelemetry(configuration);
        return services;
    }
}

using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Hub.Platform.Telemetry;

public static class TelemetryServices
{
    public const string ConnectionSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>OpenTelemetry for the hub's traces, metrics and logs. Exported to Azure Monitor only when a connection string
    /// is set (Application Insights with local auth disabled: the app's managed identity signs in); otherwise nothing leaves.</summary>
    public static IServiceCollection AddHubTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var connection = configuration[ConnectionSetting];
        var export = !string.IsNullOrWhiteSpace(connection);
        var credential = export ? new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = configuration["AzureWebJobsStorage:clientId"] }) : null;

        services.AddOpenTelemetry()
            .WithTracing(tracing =>
            {
                tracing.AddSource(HubTelemetry.Name);
                if (export)
                {
                    tracing.AddAzureMonitorTraceExporter(o => (o.ConnectionString, o.Credential) = (connection, credential));
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(HubTelemetry.Name);
                if (export)
                {
                    metrics.AddAzureMonitorMetricExporter(o => (o.ConnectionString, o.Credential) = (connection, credential));
                }
            });

        if (export)
        {
            services.AddLogging(logging => logging.AddOpenTelemetry(o => o.AddAzureMonitorLogExporter(e => (e.ConnectionString, e.Credential) = (connection, credential))));
        }

        return services;
    }
}

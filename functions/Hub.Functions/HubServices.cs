using Azure.Identity;
using Hub.Access;
using Hub.Email;
using Hub.Fhir;
using Hub.FollowUp;
using Hub.Http;
using Hub.Intake;
using Hub.Operations;
using Hub.Orchestrations.FollowUp;
using Hub.Orchestrations.Referral;
using Hub.ProviderResponse;
using Hub.Providers;
using Hub.Reporting;
using Hub.Storage;
using Hub.Telemetry;
using Hub.WriteBack;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hub;

/// <summary>Everything the hub registers, in one place: Program.cs calls it, and so do the tests, so both run the same wiring.</summary>
public static class HubServices
{
    public const string StorageSetting = "AzureWebJobsStorage";

    /// <summary>The longest single durable timer: a 4-month follow-up wait becomes about 41 of these. Three days is the
    /// isolated SDK's own default and well inside Azure Storage's 7-day message visibility limit.</summary>
    public static readonly TimeSpan MaximumTimerInterval = TimeSpan.FromDays(3);

    public static IServiceCollection AddHub(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<IntakeOptions>().Bind(configuration.GetSection(IntakeOptions.Section));
        services.AddOptions<ChaseOptions>().Bind(configuration.GetSection(ChaseOptions.Section));
        var development = EmailServices.IsDevelopment(configuration);
        services.AddOptions<FollowUpOptions>().Bind(configuration.GetSection(FollowUpOptions.Section))
            .Validate(o => o.Problem(development) is null, "FollowUp durations are out of range: the follow-up must fall 12 weeks to 4 months after acceptance (see README).")
            .ValidateOnStart();
        services.AddOptions<WriteBackOptions>().Bind(configuration.GetSection(WriteBackOptions.Section));
        services.AddHttpClient(GpRecordWriter.HttpClientName);

        // Timers longer than this are split into timers of this length. History records the split, so it must never
        // change under instances in flight: pinned here rather than left to a library default.
        services.Configure<DurableTaskWorkerOptions>(o => o.MaximumTimerInterval = MaximumTimerInterval);
        services.AddOptions<LinkOptions>().Bind(configuration.GetSection(LinkOptions.Section))
            .Validate(o => SignedLinks.Problem(o) is null, "Links:SigningKeys / Links:CurrentKeyId are missing or weak: set a key of 32+ characters (see README).")
            .ValidateOnStart();

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
        services.AddSingleton<ReferralStore>();
        services.AddSingleton<TaskStore>();
        services.AddSingleton<AuditTrail>();
        services.AddSingleton<RejectionStore>();
        services.AddSingleton<ApiKeys>();
        services.AddSingleton<PoisonMessages>();

        services.AddSingleton<ChaseStore>();
        services.AddSingleton<ReferralDocuments>();

        services.AddSingleton<FhirSerializer>();
        services.AddSingleton<FhirHttp>();
        services.AddSingleton<ReferralIntake>();
        services.AddSingleton<ReferralWithdrawal>();
        services.AddSingleton<SignedLinks>();
        services.AddSingleton<ReferralTaskProgress>();
        services.AddSingleton<ProviderResponses>();

        services.AddSingleton<FollowUpStore>();
        services.AddSingleton<QuestionnaireLibrary>();
        services.AddSingleton<SurveyRecorder>();
        services.AddSingleton<Surveys>();
        services.AddSingleton<GpRecordWriter>();

        services.AddOptions<ReportingOptions>().Bind(configuration.GetSection(ReportingOptions.Section));
        services.AddSingleton<Schemes>();
        services.AddSingleton<EvidenceSnapshotStore>();
        services.AddSingleton<EvidenceSnapshots>();
        services.AddSingleton<EvidenceReports>();
        services.AddSingleton(provider => new EvidenceCsv(PseudonymKey(
            provider.GetRequiredService<IOptions<ReportingOptions>>().Value, provider.GetRequiredService<IOptions<LinkOptions>>().Value)));

        services.AddEmail(configuration);
        services.AddProviders(configuration);
        services.AddHubTelemetry(configuration);
        return services;
    }

    /// <summary>The CSV pseudonyms' key: the configured one, or one derived from the current link-signing key (labelled,
    /// so it is never the signing key itself). Set Reporting:PseudonymKey to keep pseudonyms stable across link-key rotations.</summary>
    private static byte[] PseudonymKey(ReportingOptions reporting, LinkOptions links)
    {
        if (!string.IsNullOrEmpty(reporting.PseudonymKey))
        {
            return System.Text.Encoding.UTF8.GetBytes(reporting.PseudonymKey);
        }

        var signing = links.SigningKeys.GetValueOrDefault(links.CurrentKeyId) ?? string.Empty;
        return System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(signing), "evidence-pseudonym"u8);
    }
}

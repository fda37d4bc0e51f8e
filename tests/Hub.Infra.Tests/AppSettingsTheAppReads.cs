namespace Hub.Infra.Tests;

/// <summary>
/// The app settings the Functions app reads at startup, which infra/app/api.bicep must therefore set.
/// App developers: when the app starts reading a new setting (or stops reading one), change this list,
/// then the app settings in infra/app/api.bicep, and run <c>dotnet test tests/Hub.Infra.Tests</c>.
/// Names are as App Service stores them: <c>__</c> for each <c>:</c> of a configuration key.
/// </summary>
public static class AppSettingsTheAppReads
{
    public static readonly IReadOnlyList<string> RequiredAppSettings =
    [
        // Functions host, Durable Functions (Azure Storage backend) and the app's own tables and queues, by managed identity.
        "AzureWebJobsStorage__blobServiceUri",
        "AzureWebJobsStorage__queueServiceUri",
        "AzureWebJobsStorage__tableServiceUri",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
        // host.json: "hubName": "%DurableTaskHubName%".
        "DurableTaskHubName",
        // QueuedReferralIntake: [QueueTrigger("%IntakeQueueName%")], and PoisonMessages.
        "IntakeQueueName",
        // PendingEventsTimer: [TimerTrigger("%PendingEventsSchedule%")], the reconciler of recorded, undelivered decisions.
        "PendingEventsSchedule",
        // IntakeOptions (configuration section Intake).
        "Intake__QueueClientId",
        "Intake__MaxBodyBytes",
        // Secrets: Key Vault references.
        "SendGrid__ApiKey",
        // EmailOptions.EventWebhookPublicKey: the Signed Event Webhook's verification key (empty keeps it off).
        "SendGrid__EventWebhookPublicKey",
        "Links__SigningKeys__k1",
        "Links__CurrentKeyId",
        "Links__BaseUrl",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
    ];
}

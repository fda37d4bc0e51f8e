using Hub.Platform.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SendGrid;

namespace Hub.Email;

/// <summary>Registers email sending. Called from <c>HubServices.AddHub</c>, and by tests that point <c>SendGrid:Host</c> at
/// a local sink, so both run the real SendGrid client.</summary>
public static class EmailServices
{
    public static IServiceCollection AddEmail(this IServiceCollection services, IConfiguration configuration)
    {
        var development = IsDevelopment(configuration);
        services.AddOptions<EmailOptions>().Bind(configuration.GetSection(EmailOptions.Section))
            .Validate(o => development || !string.IsNullOrWhiteSpace(o.ApiKey),
                "SendGrid:ApiKey is not set. Outside Development the hub refuses to start without it, so no email silently goes nowhere.")
            .Validate(o => !IsUnresolvedKeyVaultReference(o.ApiKey),
                "SendGrid:ApiKey is an unresolved Key Vault reference (@Microsoft.KeyVault(...)): the app cannot read the secret. Check the app's managed identity has access to the vault and the secret exists.")
            .Validate(o => string.IsNullOrWhiteSpace(o.EventWebhookPublicKey) || IsPublicKey(o.EventWebhookPublicKey),
                "SendGrid:EventWebhookPublicKey is not an ECDSA public key: copy the verification key from SendGrid's Event Webhook settings (or leave it empty to keep the webhook off).")
            .ValidateOnStart();
        services.AddSingleton<DevelopmentOutbox>();
        services.AddSingleton<ISendGridClient>(provider =>
        {
            var email = provider.GetRequiredService<IOptions<EmailOptions>>().Value;
            if (string.IsNullOrWhiteSpace(email.ApiKey))
            {
                // Only reachable in Development (validation above): emails go to the local outbox page.
                return provider.GetRequiredService<DevelopmentOutbox>();
            }

            var clientOptions = new SendGridClientOptions { ApiKey = email.ApiKey };
            if (!string.IsNullOrWhiteSpace(email.Host))
            {
                clientOptions.Host = email.Host.TrimEnd('/');
            }

            return new SendGridClient(clientOptions);
        });
        services.AddSingleton<EmailSender>();
        services.AddSingleton<EmailHealth>();
        services.AddSingleton<EmailEvents>();
        services.AddHubTables(EmailSender.LogTable, DevelopmentOutbox.Table, EmailHealth.Table, EmailEvents.Table);
        return services;
    }

    private static bool IsPublicKey(string key)
    {
        try
        {
            new SendGrid.Helpers.EventWebhook.RequestValidator().ConvertPublicKeyToECDSA(key.Trim());
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or IndexOutOfRangeException or InvalidOperationException or OverflowException)
        {
            return false;
        }
    }

    /// <summary>App Service leaves a Key Vault reference as it is written when it cannot resolve it.</summary>
    public static bool IsUnresolvedKeyVaultReference(string? value) =>
        value?.TrimStart().StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>Development is what the Functions host says (<c>AZURE_FUNCTIONS_ENVIRONMENT</c>, as local.settings sets it).</summary>
    public static bool IsDevelopment(IConfiguration configuration) =>
        string.Equals(configuration["AZURE_FUNCTIONS_ENVIRONMENT"] ?? configuration["DOTNET_ENVIRONMENT"], "Development", StringComparison.OrdinalIgnoreCase);
}

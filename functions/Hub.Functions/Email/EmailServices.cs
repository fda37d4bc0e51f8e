using System.Net.Http.Headers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SendGrid;
using SendGrid.Helpers.Mail;

namespace Hub.Email;

/// <summary>Registers email sending. Called from <c>HubServices.AddHub</c>, and by tests that point <c>SendGrid:Host</c> at
/// a local sink, so both run the real SendGrid client.</summary>
public static class EmailServices
{
    public static IServiceCollection AddEmail(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EmailOptions>().Bind(configuration.GetSection(EmailOptions.Section));
        services.AddSingleton<ISendGridClient>(provider =>
        {
            var email = provider.GetRequiredService<IOptions<EmailOptions>>().Value;
            if (string.IsNullOrWhiteSpace(email.ApiKey))
            {
                // The hub still starts without a key (intake needs none); only sending fails, and says why.
                return new UnconfiguredSendGridClient();
            }

            var clientOptions = new SendGridClientOptions { ApiKey = email.ApiKey };
            if (!string.IsNullOrWhiteSpace(email.Host))
            {
                clientOptions.Host = email.Host.TrimEnd('/');
            }

            return new SendGridClient(clientOptions);
        });
        services.AddSingleton<EmailSender>();
        return services;
    }

    /// <summary>Stands in for SendGrid when no key is configured: every call fails with a message naming the setting.</summary>
    private sealed class UnconfiguredSendGridClient : ISendGridClient
    {
        private const string NotSet = "SendGrid:ApiKey is not set";

        public string UrlPath { get; set; } = "mail/send";

        public string Version { get; set; } = "v3";

        public string MediaType { get; set; } = "application/json";

        public AuthenticationHeaderValue AddAuthorization(KeyValuePair<string, string> header) => throw new InvalidOperationException(NotSet);

        public Task<Response> MakeRequest(HttpRequestMessage request, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException(NotSet);

        public Task<Response> RequestAsync(BaseClient.Method method, string? requestBody = null, string? queryParams = null, string? urlPath = null, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException(NotSet);

        public Task<Response> SendEmailAsync(SendGridMessage msg, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException(NotSet);
    }
}

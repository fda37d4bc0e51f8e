using System.Net;
using System.Net.Http.Headers;
using Azure.Data.Tables;
using Hub.Platform.Storage;
using SendGrid;
using SendGrid.Helpers.Mail;

namespace Hub.Email;

/// <summary>An email the development outbox kept instead of sending.</summary>
public sealed record OutboxEmail(DateTimeOffset At, string To, string Subject, string Html);

/// <summary>Where email goes in Development when no SendGrid key is set: a table in local storage, shown at
/// <c>/api/dev/outbox</c> so a person can click the links. Never used outside Development: the app refuses to start
/// there without a key, so nothing silently goes nowhere in production.</summary>
public sealed class DevelopmentOutbox(HubTables tables, TimeProvider time) : ISendGridClient
{
    public const string Table = "Outbox";

    public string UrlPath { get; set; } = "mail/send";

    public string Version { get; set; } = "v3";

    public string MediaType { get; set; } = "application/json";

    public async Task<Response> SendEmailAsync(SendGridMessage msg, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var at = time.GetUtcNow();
        var to = string.Join(", ", msg.Personalizations.SelectMany(p => p.Tos).Select(t => t.Email));
        var html = msg.Contents?.FirstOrDefault(c => c.Type == MimeType.Html)?.Value ?? msg.HtmlContent ?? string.Empty;
        await table.AddEntityAsync(new TableEntity("outbox", $"{DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks:D19}-{Guid.NewGuid():N}")
        {
            ["At"] = at,
            ["To"] = to,
            ["Subject"] = msg.Subject ?? msg.Personalizations.FirstOrDefault()?.Subject ?? string.Empty,
            ["Html"] = html,
        }, cancellationToken);
        return new Response(HttpStatusCode.Accepted, null, null);
    }

    /// <summary>The newest emails first.</summary>
    public async Task<IReadOnlyList<OutboxEmail>> ListAsync(int max = 50, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var found = new List<OutboxEmail>();
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == "outbox", cancellationToken: cancellationToken))
        {
            found.Add(new OutboxEmail(row.GetDateTimeOffset("At") ?? default, row.GetString("To"), row.GetString("Subject"), row.GetString("Html")));
            if (found.Count >= max)
            {
                break;
            }
        }

        return found;
    }

    public AuthenticationHeaderValue AddAuthorization(KeyValuePair<string, string> header) => new("Bearer", "development-outbox");

    public Task<Response> MakeRequest(HttpRequestMessage request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The development outbox only takes emails.");

    public Task<Response> RequestAsync(BaseClient.Method method, string? requestBody = null, string? queryParams = null, string? urlPath = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The development outbox only takes emails.");
}

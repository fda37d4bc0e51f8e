using Hub.Access;
using Hub.Email;
using Hub.Platform.Http;
using Hub.Platform.Storage;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Hub.Operations;

/// <summary><c>GET /api/health</c>: is storage reachable and is the configuration complete? 200 when ready, 503 with the
/// failing check named otherwise. Says nothing secret: names of checks and plain reasons only.</summary>
public sealed class HealthHttp(HubTables tables, IOptions<LinkOptions> links, IOptions<EmailOptions> email, IConfiguration configuration)
{
    [Function("Health")]
    public async Task<IActionResult> Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request)
    {
        var checks = new Dictionary<string, string>();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var table = await tables.GetAsync(ReferralStore.Table);
            await foreach (var _ in table.QueryAsync<Azure.Data.Tables.TableEntity>(maxPerPage: 1, select: ["RowKey"], cancellationToken: timeout.Token).AsPages(pageSizeHint: 1))
            {
                break;
            }

            checks["storage"] = "ok";
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or OperationCanceledException or HttpRequestException or AggregateException or InvalidOperationException)
        {
            checks["storage"] = "unreachable";
        }

        checks["links"] = SignedLinks.Problem(links.Value) is null ? "ok" : "signing keys missing or weak";
        checks["email"] = !string.IsNullOrWhiteSpace(email.Value.ApiKey) ? "ok"
            : EmailServices.IsDevelopment(configuration) ? "ok (development outbox)" : "SendGrid key missing";
        var healthy = checks.Values.All(v => v.StartsWith("ok", StringComparison.Ordinal));
        return JsonBody.Result(healthy ? 200 : 503, new { status = healthy ? "healthy" : "unhealthy", checks });
    }
}

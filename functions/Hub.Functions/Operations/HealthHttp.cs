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

/// <summary><c>GET /api/health</c>: is storage reachable, is the configuration complete, and did SendGrid accept the hub's
/// last email (a refused key or sender names the email check until an email goes again)? 200 when ready, 503 with the
/// failing check named otherwise. Says nothing secret: names of checks and plain reasons only.</summary>
public sealed class HealthHttp(HubTables tables, IOptions<LinkOptions> links, IOptions<EmailOptions> email, EmailHealth emailHealth, IConfiguration configuration)
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
        if (checks["email"].StartsWith("ok", StringComparison.Ordinal) && checks["storage"] == "ok")
        {
            // Set by any instance when SendGrid refused the hub itself; cleared by the next email it accepts.
            checks["email"] = await EmailProblemAsync(request.HttpContext.RequestAborted) ?? checks["email"];
        }

        var healthy = checks.Values.All(v => v.StartsWith("ok", StringComparison.Ordinal));
        return JsonBody.Result(healthy ? 200 : 503, new { status = healthy ? "healthy" : "unhealthy", checks });
    }

    private async Task<string?> EmailProblemAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await emailHealth.LastFaultAsync(cancellationToken))?.Problem;
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or HttpRequestException)
        {
            return null;   // storage is checked above; its failure is reported there
        }
    }
}

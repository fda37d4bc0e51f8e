using Hub.Http;
using Hub.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Hub.Access;

/// <summary>Issuing, rotating and revoking API keys. Admin level: the Functions host demands its master key
/// (<c>x-functions-key</c>) before any of these run.</summary>
public sealed class ApiKeysAdminHttp(ApiKeys keys, AuditTrail audit)
{
    public sealed record ClientRequest(string? ClientId, string? Name, List<string>? PracticeOdsCodes);

    [Function("SaveApiClient")]
    public async Task<IActionResult> SaveClient(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/clients")] HttpRequest request)
    {
        var body = await JsonBody.ReadAsync<ClientRequest>(request);
        if (body is null || !TableKeys.IsSafe(body.ClientId) || body.PracticeOdsCodes is not { Count: > 0 })
        {
            return JsonBody.Problem(400, "Send JSON {\"clientId\": \"...\", \"name\": \"...\", \"practiceOdsCodes\": [\"A81001\"]}; clientId may not contain / \\ # or ?.");
        }

        var client = await keys.SaveClientAsync(body.ClientId!, body.Name ?? body.ClientId!, body.PracticeOdsCodes);
        var issued = await keys.IssueAsync(client.ClientId);
        await audit.AppendAsync($"client-{client.ClientId}", "api-key-issued", "admin", issued!.KeyId);
        return JsonBody.Result(201, issued);
    }

    [Function("IssueApiKey")]
    public async Task<IActionResult> Issue(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/clients/{clientId}/keys")] HttpRequest request, string clientId)
    {
        var issued = await keys.IssueAsync(clientId);
        if (issued is null)
        {
            return JsonBody.Problem(404, $"No API client '{clientId}'.");
        }

        await audit.AppendAsync($"client-{clientId}", "api-key-issued", "admin", issued.KeyId);
        return JsonBody.Result(201, issued);
    }

    [Function("RotateApiKey")]
    public async Task<IActionResult> Rotate(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/keys/{keyId}/rotate")] HttpRequest request, string keyId)
    {
        var graceHours = double.TryParse(request.Query["graceHours"], System.Globalization.CultureInfo.InvariantCulture, out var hours) ? Math.Clamp(hours, 0, 24 * 30) : 24;
        var issued = await keys.RotateAsync(keyId, TimeSpan.FromHours(graceHours));
        if (issued is null)
        {
            return JsonBody.Problem(404, $"No live API key '{keyId}'.");
        }

        await audit.AppendAsync($"client-{issued.ClientId}", "api-key-rotated", "admin", $"{keyId}->{issued.KeyId}");
        return JsonBody.Result(201, issued);
    }

    [Function("RevokeApiKey")]
    public async Task<IActionResult> Revoke(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/keys/{keyId}/revoke")] HttpRequest request, string keyId)
    {
        if (!await keys.RevokeAsync(keyId))
        {
            return JsonBody.Problem(404, $"No API key '{keyId}'.");
        }

        await audit.AppendAsync($"key-{keyId}", "api-key-revoked", "admin");
        return JsonBody.Result(200, new { keyId, revoked = true });
    }
}

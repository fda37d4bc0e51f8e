using Hub.Platform.Http;
using Hub.Platform.Storage;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Hub.Access;

/// <summary>Issuing, rotating and revoking API keys, and keeping the schemes a key may report on. Admin level: the
/// Functions host demands its master key (<c>x-functions-key</c>) before any of these run.</summary>
public sealed class ApiKeysAdminHttp(ApiKeys keys, Schemes schemes, AuditTrail audit)
{
    /// <param name="Role"><c>analyst</c> for a key that may also export the per-person CSV; <c>provider</c> (with
    /// <paramref name="ProviderIds"/> only) for a provider's own system; otherwise a reader.</param>
    /// <param name="ProviderIds">A provider client's HealthcareService ids, as in the provider directory.</param>
    public sealed record ClientRequest(string? ClientId, string? Name, List<string>? PracticeOdsCodes, List<string>? SchemeIds, string? Role = null, List<string>? ProviderIds = null);

    public sealed record SchemeRequest(string? Name, List<string>? PracticeOdsCodes);

    [Function("SaveScheme")]
    public async Task<IActionResult> SaveScheme(
        [HttpTrigger(AuthorizationLevel.Admin, "put", Route = "manage/schemes/{schemeId}")] HttpRequest request, string schemeId)
    {
        var body = await JsonBody.ReadAsync<SchemeRequest>(request);
        if (body is null || !TableKeys.IsSafe(schemeId) || body.PracticeOdsCodes is not { Count: > 0 })
        {
            return JsonBody.Problem(400, "Send JSON {\"name\": \"...\", \"practiceOdsCodes\": [\"A81001\", \"A81002\"]}; the scheme id may not contain / \\ # or ?.");
        }

        var scheme = await schemes.SaveAsync(schemeId, body.Name ?? schemeId, body.PracticeOdsCodes);
        await audit.AppendAsync($"scheme-{schemeId}", "scheme-saved", "admin", $"{scheme.PracticeOdsCodes.Count} practices");
        return JsonBody.Result(200, scheme);
    }

    [Function("SaveApiClient")]
    public async Task<IActionResult> SaveClient(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/clients")] HttpRequest request)
    {
        var body = await JsonBody.ReadAsync<ClientRequest>(request);
        if (body is not null && TableKeys.IsSafe(body.ClientId) && (body.Role == "provider" || body.ProviderIds is { Count: > 0 }))
        {
            return await SaveProviderClientAsync(body);
        }

        if (body is null || !TableKeys.IsSafe(body.ClientId) || (body.PracticeOdsCodes is not { Count: > 0 } && body.SchemeIds is not { Count: > 0 }))
        {
            return JsonBody.Problem(400, "Send JSON {\"clientId\": \"...\", \"name\": \"...\", \"practiceOdsCodes\": [\"A81001\"]} for a practice, or {\"schemeIds\": [\"...\"]} for a scheme lead or commissioner; clientId may not contain / \\ # or ?.");
        }

        var role = KeyRole.Reader;
        if (body.Role is { } roleText && !Hub.Referrals.StoredSpelling.TryParse(roleText, out role))
        {
            return JsonBody.Problem(400, $"role '{roleText}' is not one the hub knows: leave it out for a reader key, or send \"analyst\" for a key that may export per-person rows.");
        }

        foreach (var schemeId in body.SchemeIds ?? [])
        {
            if (await schemes.GetAsync(schemeId) is null)
            {
                return JsonBody.Problem(400, $"No scheme '{schemeId}': create it first with PUT /api/manage/schemes/{{id}}.");
            }
        }

        var client = await keys.SaveClientAsync(body.ClientId!, body.Name ?? body.ClientId!, body.PracticeOdsCodes ?? [], body.SchemeIds ?? [], role);
        var issued = await keys.IssueAsync(client.ClientId);
        await audit.AppendAsync($"client-{client.ClientId}", "api-key-issued", "admin", issued!.KeyId);
        return JsonBody.Result(201, issued);
    }

    /// <summary>A provider client: its own HealthcareService ids, each in the directory, and nothing else (no practice,
    /// no scheme), so a provider key never reads a practice's referrals and a practice key never acts as a provider.</summary>
    private async Task<IActionResult> SaveProviderClientAsync(ClientRequest body)
    {
        if (body.Role != "provider" || body.ProviderIds is not { Count: > 0 } ids || body.PracticeOdsCodes is { Count: > 0 } || body.SchemeIds is { Count: > 0 })
        {
            return JsonBody.Problem(400, "A provider key takes JSON {\"clientId\": \"...\", \"name\": \"...\", \"role\": \"provider\", \"providerIds\": [\"alpha\"]}: its own HealthcareService ids and no practiceOdsCodes or schemeIds.");
        }

        foreach (var id in ids)
        {
            if (!TableKeys.IsSafe(id))
            {
                return JsonBody.Problem(400, $"Provider id '{id}' may not contain / \\ # or ?.");
            }
        }

        var client = await keys.SaveClientAsync(body.ClientId!, body.Name ?? body.ClientId!, [], [], KeyRole.Provider, ids);
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

using Hub.Platform.Http;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Hub.Providers;

/// <summary>Keeping the provider directory: link workers and scheme leads add, change, pause and resume providers, and
/// load a whole directory at once. Admin level: the Functions host demands its master key (<c>x-functions-key</c>) before
/// any of these run. Plain JSON in the <see cref="Provider"/> shape; a refusal is 400 with an <c>error</c> naming the field.</summary>
public sealed class ProviderAdminHttp(ProviderDirectory directory, AuditTrail audit)
{
    /// <summary>An import may carry a whole council's directory; a single entry stays under the usual 64 KB.</summary>
    public const int MaxImportBytes = 4 * 1024 * 1024;

    private const string Example =
        "Send a provider as JSON, e.g. {\"id\": \"leeds-befriending\", \"name\": \"...\", \"emails\": [\"referrals@example.org\"], " +
        "\"categories\": [\"befriending\"], \"areas\": [\"LS17\"], \"weeklyLimit\": 5}.";

    /// <summary>Creates (201) or replaces (200) a provider; the answer is the entry as stored.</summary>
    [Function("SaveProvider")]
    public async Task<IActionResult> Save(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/providers")] HttpRequest request)
    {
        if (await JsonBody.ReadAsync<Provider>(request) is not { } body)
        {
            return JsonBody.Problem(400, Example);
        }

        var provider = ProviderRules.Normalize(body);
        if (ProviderRules.Check(provider) is { Count: > 0 } problems)
        {
            return Refuse($"Provider '{Shorten(provider.Id)}' is not valid: {string.Join("; ", problems)}.", problems.Select(p => p.Field));
        }

        var existed = await directory.GetAsync(provider.Id, request.HttpContext.RequestAborted) is not null;
        var saved = await directory.SaveAsync(provider, request.HttpContext.RequestAborted);
        await audit.AppendAsync(AuditKey(saved.Id), existed ? "provider-updated" : "provider-created", "admin", saved.Status);
        return JsonBody.Result(existed ? 200 : 201, saved);
    }

    /// <summary>Every provider, whatever its status, in directory order: the same array <c>import</c> takes.</summary>
    [Function("ListProviders")]
    public async Task<IActionResult> List(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "manage/providers")] HttpRequest request) =>
        JsonBody.Result(200, await directory.ListAsync(request.HttpContext.RequestAborted));

    /// <summary>Loads a JSON array of providers (a seed file, a council's export), creating or replacing each. All are
    /// checked first: one bad entry refuses the lot, naming it as <c>[index].field</c>.</summary>
    [Function("ImportProviders")]
    public async Task<IActionResult> Import(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/providers/import")] HttpRequest request)
    {
        if (await JsonBody.ReadAsync<List<Provider>>(request, MaxImportBytes) is not { } body)
        {
            return JsonBody.Problem(400, $"Send a JSON array of providers (at most {MaxImportBytes / 1024 / 1024} MB), as in samples/providers.json.");
        }

        var providers = body.Select(p => ProviderRules.Normalize(p ?? new Provider())).ToList();
        var problems = providers
            .SelectMany((p, i) => ProviderRules.Check(p).Select(problem => (Field: $"[{i}].{problem.Field}", Text: $"[{i}] '{Shorten(p.Id)}' {problem}")))
            .ToList();
        if (problems.Count > 0)
        {
            return Refuse($"Nothing was imported: {string.Join("; ", problems.Select(p => p.Text))}.", problems.Select(p => p.Field));
        }

        var result = await directory.ImportAsync(providers, replaceExisting: true, request.HttpContext.RequestAborted);
        var ids = providers.Select(p => p.Id).Distinct(StringComparer.Ordinal).ToList();
        await audit.AppendAsync("providers", "providers-imported", "admin", $"{ids.Count} providers");
        return JsonBody.Result(200, new { imported = result.Saved, ids });
    }

    /// <summary>Stops offering referrals to a provider (full, on a break) until it is resumed; 404 for an unknown id.</summary>
    [Function("PauseProvider")]
    public Task<IActionResult> Pause(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/providers/{id}/pause")] HttpRequest request, string id) =>
        SetStatusAsync(request, id, ProviderStatus.Paused, "provider-paused");

    /// <summary>Offers referrals to a paused (or retired) provider again; 404 for an unknown id.</summary>
    [Function("ResumeProvider")]
    public Task<IActionResult> Resume(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/providers/{id}/resume")] HttpRequest request, string id) =>
        SetStatusAsync(request, id, ProviderStatus.Active, "provider-resumed");

    private async Task<IActionResult> SetStatusAsync(HttpRequest request, string id, string status, string auditEvent)
    {
        if (await directory.SetStatusAsync(id, status, request.HttpContext.RequestAborted) is not { } provider)
        {
            return JsonBody.Problem(404, $"No provider '{Shorten(id)}'.");
        }

        await audit.AppendAsync(AuditKey(provider.Id), auditEvent, "admin", status);
        return JsonBody.Result(200, provider);
    }

    private static IActionResult Refuse(string message, IEnumerable<string> fields) =>
        JsonBody.Result(400, new { error = message, fields = fields.Distinct().ToList() });

    // Directory changes are audited beside referrals, under a key that cannot be a referral id.
    private static string AuditKey(string providerId) => $"provider-{providerId}";

    private static string Shorten(string value) => value.Length <= 64 ? value : value[..64] + "…";
}

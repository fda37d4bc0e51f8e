using Hub.Platform.Http;
using Hub.Platform.Storage;
using Hub.Providers;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Hub.Chase;

/// <summary>Registering a provider's webhook: admin level (the Functions host's master key), as a provider's API key is
/// issued. <c>PUT</c> registers or replaces the endpoint and answers the new signing secret, once; <c>GET</c> shows the
/// endpoint (never the secret) and the notifications given up; <c>DELETE</c> stops the notifications.</summary>
public sealed class ProviderWebhookHttp(ProviderWebhooks webhooks, ProviderWebhookOutbox outbox, ProviderDirectory directory, AuditTrail audit)
{
    public sealed record WebhookRequest(string? Endpoint);

    [Function("SaveProviderWebhook")]
    public async Task<IActionResult> Save(
        [HttpTrigger(AuthorizationLevel.Admin, "put", Route = "manage/providers/{id}/webhook")] HttpRequest request, string id)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        if (!TableKeys.IsSafe(id) || await directory.GetAsync(id, cancellationToken) is null)
        {
            return JsonBody.Problem(404, $"No provider '{id}' in the directory: add it first with POST /api/manage/providers.");
        }

        var body = await JsonBody.ReadAsync<WebhookRequest>(request);
        var refusal = body is null ? "endpoint is required." : webhooks.Refusal(body.Endpoint);
        if (body is null || refusal is not null)
        {
            return JsonBody.Problem(400, $"Send JSON {{\"endpoint\": \"https://provider.example.org/hub-notifications\"}}: {refusal}");
        }

        var saved = await webhooks.SaveAsync(id, body.Endpoint!, cancellationToken);
        await audit.AppendAsync($"provider-{id}", "webhook-registered", "admin", null);
        return JsonBody.Result(200, new { providerId = id, endpoint = saved.Endpoint, secret = saved.Secret, since = saved.Since });
    }

    [Function("ReadProviderWebhook")]
    public async Task<IActionResult> Read(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "manage/providers/{id}/webhook")] HttpRequest request, string id)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        if (await webhooks.GetAsync(id, cancellationToken) is not { } webhook)
        {
            return JsonBody.Problem(404, $"Provider '{id}' has no webhook.");
        }

        var rows = await outbox.OfAsync(id, cancellationToken);
        var waiting = rows.Count(r => r.GetString("State") == ProviderWebhookState.Waiting.Spelling());
        var givenUp = rows.Where(r => r.GetString("State") == ProviderWebhookState.GivenUp.Spelling())
            .Select(r => new { id = r.RowKey, task = $"Task/{r.GetString("TaskId")}", @event = r.GetString("Event"), attempts = r.GetInt32("Attempts"), lastStatus = r.GetInt32("LastStatus"), givenUpAt = r.GetDateTimeOffset("GivenUpAt") })
            .ToList();
        return JsonBody.Result(200, new { providerId = id, endpoint = webhook.Endpoint, since = webhook.Since, waiting, givenUp });
    }

    [Function("RemoveProviderWebhook")]
    public async Task<IActionResult> Remove(
        [HttpTrigger(AuthorizationLevel.Admin, "delete", Route = "manage/providers/{id}/webhook")] HttpRequest request, string id)
    {
        if (!await webhooks.RemoveAsync(id, request.HttpContext.RequestAborted))
        {
            return JsonBody.Problem(404, $"Provider '{id}' has no webhook.");
        }

        await audit.AppendAsync($"provider-{id}", "webhook-removed", "admin", null);
        return new NoContentResult();
    }
}

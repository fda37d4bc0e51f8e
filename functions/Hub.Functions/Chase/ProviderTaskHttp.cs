using System.Net;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Platform.Fhir;
using Hub.Platform.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Chase;

/// <summary><c>PUT</c> and <c>PATCH /fhir/Task/{id}</c> for a provider key: the performer's transitions only, with
/// <c>If-Match</c>, through the same code as the provider's links (<see cref="ProviderWork.MoveAsync"/>). Only
/// <c>status</c> and <c>statusReason</c> are read from the body; everything else of the Task is the hub's. PATCH takes a
/// JSON merge patch (<c>application/merge-patch+json</c>) of those two.</summary>
public sealed class ProviderTaskHttp(ApiKeys keys, ProviderWork work, FhirSerializer fhir, FhirHttp http, Hub.Referrals.TaskStore tasks)
{
    private const long MaxBodyBytes = 64 * 1024;

    /// <summary>Operators: fills the owner index (<c>TaskOwners</c>) from the Tasks themselves, for Tasks offered before
    /// the index existed, at most <c>count</c> (default 500, at most 1000) Tasks per call; call again with <c>next</c> as
    /// <c>continuation</c> until it is null. Idempotent: run it as often as you like. Admin level.</summary>
    [Function("IndexTaskOwners")]
    public async Task<IActionResult> IndexOwners(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/tasks/index-owners")] HttpRequest request)
    {
        var count = 500;
        if (request.Query["count"].Count > 0 && (!int.TryParse(request.Query["count"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count) || count is < 1 or > 1000))
        {
            return JsonBody.Problem(400, "count must be a whole number from 1 to 1000.");
        }

        var continuation = request.Query["continuation"].Count > 0 ? request.Query["continuation"].ToString() : null;
        try
        {
            var (scanned, indexed, next) = await tasks.IndexOwnersAsync(count, continuation, request.HttpContext.RequestAborted);
            return JsonBody.Result(200, new { scanned, indexed, next });
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 400 && continuation is not null)
        {
            return JsonBody.Problem(400, "continuation is not one this endpoint gave: start again without it.");
        }
    }

    [Function("UpdateTask")]
    public async Task<IActionResult> Update(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "fhir/Task/{id}")] HttpRequest request, string id,
        [DurableClient] DurableTaskClient durable)
    {
        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is not { IsProvider: true } caller)
        {
            return await NotProviderAsync(request, id);
        }

        var body = await http.ReadAsync(request, MaxBodyBytes, request.HttpContext.RequestAborted);
        if (body.Refusal is not null)
        {
            return body.Refusal;
        }

        if (body.Resource is not FhirTask wanted || (wanted.Id is not null && wanted.Id != id))
        {
            return http.Outcome(request, HttpStatusCode.BadRequest, FhirProblem.Invalid("Task", $"Send the Task with id {id}, as read, with its new status (and statusReason where needed)."));
        }

        return await MoveAsync(request, caller, id, wanted, durable);
    }

    [Function("PatchTask")]
    public async Task<IActionResult> Patch(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "fhir/Task/{id}")] HttpRequest request, string id,
        [DurableClient] DurableTaskClient durable)
    {
        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is not { IsProvider: true } caller)
        {
            return await NotProviderAsync(request, id);
        }

        if (!(request.ContentType ?? string.Empty).StartsWith("application/merge-patch+json", StringComparison.OrdinalIgnoreCase))
        {
            return http.Outcome(request, HttpStatusCode.UnsupportedMediaType, new FhirProblem(OperationOutcome.IssueType.NotSupported,
                "PATCH takes a JSON merge patch (Content-Type: application/merge-patch+json) of status and statusReason."));
        }

        FhirTask wanted;
        try
        {
            using var reader = new StreamReader(request.Body);
            var text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
            if (text.Length > MaxBodyBytes)
            {
                return http.Outcome(request, HttpStatusCode.RequestEntityTooLarge, FhirProblem.Invalid(null, "The patch is too large."));
            }

            using var patch = JsonDocument.Parse(text);
            var json = new Dictionary<string, object?> { ["resourceType"] = "Task", ["status"] = patch.RootElement.TryGetProperty("status", out var s) ? s.GetString() : null, ["intent"] = "order" };
            if (patch.RootElement.TryGetProperty("statusReason", out var reason))
            {
                json["statusReason"] = reason;
            }

            if (fhir.ParseJson(JsonSerializer.SerializeToUtf8Bytes(json)).Resource is not FhirTask parsed)
            {
                return http.Outcome(request, HttpStatusCode.BadRequest, FhirProblem.Invalid("Task", "The patch is not a JSON object with a Task status (and statusReason)."));
            }

            wanted = parsed;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or Hl7.Fhir.Serialization.DeserializationFailedException)
        {
            return http.Outcome(request, HttpStatusCode.BadRequest, FhirProblem.Invalid("Task", "The patch is not a JSON object with a Task status (and statusReason)."));
        }

        return await MoveAsync(request, caller, id, wanted, durable);
    }

    private async Task<IActionResult> MoveAsync(HttpRequest request, Caller caller, string id, FhirTask wanted, DurableTaskClient durable)
    {
        var moved = await work.MoveAsync(caller, id, wanted, request.Headers.IfMatch.ToString(), durable, request.HttpContext.RequestAborted);
        if (moved.Problem is not null)
        {
            return moved.Status == 404 ? http.NotFound(request, $"Task/{id}") : http.Outcome(request, (HttpStatusCode)moved.Status, moved.Problem);
        }

        return moved.Task is null
            ? http.NotFound(request, $"Task/{id}")
            : http.Resource(request, moved.Task, HttpStatusCode.OK, Versions(moved.Task));
    }

    /// <summary>No key, or a key that is not a provider's: practices never move a Task (their referral's status is
    /// theirs, through ServiceRequest), so every other key finds the same 404.</summary>
    private async Task<IActionResult> NotProviderAsync(HttpRequest request, string id) =>
        await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is null
            ? http.Unauthorized(request)
            : http.NotFound(request, $"Task/{id}");

    private static Dictionary<string, string> Versions(FhirTask task)
    {
        var headers = new Dictionary<string, string>();
        if (task.Meta?.VersionId is { } version)
        {
            headers["ETag"] = $"W/\"{version}\"";
        }

        if (task.Meta?.LastUpdated is { } updated)
        {
            headers["Last-Modified"] = updated.ToString("R");
        }

        return headers;
    }
}

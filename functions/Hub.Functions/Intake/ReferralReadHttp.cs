using System.Net;
using System.Text;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Platform.Fhir;
using Hub.Platform.Http;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Hub.Intake;

/// <summary>The referrer reads back: the CapabilityStatement, a referral's ServiceRequest and its Task. A caller sees only
/// its own practices' referrals; anything else is a 404 that does not say whether it exists.</summary>
public sealed class ReferralReadHttp(ApiKeys keys, ReferralLookup lookup, TaskStore tasks, FhirSerializer fhir, FhirHttp http, TimeProvider time,
    Hub.Chase.ProviderWork providerWork, ProviderReferralRead providerReads)
{
    [Function("Metadata")]
    public IActionResult Metadata([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/metadata")] HttpRequest request) =>
        http.Resource(request, HubCapabilities.Build(FhirHttp.BaseUrl(request), time.GetUtcNow()), HttpStatusCode.OK);

    [Function("ReadServiceRequest")]
    public async Task<IActionResult> ReadServiceRequest(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/ServiceRequest/{id}")] HttpRequest request, string id)
    {
        if (id == "_history")
        {
            return FhirFallbackHttp.NoHistory(http, request);
        }

        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is not { } caller)
        {
            return http.Unauthorized(request);
        }

        if (caller.IsProvider)
        {
            return await ReadOfferedOrOwnedAsync(request, caller, id);
        }

        var served = await lookup.ByIdAsync(caller.PracticeOdsCodes, id, request.HttpContext.RequestAborted);
        return served is null
            ? http.NotFound(request, $"ServiceRequest/{id}")
            : http.Resource(request, served.ServiceRequest, HttpStatusCode.OK, VersionHeaders(served.ServiceRequest));
    }

    /// <summary>A provider key's read of a referral: in full (as the practice reads it, audited as a handover view) once
    /// one of its services has accepted it; while offered to it, only what the offer email carries; otherwise 404.</summary>
    private async Task<IActionResult> ReadOfferedOrOwnedAsync(HttpRequest request, Caller caller, string id)
    {
        var seen = await providerReads.ReadAsync(caller, id, request.HttpContext.RequestAborted);
        return seen is null
            ? http.NotFound(request, $"ServiceRequest/{id}")
            : http.Resource(request, seen.ServiceRequest, HttpStatusCode.OK, VersionHeaders(seen.ServiceRequest));
    }

    /// <summary><c>GET fhir/ServiceRequest/{id}/_history/{vid}</c>: the hub keeps a referral's current version only, so
    /// that version reads back and any earlier one is a 404 saying so (FHIR allows a server not to keep history).</summary>
    [Function("VReadServiceRequest")]
    public async Task<IActionResult> VReadServiceRequest(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/ServiceRequest/{id}/_history/{vid}")] HttpRequest request, string id, string vid)
    {
        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is not { } caller)
        {
            return http.Unauthorized(request);
        }

        var served = await lookup.ByIdAsync(caller.PracticeOdsCodes, id, request.HttpContext.RequestAborted);
        if (served is null)
        {
            return http.NotFound(request, $"ServiceRequest/{id}");
        }

        return served.ServiceRequest.Meta?.VersionId == vid
            ? http.Resource(request, served.ServiceRequest, HttpStatusCode.OK, VersionHeaders(served.ServiceRequest))
            : http.Outcome(request, HttpStatusCode.NotFound, new FhirProblem(OperationOutcome.IssueType.NotFound,
                $"ServiceRequest/{id} is at version {served.ServiceRequest.Meta?.VersionId}; the hub keeps only the current version."));
    }

    [Function("ReadTask")]
    public async Task<IActionResult> ReadTask(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/Task/{id}")] HttpRequest request, string id)
    {
        if (id == "_history")
        {
            return FhirFallbackHttp.NoHistory(http, request);
        }

        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is not { } caller)
        {
            return http.Unauthorized(request);
        }

        var stored = caller.IsProvider ? null : await tasks.FindAsync(caller.PracticeOdsCodes, id, request.HttpContext.RequestAborted);
        var task = caller.IsProvider
            ? (await providerWork.FindAsync(caller, id, request.HttpContext.RequestAborted))?.Task
            : stored is null ? null : ParseTask(stored);
        return task is null
            ? http.NotFound(request, $"Task/{id}")
            : http.Resource(request, task, HttpStatusCode.OK, VersionHeaders(task));
    }

    private Hl7.Fhir.Model.Task? ParseTask(StoredTask stored) =>
        fhir.ParseJson(Encoding.UTF8.GetBytes(stored.Json)).Resource as Hl7.Fhir.Model.Task;

    public static Dictionary<string, string> VersionHeaders(Resource resource)
    {
        var headers = new Dictionary<string, string>();
        if (resource.Meta?.VersionId is { } version)
        {
            headers["ETag"] = $"W/\"{version}\"";
        }

        if (resource.Meta?.LastUpdated is { } updated)
        {
            headers["Last-Modified"] = updated.ToString("R");
        }

        return headers;
    }
}

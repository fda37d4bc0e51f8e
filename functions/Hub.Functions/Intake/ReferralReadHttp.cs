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
public sealed class ReferralReadHttp(ApiKeys keys, ReferralStore referrals, TaskStore tasks, ReferralDocuments documents, FhirSerializer fhir, FhirHttp http, TimeProvider time)
{
    [Function("Metadata")]
    public IActionResult Metadata([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/metadata")] HttpRequest request) =>
        http.Resource(request, HubCapabilities.Build(FhirHttp.BaseUrl(request), time.GetUtcNow()), HttpStatusCode.OK);

    [Function("ReadServiceRequest")]
    public async Task<IActionResult> ReadServiceRequest(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/ServiceRequest/{id}")] HttpRequest request, string id)
    {
        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is not { } caller)
        {
            return http.Unauthorized(request);
        }

        var record = await referrals.FindAsync(caller.PracticeOdsCodes, id, request.HttpContext.RequestAborted);
        var serviceRequest = record is null ? null : (await documents.LoadAsync(record, request.HttpContext.RequestAborted))?.Document.ServiceRequest;
        return serviceRequest is null
            ? http.NotFound(request, $"ServiceRequest/{id}")
            : http.Resource(request, serviceRequest, HttpStatusCode.OK, VersionHeaders(serviceRequest));
    }

    [Function("ReadTask")]
    public async Task<IActionResult> ReadTask(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/Task/{id}")] HttpRequest request, string id)
    {
        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is not { } caller)
        {
            return http.Unauthorized(request);
        }

        var stored = await tasks.FindAsync(caller.PracticeOdsCodes, id, request.HttpContext.RequestAborted);
        var task = stored is null ? null : ParseTask(stored);
        return task is null
            ? http.NotFound(request, $"Task/{id}")
            : http.Resource(request, task, HttpStatusCode.OK, VersionHeaders(task));
    }

    [Function("SearchTask")]
    public async Task<IActionResult> SearchTask(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/Task")] HttpRequest request)
    {
        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is not { } caller)
        {
            return http.Unauthorized(request);
        }

        var focus = request.Query["focus"].ToString();
        if (string.IsNullOrWhiteSpace(focus))
        {
            return http.Outcome(request, HttpStatusCode.BadRequest, FhirProblem.Required("focus",
                "Task search needs the focus parameter: Task?focus=ServiceRequest/{id}."));
        }

        // Accept "ServiceRequest/{id}", a full URL ending in it, or a bare id.
        var parts = focus.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length >= 2 && parts[^2] != "ServiceRequest")
        {
            return http.Outcome(request, HttpStatusCode.BadRequest, FhirProblem.Invalid("focus", "Task focus must be a ServiceRequest."));
        }

        var referralId = parts[^1];
        var bundle = new Bundle { Id = Guid.NewGuid().ToString(), Type = Bundle.BundleType.Searchset, Total = 0 };
        var baseUrl = FhirHttp.BaseUrl(request);
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = $"{baseUrl}/Task?focus=ServiceRequest/{referralId}" });
        var record = await referrals.FindAsync(caller.PracticeOdsCodes, referralId, request.HttpContext.RequestAborted);
        if (record is not null && await tasks.GetAsync(record.PracticeOds, record.TaskId, request.HttpContext.RequestAborted) is { } stored
                               && ParseTask(stored) is { } task)
        {
            bundle.Total = 1;
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{baseUrl}/Task/{task.Id}",
                Resource = task,
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match },
            });
        }

        return http.Resource(request, bundle, HttpStatusCode.OK);
    }

    private Hl7.Fhir.Model.Task? ParseTask(StoredTask stored) =>
        fhir.ParseJson(Encoding.UTF8.GetBytes(stored.Json)).Resource as Hl7.Fhir.Model.Task;

    private static Dictionary<string, string> VersionHeaders(Resource resource)
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

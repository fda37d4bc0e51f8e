using System.Net;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Hub.Platform.Http;

/// <summary>Everything under the FHIR base that no other function serves (the routing gives every specific route
/// precedence over this catch-all): an interaction the hub does not offer on a type it serves, or a system-level
/// interaction or operation it does not offer, is <c>405</c> <c>not-supported</c>; anything else is <c>404</c>
/// <c>not-found</c>. Always an OperationOutcome, never an empty body; the CapabilityStatement says what is served.</summary>
public sealed class FhirFallbackHttp(FhirHttp http, TimeProvider time)
{
    [Function("FhirNotServed")]
    public IActionResult NotServed(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", "head", Route = "fhir/{*path}")] HttpRequest request,
        string? path)
    {
        var segments = (path ?? string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries);
        var served = HubCapabilities.Build(FhirHttp.BaseUrl(request), time.GetUtcNow()).Rest.SelectMany(r => r.Resource).Select(r => r.Type).ToHashSet(StringComparer.Ordinal);
        var what = $"{request.Method.ToUpperInvariant()} [base]/{Shorten(string.Join('/', segments))}";
        var history = segments is ["_history"] || (segments.Length is 2 or 3 && segments[^1] == "_history" && served.Contains(segments[0]));
        if (history && HttpMethods.IsGet(request.Method))
        {
            // Decided from the storage: a change replaces the stored referral and Task (the earlier document is deleted),
            // so there is no history to list, and a history Bundle of the current version alone would misstate it.
            return NoHistory(http, request, what);
        }

        if (segments.Length == 0 || segments[0].StartsWith('$') || segments[0].StartsWith('_') || served.Contains(segments[0]))
        {
            return http.Outcome(request, HttpStatusCode.MethodNotAllowed, new FhirProblem(OperationOutcome.IssueType.NotSupported,
                $"{what} is not an interaction the hub supports. [base]/metadata lists what it does."));
        }

        return http.Outcome(request, HttpStatusCode.NotFound, new FhirProblem(OperationOutcome.IssueType.NotFound,
            $"{what}: the hub serves no such resource type or route. [base]/metadata lists what it does."));
    }

    /// <summary>The answer to any history interaction: <c>405</c> <c>not-supported</c>, saying why. Also for
    /// <c>GET [type]/_history</c>, which a read route takes (<c>_history</c> is never an id: FHIR ids have no underscore).</summary>
    public static IActionResult NoHistory(FhirHttp http, HttpRequest request, string? what = null) =>
        http.Outcome(request, HttpStatusCode.MethodNotAllowed, new FhirProblem(OperationOutcome.IssueType.NotSupported,
            $"{what ?? $"{request.Method.ToUpperInvariant()} {request.Path}"}: the hub keeps only the current version of each resource (a change replaces it), so it serves no history. " +
            "Read the resource instead; ServiceRequest/{id}/_history/{vid} (vread) serves its current version."));

    private static string Shorten(string value) => value.Length <= 80 ? value : value[..80] + "…";
}

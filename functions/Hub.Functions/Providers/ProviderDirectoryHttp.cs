using System.Net;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Platform.Fhir;
using Hub.Platform.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Hub.Providers;

/// <summary>The provider directory as FHIR <c>HealthcareService</c>s, for GP systems choosing whom to refer to. Any
/// caller with a hub API key may read it: the directory is the same for every practice and holds no patient data.</summary>
public sealed class ProviderDirectoryHttp(ApiKeys keys, ProviderDirectory directory, FhirHttp http)
{
    /// <summary><c>GET fhir/HealthcareService?category=befriending</c>: a searchset of every provider (any status; see
    /// <c>active</c> and <c>notAvailable</c>), in directory order. <c>category</c> is a token (<c>code</c> or
    /// <c>{system}|code</c>); commas within one parameter mean any of them, repeated parameters mean all of them.
    /// <c>active=true|false</c> filters on the resource's <c>active</c>. Other parameters are ignored, as FHIR allows,
    /// and left out of the <c>self</c> link.</summary>
    [Function("SearchHealthcareService")]
    public async Task<IActionResult> Search(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/HealthcareService")] HttpRequest request)
    {
        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is null)
        {
            return http.Unauthorized(request);
        }

        var categories = request.Query["category"].Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!).ToList();
        bool? active = null;
        var activeParameter = request.Query["active"].ToString();
        if (activeParameter.Length > 0)
        {
            if (!bool.TryParse(activeParameter, out var parsed))
            {
                return http.Outcome(request, HttpStatusCode.BadRequest, FhirProblem.Invalid("active", "active must be true or false."));
            }

            active = parsed;
        }

        var matches = (await directory.ListAsync(request.HttpContext.RequestAborted))
            .Select(p => (Provider: p, Service: ProviderFhir.ToHealthcareService(p)))
            .Where(m => categories.All(parameter => parameter.Split(',').Any(token => ProviderFhir.HasCategory(m.Provider, token))))
            .Where(m => active is null || m.Service.Active == active)
            .Select(m => m.Service)
            .ToList();

        var baseUrl = FhirHttp.BaseUrl(request);
        var query = string.Join('&', categories.Select(c => "category=" + Uri.EscapeDataString(c))
            .Concat(active is null ? [] : [$"active={(active.Value ? "true" : "false")}"]));
        var bundle = new Bundle { Id = Guid.NewGuid().ToString(), Type = Bundle.BundleType.Searchset, Total = matches.Count };
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = $"{baseUrl}/HealthcareService" + (query.Length > 0 ? "?" + query : string.Empty) });
        foreach (var service in matches)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{baseUrl}/HealthcareService/{service.Id}",
                Resource = service,
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match },
            });
        }

        return http.Resource(request, bundle, HttpStatusCode.OK);
    }

    [Function("ReadHealthcareService")]
    public async Task<IActionResult> Read(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/HealthcareService/{id}")] HttpRequest request, string id)
    {
        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is null)
        {
            return http.Unauthorized(request);
        }

        return await directory.GetAsync(id, request.HttpContext.RequestAborted) is { } provider
            ? http.Resource(request, ProviderFhir.ToHealthcareService(provider), HttpStatusCode.OK)
            : http.NotFound(request, $"HealthcareService/{id}");
    }
}

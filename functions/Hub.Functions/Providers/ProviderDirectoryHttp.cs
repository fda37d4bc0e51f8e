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
public sealed class ProviderDirectoryHttp(ApiKeys keys, ProviderDirectory directory, SearchPages pages, FhirHttp http)
{
    /// <summary><c>GET fhir/HealthcareService?category=befriending</c> (or <c>POST fhir/HealthcareService/_search</c> with a
    /// form body): a searchset of every provider (any status; see <c>active</c> and <c>notAvailable</c>), in directory order,
    /// <c>_count</c> at a time with <c>self</c> and <c>next</c> links. <c>category</c> is a token (<c>code</c> or
    /// <c>{system}|code</c>); commas within one parameter mean any of them, repeated parameters mean all of them.
    /// <c>active=true|false</c> filters on the resource's <c>active</c>. Other parameters are ignored, as FHIR allows,
    /// and left out of the links.</summary>
    [Function("SearchHealthcareService")]
    public Task<IActionResult> Search(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/HealthcareService")] HttpRequest request) =>
        SearchAsync(request);

    [Function("SearchHealthcareServiceForm")]
    public Task<IActionResult> SearchForm(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "fhir/HealthcareService/_search")] HttpRequest request) =>
        SearchAsync(request);

    private async Task<IActionResult> SearchAsync(HttpRequest request)
    {
        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is not { } caller)
        {
            return http.Unauthorized(request);
        }

        var (search, refusal) = await pages.BeginAsync(request, caller, "HealthcareService");
        if (refusal is not null)
        {
            return refusal;
        }

        var categories = search!.Parameters.Values("category").Where(v => !string.IsNullOrWhiteSpace(v)).ToList();
        bool? active = null;
        if (search.Parameters.Values("active") is { Count: > 0 } actives)
        {
            if (actives.Count > 1 || !bool.TryParse(actives[0], out var parsed))
            {
                return pages.Refuse(search, FhirProblem.Invalid("active", "active must be true or false."));
            }

            active = parsed;
        }

        search.Applied.AddRange(categories.Select(c => new KeyValuePair<string, string>("category", c)));
        if (active is not null)
        {
            search.Applied.Add(new("active", active.Value ? "true" : "false"));
        }

        if (search.Start() is { } badToken)
        {
            return pages.Refuse(search, badToken);
        }

        var matches = (await directory.ListAsync(search.Aborted))
            .Select(p => (Provider: p, Service: ProviderFhir.ToHealthcareService(p)))
            .Where(m => categories.All(parameter => parameter.Split(',').Any(token => ProviderFhir.HasCategory(m.Provider, token))))
            .Where(m => active is null || m.Service.Active == active)
            .Select(m => (Resource)m.Service)
            .ToList();
        var (page, next) = SearchPages.Slice(matches, search);
        return pages.Answer(search, page, next, matches.Count);
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

using System.Net;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Chase;
using Hub.Platform.Fhir;
using Hub.Platform.Http;
using Hub.Providers;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Hub.LinkWork;

/// <summary>The plan through the hub's FHIR API: <c>GET fhir/CarePlan?based-on=ServiceRequest/{id}</c>,
/// <c>CarePlan/{id}</c> and <c>Goal/{id}</c>, for the practice that referred (its key, scoped by practice as the
/// ServiceRequest read is) and for the link-worker service that accepted (its provider key). Anything else is a 404 that
/// does not say whether it exists.</summary>
public sealed class CarePlanReadHttp(ApiKeys keys, ReferralStore referrals, ReferralDocuments documents, ProviderWork work, EpisodeStore episodes,
    ProviderDirectory providers, SearchPages pages, FhirHttp http)
{
    [Function("SearchCarePlan")]
    public Task<IActionResult> Search([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/CarePlan")] HttpRequest request) => SearchAsync(request);

    [Function("SearchCarePlanForm")]
    public Task<IActionResult> SearchForm([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "fhir/CarePlan/_search")] HttpRequest request) =>
        SearchAsync(request);

    /// <summary>The referral's plan (<c>based-on=ServiceRequest/{id}</c>, required), by <c>GET</c> or by
    /// <c>POST CarePlan/_search</c> with a form body, paged as every search is (one plan per referral: one page).</summary>
    private async Task<IActionResult> SearchAsync(HttpRequest request)
    {
        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is not { } caller)
        {
            return http.Unauthorized(request);
        }

        var (search, refusal) = await pages.BeginAsync(request, caller, "CarePlan");
        if (refusal is not null)
        {
            return refusal;
        }

        var basedOn = search!.Parameters.Values("based-on");
        var parts = (basedOn.Count == 1 ? basedOn[0] : string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || (parts.Length >= 2 && parts[^2] != "ServiceRequest"))
        {
            return pages.Refuse(search, FhirProblem.Required("based-on",
                "CarePlan search needs one based-on parameter naming a referral: CarePlan?based-on=ServiceRequest/{id}."));
        }

        var referralId = parts[^1];
        search.Applied.Add(new("based-on", $"ServiceRequest/{referralId}"));
        if (search.Start() is { } badToken)
        {
            return pages.Refuse(search, badToken);
        }

        var all = new List<Resource>();
        if (await ReadableAsync(caller, referralId, search.Aborted) is { } found)
        {
            all.Add(CarePlanResources.Plan(found.Episode, found.Document, found.Service, found.Reader));
        }

        var (page, next) = SearchPages.Slice(all, search);
        return pages.Answer(search, page, next, all.Count);
    }

    [Function("ReadCarePlan")]
    public async Task<IActionResult> ReadCarePlan([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/CarePlan/{id}")] HttpRequest request, string id)
    {
        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is not { } caller)
        {
            return http.Unauthorized(request);
        }

        return await ReadableAsync(caller, id, request.HttpContext.RequestAborted) is { } found
            ? Served(request, CarePlanResources.Plan(found.Episode, found.Document, found.Service, found.Reader))
            : http.NotFound(request, $"CarePlan/{id}");
    }

    [Function("ReadGoal")]
    public async Task<IActionResult> ReadGoal([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/Goal/{id}")] HttpRequest request, string id)
    {
        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is not { } caller)
        {
            return http.Unauthorized(request);
        }

        // A Goal's id starts with its referral's id, so access is checked as for the referral's plan.
        var parsed = Episode.ParseGoalId(id);
        var found = parsed is null ? null : await ReadableAsync(caller, parsed.Value.ReferralId, request.HttpContext.RequestAborted);
        var goal = found?.Episode.Goals.FirstOrDefault(g => g.Number == parsed!.Value.Number);
        return goal is null ? http.NotFound(request, $"Goal/{id}") : Served(request, CarePlanResources.PlanGoal(found!.Episode, goal, found.Document, found.Reader));
    }

    private IActionResult Served(HttpRequest request, Resource resource) =>
        http.Resource(request, resource, HttpStatusCode.OK, Hub.Intake.ReferralReadHttp.VersionHeaders(resource));

    private sealed record Readable(Episode Episode, ReferralDocument Document, Provider? Service, PlanReader Reader);

    /// <summary>The referral's episode, when this key may read it: a practice key for one of its practices' referrals, or
    /// the provider key of the link-worker service that accepted it (while it holds the referral).</summary>
    private async Task<Readable?> ReadableAsync(Caller caller, string referralId, CancellationToken cancellationToken)
    {
        var episode = await episodes.GetAsync(referralId, cancellationToken);
        if (episode is null)
        {
            return null;
        }

        ReferralRecord? record;
        PlanReader reader;
        if (caller.IsProvider)
        {
            var seen = await work.FindByReferralAsync(caller, referralId, cancellationToken);
            if (seen is not { Sight: ProviderSight.Owned } || seen.ProviderId != episode.ServiceId)
            {
                return null;
            }

            (record, reader) = (seen.Record, PlanReader.Service);
        }
        else
        {
            (record, reader) = (await referrals.FindAsync(caller.PracticeOdsCodes, referralId, cancellationToken), PlanReader.Practice);
        }

        if (record is null || await documents.LoadAsync(record, cancellationToken) is not { } loaded)
        {
            return null;
        }

        return new Readable(episode, loaded.Document, await providers.GetAsync(episode.ServiceId, cancellationToken), reader);
    }
}

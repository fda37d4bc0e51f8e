using System.Net;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Platform.Fhir;
using Hub.Platform.Http;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Hub.FollowUp;

/// <summary>A further source of a referral's outcome resources (QuestionnaireResponse, Observation) beside the follow-up
/// survey's, from a higher slice (the link worker's assessments): registered as <c>IOutcomeSource</c>, read after the
/// survey's for a referral the caller may already read.</summary>
public interface IOutcomeSource
{
    Task<IReadOnlyList<Resource>> ResourcesAsync(ReferralRecord record, CancellationToken cancellationToken = default);
}

/// <summary>Outcomes through the hub's FHIR API: the instruments (Questionnaire, CodeSystem; public, no personal data) and a
/// referral's answers (QuestionnaireResponse, Observation; the caller's own practices only). A practice with no FHIR
/// endpoint of its own reads its outcomes here.</summary>
public sealed class OutcomeReadHttp(ApiKeys keys, ReferralStore referrals, FollowUpStore followUps, SurveyRecorder recorder, QuestionnaireLibrary library, SearchPages pages, FhirHttp http,
    IEnumerable<IOutcomeSource> sources)
{
    [Function("ReadQuestionnaire")]
    public IActionResult ReadQuestionnaire([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/Questionnaire/{id}")] HttpRequest request, string id) =>
        library.Questionnaire(id) is { } questionnaire ? http.Resource(request, questionnaire, HttpStatusCode.OK) : http.NotFound(request, $"Questionnaire/{id}");

    [Function("ReadCodeSystem")]
    public IActionResult ReadCodeSystem([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/CodeSystem/{id}")] HttpRequest request, string id) =>
        library.CodeSystem(id) is { } codeSystem ? http.Resource(request, codeSystem, HttpStatusCode.OK) : http.NotFound(request, $"CodeSystem/{id}");

    [Function("SearchObservation")]
    public Task<IActionResult> SearchObservation([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/Observation")] HttpRequest request) =>
        SearchAsync(request, "Observation");

    [Function("SearchObservationForm")]
    public Task<IActionResult> SearchObservationForm([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "fhir/Observation/_search")] HttpRequest request) =>
        SearchAsync(request, "Observation");

    [Function("SearchQuestionnaireResponse")]
    public Task<IActionResult> SearchQuestionnaireResponse([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/QuestionnaireResponse")] HttpRequest request) =>
        SearchAsync(request, "QuestionnaireResponse");

    [Function("SearchQuestionnaireResponseForm")]
    public Task<IActionResult> SearchQuestionnaireResponseForm([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "fhir/QuestionnaireResponse/_search")] HttpRequest request) =>
        SearchAsync(request, "QuestionnaireResponse");

    [Function("ReadObservation")]
    public Task<IActionResult> ReadObservation([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/Observation/{id}")] HttpRequest request, string id) =>
        ReadAsync(request, "Observation", id);

    [Function("ReadQuestionnaireResponse")]
    public Task<IActionResult> ReadQuestionnaireResponse([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/QuestionnaireResponse/{id}")] HttpRequest request, string id) =>
        ReadAsync(request, "QuestionnaireResponse", id);

    /// <summary>A referral's outcomes of one type (<c>based-on=ServiceRequest/{id}</c>, required), in the order they were
    /// recorded, <c>_count</c> at a time with <c>self</c> and <c>next</c> links; by <c>GET</c> or by <c>POST [type]/_search</c>
    /// with a form body.</summary>
    private async Task<IActionResult> SearchAsync(HttpRequest request, string type)
    {
        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is not { } caller)
        {
            return http.Unauthorized(request);
        }

        var (search, refusal) = await pages.BeginAsync(request, caller, type);
        if (refusal is not null)
        {
            return refusal;
        }

        var basedOn = search!.Parameters.Values("based-on");
        var parts = (basedOn.Count == 1 ? basedOn[0] : string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || (parts.Length >= 2 && parts[^2] != "ServiceRequest"))
        {
            return pages.Refuse(search, FhirProblem.Required("based-on",
                $"{type} search needs one based-on parameter naming a referral: {type}?based-on=ServiceRequest/{{id}}."));
        }

        var referralId = parts[^1];
        search.Applied.Add(new("based-on", $"ServiceRequest/{referralId}"));
        if (search.Start() is { } badToken)
        {
            return pages.Refuse(search, badToken);
        }

        var all = (await ResourcesAsync(caller, referralId, search.Aborted)).Where(r => r.TypeName == type).ToList();
        var (page, next) = SearchPages.Slice(all, search);
        return pages.Answer(search, page, next, all.Count);
    }

    private async Task<IActionResult> ReadAsync(HttpRequest request, string type, string id)
    {
        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is not { } caller)
        {
            return http.Unauthorized(request);
        }

        // Outcome ids start with their referral's id, so access is checked the same way as for the referral itself.
        var referralId = OutcomeResources.ReferralIdOf(id);
        var resource = referralId is null ? null
            : (await ResourcesAsync(caller, referralId, request.HttpContext.RequestAborted)).FirstOrDefault(r => r.TypeName == type && r.Id == id);
        return resource is null ? http.NotFound(request, $"{type}/{id}") : http.Resource(request, resource, HttpStatusCode.OK);
    }

    private async Task<IReadOnlyList<Resource>> ResourcesAsync(Caller caller, string referralId, CancellationToken cancellationToken)
    {
        var record = await referrals.FindAsync(caller.PracticeOdsCodes, referralId, cancellationToken);
        if (record is null)
        {
            return [];
        }

        var found = new List<Resource>();
        foreach (var response in await followUps.ResponsesAsync(record.PracticeOds, referralId, cancellationToken))
        {
            found.AddRange(await recorder.ResourcesAsync(response, cancellationToken));
        }

        foreach (var source in sources)
        {
            found.AddRange(await source.ResourcesAsync(record, cancellationToken));
        }

        return found;
    }
}

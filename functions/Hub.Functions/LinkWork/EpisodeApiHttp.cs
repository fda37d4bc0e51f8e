using System.Globalization;
using System.Net;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Chase;
using Hub.Platform.Fhir;
using Hub.Platform.Http;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Hub.LinkWork;

/// <summary>The episode through the provider API, for a link-worker service's own system (provider key):
/// <c>GET provider/episodes/{referralId}</c> reads it, <c>POST provider/episodes/{referralId}</c> records one change with
/// the page's field names as a JSON object (<c>change</c>, <c>n</c> the version read, and the change's fields; dates as
/// <c>contact-date</c> / <c>review-date</c> / <c>assessment-date</c> yyyy-MM-dd; an assessment's scores as
/// <c>assessment-{linkId}</c>, e.g. <c>assessment-ons4-1</c>). The same code as the page: 409 for a stale version or an ended
/// episode, 404 for a referral the key's services have not accepted, errors as OperationOutcome.</summary>
public sealed class EpisodeApiHttp(ApiKeys keys, ProviderWork work, EpisodeBook book, FhirHttp http, TimeProvider time)
{
    public const string Route = "provider/episodes/{referralId}";
    private const int MaxBodyBytes = 16 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    [Function("ReadEpisode")]
    public async Task<IActionResult> Read(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest request, string referralId)
    {
        var (token, refusal) = await AuthoriseAsync(request, referralId);
        if (token is null)
        {
            return refusal!;
        }

        var access = await book.OpenAsync(token, request.HttpContext.RequestAborted);
        return access.State == EpisodeAccessState.Open ? Answer(200, access.Episode!) : http.NotFound(request, $"episode of {referralId}");
    }

    [Function("RecordEpisodeChange")]
    public async Task<IActionResult> Record(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route)] HttpRequest request, string referralId)
    {
        var (token, refusal) = await AuthoriseAsync(request, referralId);
        if (token is null)
        {
            return refusal!;
        }

        var cancellationToken = request.HttpContext.RequestAborted;
        Dictionary<string, string> fields;
        try
        {
            using var reader = new StreamReader(request.Body);
            var text = await reader.ReadToEndAsync(cancellationToken);
            if (text.Length > MaxBodyBytes)
            {
                return http.Outcome(request, HttpStatusCode.RequestEntityTooLarge, FhirProblem.Invalid(null, "The change is too large."));
            }

            using var body = JsonDocument.Parse(text);
            fields = body.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind switch
            {
                JsonValueKind.String => p.Value.GetString() ?? string.Empty,
                JsonValueKind.Number => p.Value.GetRawText(),
                _ => string.Empty,
            }, StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return http.Outcome(request, HttpStatusCode.BadRequest, FhirProblem.Invalid(null, "Send a JSON object: change, n (the episode's version you read) and the change's fields."));
        }

        var read = EpisodeForm.Read(name => fields.GetValueOrDefault(name, string.Empty), DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime), book.AssessmentQuestions);
        if (read.Entry is null)
        {
            return http.Outcome(request, HttpStatusCode.BadRequest, read.Errors.Select(e => FhirProblem.Invalid(e.Field, e.Message)).ToArray());
        }

        var (result, access, error) = await book.RecordAsync(token, read.Sequence, read.Entry, cancellationToken);
        return result switch
        {
            EpisodeResult.Recorded => Answer(200, access.Episode!),
            EpisodeResult.Invalid => http.Outcome(request, HttpStatusCode.UnprocessableEntity, FhirProblem.Invalid(error!.Value.Field, error.Value.Message)),
            EpisodeResult.Stale => http.Outcome(request, HttpStatusCode.Conflict, new FhirProblem(OperationOutcome.IssueType.Conflict,
                $"The episode is at version {access.Episode?.Version.ToString(CultureInfo.InvariantCulture) ?? "?"}, not {read.Sequence}: read it again and decide on what it says now.", "n")),
            EpisodeResult.Ended => http.Outcome(request, HttpStatusCode.Conflict, new FhirProblem(OperationOutcome.IssueType.BusinessRule, "The episode has ended: nothing more is taken.")),
            _ => http.NotFound(request, $"episode of {referralId}"),
        };
    }

    /// <summary>A provider key whose service accepted the referral: a short-lived handover link for it, so the key is told
    /// exactly what the service's own link would be.</summary>
    private async Task<(string? Token, IActionResult? Refusal)> AuthoriseAsync(HttpRequest request, string referralId)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        var caller = await keys.AuthenticateAsync(ApiKeyHeader.From(request), cancellationToken);
        if (caller is null)
        {
            return (null, http.Unauthorized(request));
        }

        var seen = caller.IsProvider ? await work.FindByReferralAsync(caller, referralId, cancellationToken) : null;
        return seen is { Sight: ProviderSight.Owned }
            ? (book.LinkFor(referralId, seen.ProviderId), null)
            : (null, http.NotFound(request, $"episode of {referralId}"));
    }

    private static BodyResult Answer(int status, Episode episode) =>
        new(status, "application/json; charset=utf-8", JsonSerializer.SerializeToUtf8Bytes(EpisodeJson.Of(episode), Json),
            new Dictionary<string, string> { ["Cache-Control"] = "no-store", ["ETag"] = $"W/\"{episode.Version}\"" });
}

/// <summary>The episode as the provider API answers it (the service's own record, its words included).</summary>
public sealed record EpisodeJson(string ReferralId, string ServiceId, int Version, IReadOnlyList<EpisodeContactJson> Contacts, IReadOnlyList<EpisodeNeed> Needs,
    string? WhatMatters, IReadOnlyList<PlanGoalJson> Goals, string? ReviewDate, string CarePlan, IReadOnlyList<EpisodeAssessmentJson> Assessments)
{
    public static EpisodeJson Of(Episode e) => new(e.ReferralId, e.ServiceId, e.Version,
        [.. e.Contacts.Select(c => new EpisodeContactJson(c.Date.ToString("O", CultureInfo.InvariantCulture), c.Mode.Spelling(), c.Minutes))], e.Needs, e.WhatMatters,
        [.. e.Goals.Select(g => new PlanGoalJson(g.Number, Episode.GoalId(e.ReferralId, g.Number), g.Text, g.Importance, g.Confidence, g.Progress.Spelling(),
            [.. g.Actions.Select(a => new PlanActionJson(a.Number, a.Text, a.Status.Spelling()))]))],
        e.ReviewDate?.ToString("O", CultureInfo.InvariantCulture), $"CarePlan/{e.CarePlanId}",
        [.. e.Taken.Select(a => new EpisodeAssessmentJson(a.Number, a.Date.ToString("O", CultureInfo.InvariantCulture), a.Scores,
            $"QuestionnaireResponse/{Episode.AssessmentId(e.ReferralId, a.Number)}"))]);
}

/// <summary>A wellbeing assessment as the API answers it: the scores by the instrument's linkId, and its QuestionnaireResponse.</summary>
public sealed record EpisodeAssessmentJson(int Number, string Date, IReadOnlyDictionary<string, int> Scores, string QuestionnaireResponse);

public sealed record EpisodeContactJson(string Date, string Mode, int Minutes);

public sealed record PlanGoalJson(int Number, string Goal, string Text, int Importance, int Confidence, string Progress, IReadOnlyList<PlanActionJson> Actions);

public sealed record PlanActionJson(int Number, string Text, string Status);

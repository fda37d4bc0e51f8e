using System.Globalization;
using System.Net;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Platform.Fhir;
using Hub.Platform.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Hub.Intake;

/// <summary>HTTP intake: GP systems post FHIR referrals here. Authenticates the caller, reads the body, hands it to
/// <see cref="ReferralIntake"/> and shapes the answer: the ServiceRequest for a lone one, a collection or a BaRS message;
/// a <c>transaction-response</c> Bundle for a transaction. <c>If-None-Exist</c> (or a transaction entry's
/// <c>ifNoneExist</c>) on <c>identifier=system|value</c> makes the create conditional, as FHIR defines it. BaRS
/// <c>$process-message</c> answers as <see cref="BarsResponse"/> says.</summary>
public sealed class ReferralIntakeHttp(ReferralIntake intake, ReferralLookup lookup, ApiKeys keys, FhirHttp http, IOptions<IntakeOptions> options, IEnumerable<IOnwardIntake> onward,
    TimeProvider time)
{
    [Function("PostServiceRequest")]
    public Task<IActionResult> PostServiceRequest(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "fhir/ServiceRequest")] HttpRequest request,
        [DurableClient] DurableTaskClient durable) =>
        SubmitAsync(request, durable, IntakeRoute.ServiceRequest);

    [Function("PostBundle")]
    public Task<IActionResult> PostBundle(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "fhir")] HttpRequest request,
        [DurableClient] DurableTaskClient durable) =>
        SubmitAsync(request, durable, IntakeRoute.Bundle);

    [Function("ProcessMessage")]
    public Task<IActionResult> ProcessMessage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "fhir/$process-message")] HttpRequest request,
        [DurableClient] DurableTaskClient durable) =>
        SubmitAsync(request, durable, IntakeRoute.ProcessMessage);

    private async Task<IActionResult> SubmitAsync(HttpRequest request, DurableTaskClient durable, IntakeRoute route)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        if (route == IntakeRoute.ProcessMessage)
        {
            BarsResponse.EchoTransactionHeaders(request);
        }

        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), cancellationToken) is not { } caller)
        {
            return http.Unauthorized(request);
        }

        var body = await http.ReadAsync(request, options.Value.MaxBodyBytes, cancellationToken);
        if (body.Refusal is not null)
        {
            return body.Refusal;
        }

        var transaction = route == IntakeRoute.Bundle && body.Resource is Bundle { Type: Bundle.BundleType.Transaction } posted ? posted : null;
        var condition = route switch
        {
            IntakeRoute.ServiceRequest when request.Headers.TryGetValue("If-None-Exist", out var header) => (Value: header.ToString(), Where: "If-None-Exist"),
            IntakeRoute.Bundle when transaction?.Entry.FindIndex(e => e.Resource is ServiceRequest) is >= 0 and var i && transaction.Entry[i].Request?.IfNoneExist is { } ifNoneExist =>
                (Value: ifNoneExist, Where: $"Bundle.entry[{i}].request.ifNoneExist"),
            _ => (Value: (string?)null, Where: string.Empty),
        };

        IntakeResult result;
        if (caller.IsProvider)
        {
            // A provider key posts only onward connections (a link-worker service's, basedOn a referral it accepted).
            result = onward.FirstOrDefault() is { } connections
                ? await connections.SubmitAsync(body.Resource!, route, caller, "http", durable, CancellationToken.None)
                : IntakeResult.Refused(HttpStatusCode.Forbidden, [new FhirProblem(OperationOutcome.IssueType.Forbidden, "A provider key does not post referrals.")]);
        }
        else if (condition.Value is not null)
        {
            var (matched, refusal) = await MatchAsync(request, condition.Value, condition.Where, caller, durable, cancellationToken);
            if (refusal is not null)
            {
                return refusal;
            }

            // The caller going away must not leave a referral half-stored: intake runs to the end once started.
            result = matched ?? await intake.SubmitAsync(body.Resource!, route, caller, "http", durable, CancellationToken.None);
        }
        else
        {
            result = await intake.SubmitAsync(body.Resource!, route, caller, "http", durable, CancellationToken.None);
        }

        if (!result.IsStored)
        {
            return http.Outcome(request, result.Status, result.Outcome!);
        }

        var baseUrl = FhirHttp.BaseUrl(request);
        var served = result.Served!;
        var meta = served.Meta!;
        var headers = new Dictionary<string, string>
        {
            ["ETag"] = $"W/\"{meta.VersionId}\"",
            ["Last-Modified"] = meta.LastUpdated!.Value.ToString("R"),
            ["X-Task-Id"] = result.TaskId!,
            ["Link"] = $"<{baseUrl}/Task/{result.TaskId}>; rel=\"related\"",
        };
        // PRSB mandatory items the referral lacks: warnings in the answer (FHIR http.html's Prefer: return=OperationOutcome
        // for a lone post; the ServiceRequest entry's response.outcome in a transaction-response).
        var warnings = Outcomes.Warnings(result.Warnings, "The referral carries every PRSB mandatory item.");
        if (transaction is null)
        {
            headers["Location"] = $"{baseUrl}/ServiceRequest/{result.ReferralId}/_history/{meta.VersionId}";
            var prefersOutcome = request.Headers["Prefer"].ToString().Split(';', ',').Any(p => p.Trim().Equals("return=OperationOutcome", StringComparison.OrdinalIgnoreCase));
            if (route == IntakeRoute.ProcessMessage && body.Resource is Bundle message)
            {
                // BaRS: a message already processed is a 409 duplicate; an accepted one is 200 with the response message.
                if (result.Status == HttpStatusCode.OK)
                {
                    headers.Remove("Location");
                    headers["Link"] = $"<{baseUrl}/ServiceRequest/{result.ReferralId}>; rel=\"related\", <{baseUrl}/Task/{result.TaskId}>; rel=\"related\"";
                    return http.Resource(request, Outcomes.For(HttpStatusCode.Conflict, BarsResponse.AlreadyProcessed(result.ReferralId!, result.TaskId)), HttpStatusCode.Conflict, headers);
                }

                return prefersOutcome
                    ? http.Resource(request, warnings, HttpStatusCode.OK, headers)
                    : http.Resource(request, BarsResponse.Accepted(message, served, baseUrl, result.Warnings.Count > 0 ? warnings : null, time.GetUtcNow()), HttpStatusCode.OK, headers);
            }

            return prefersOutcome ? http.Resource(request, warnings, result.Status, headers) : http.Resource(request, served, result.Status, headers);
        }

        return http.Resource(request, TransactionResponse(transaction, served, result.Status, result.Warnings.Count > 0 ? warnings : null), HttpStatusCode.OK, headers);
    }

    /// <summary>The condition of a conditional create: null when nothing matches (create), the one match (200), or the
    /// refusal: 412 for several matches, 400 for a condition the hub cannot search on.</summary>
    private async Task<(IntakeResult? Matched, IActionResult? Refusal)> MatchAsync(HttpRequest request, string condition, string where, Caller caller, DurableTaskClient durable,
        CancellationToken cancellationToken)
    {
        var parameters = QueryHelpers.ParseQuery(condition.TrimStart('?'));
        var identifiers = parameters.TryGetValue("identifier", out var values) ? values : default;
        if (parameters.Keys.Any(k => k != "identifier") || identifiers.Count != 1
            || !ReferralLookup.TryParseIdentifier(identifiers.ToString(), out var system, out var value))
        {
            return (null, http.Outcome(request, HttpStatusCode.BadRequest, new FhirProblem(OperationOutcome.IssueType.NotSupported,
                "A conditional create is matched on one identifier with its system: identifier={system}|{value}.", where)));
        }

        var matches = await lookup.ByIdentifierAsync(caller.PracticeOdsCodes, system, value, cancellationToken);
        if (matches.Count == 1)
        {
            // A stored reservation may be marked a moment before its orchestration is scheduled: make sure of it.
            await ReferralIntake.EnsureStartedAsync(matches[0].Record, durable, CancellationToken.None);
        }

        return matches.Count switch
        {
            0 => (null, null),
            1 => (new IntakeResult(HttpStatusCode.OK, matches[0].ServiceRequest, null) { TaskId = matches[0].Record.TaskId }, null),
            _ => (null, http.Outcome(request, HttpStatusCode.PreconditionFailed, new FhirProblem(OperationOutcome.IssueType.MultipleMatches,
                $"{matches.Count} referrals of the practices this key acts for have this identifier: the condition must match one at most.", where))),
        };
    }

    /// <summary>One response per entry, in order. The ServiceRequest's entry carries the referral (status, location,
    /// ETag, last modified, and the resource); the others were kept with it, so their entries point at it.</summary>
    private static Bundle TransactionResponse(Bundle transaction, ServiceRequest served, HttpStatusCode status, OperationOutcome? warnings)
    {
        var meta = served.Meta!;
        var location = $"ServiceRequest/{served.Id}/_history/{meta.VersionId}";
        var response = new Bundle { Type = Bundle.BundleType.TransactionResponse };
        foreach (var entry in transaction.Entry)
        {
            if (entry.Resource is ServiceRequest)
            {
                response.Entry.Add(new Bundle.EntryComponent
                {
                    FullUrl = null,
                    Resource = served,
                    Response = new Bundle.ResponseComponent
                    {
                        Status = status == HttpStatusCode.Created ? "201 Created" : "200 OK",
                        Location = location,
                        Etag = $"W/\"{meta.VersionId}\"",
                        LastModified = meta.LastUpdated,
                        Outcome = warnings,
                    },
                });
                continue;
            }

            response.Entry.Add(new Bundle.EntryComponent
            {
                Response = new Bundle.ResponseComponent
                {
                    Status = "200 OK",
                    LastModified = meta.LastUpdated,
                    Outcome = new OperationOutcome
                    {
                        Issue =
                        [
                            new OperationOutcome.IssueComponent
                            {
                                Severity = OperationOutcome.IssueSeverity.Information,
                                Code = OperationOutcome.IssueType.Informational,
                                Diagnostics = string.Create(CultureInfo.InvariantCulture,
                                    $"Kept with the referral {location}: read it there (as a logical reference by identifier or a contained resource)."),
                            },
                        ],
                    },
                },
            });
        }

        return response;
    }
}

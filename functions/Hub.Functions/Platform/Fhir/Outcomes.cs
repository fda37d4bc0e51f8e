using System.Net;
using Hl7.Fhir.Model;

namespace Hub.Platform.Fhir;

/// <summary>Builds OperationOutcomes in the NHS API error shape (issue.code from FHIR,
/// details.coding from the NHS http-error-codes CodeSystem, diagnostics, expression).</summary>
public static class Outcomes
{
    public static OperationOutcome For(HttpStatusCode status, IEnumerable<FhirProblem> problems)
    {
        var nhsCode = NhsErrorCode(status);
        var outcome = new OperationOutcome { Id = Guid.NewGuid().ToString() };
        foreach (var problem in problems)
        {
            var issue = new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Error,
                Code = problem.Code,
                Details = nhsCode is null
                    ? new CodeableConcept { Text = Unlisted(status) }
                    : new CodeableConcept { Coding = [new Coding(FhirCodes.NhsHttpErrorCodes, nhsCode, NhsErrorDisplay(nhsCode))] },
                Diagnostics = problem.Diagnostics,
            };
            if (problem.Expressions.Count > 0)
            {
                issue.Expression = [.. problem.Expressions];
            }

            outcome.Issue.Add(issue);
        }

        return outcome;
    }

    public static OperationOutcome For(HttpStatusCode status, FhirProblem problem) => For(status, [problem]);

    /// <summary>Warnings about something that was done anyway (severity <c>warning</c>); none is an informational "all well".</summary>
    public static OperationOutcome Warnings(IEnumerable<FhirProblem> problems, string allWell)
    {
        var outcome = new OperationOutcome { Id = Guid.NewGuid().ToString() };
        foreach (var problem in problems)
        {
            var issue = new OperationOutcome.IssueComponent { Severity = OperationOutcome.IssueSeverity.Warning, Code = problem.Code, Diagnostics = problem.Diagnostics };
            if (problem.Expressions.Count > 0)
            {
                issue.Expression = [.. problem.Expressions];
            }

            outcome.Issue.Add(issue);
        }

        if (outcome.Issue.Count == 0)
        {
            outcome.Issue.Add(new OperationOutcome.IssueComponent { Severity = OperationOutcome.IssueSeverity.Information, Code = OperationOutcome.IssueType.Informational, Diagnostics = allWell });
        }

        return outcome;
    }

    /// <summary>The NHS http-error-codes concept for a status, or null when that CodeSystem has none for it.
    /// <list type="bullet">
    /// <item>Seen in the published CodeSystem (https://fhir.nhs.uk/CodeSystem/http-error-codes) or in the BaRS guide's
    /// failure scenarios and OperationOutcome examples: REC_BAD_REQUEST, REC_UNAUTHORIZED, REC_FORBIDDEN, REC_NOT_FOUND,
    /// REC_METHOD_NOT_ALLOWED, REC_NOT_ACCEPTABLE, REC_CONFLICT, REC_UNPROCESSABLE_ENTITY, REC_SERVER_ERROR,
    /// REC_NOT_IMPLEMENTED, REC_SERVICE_UNAVAILABLE.</item>
    /// <item>Not found there: any precondition code. BaRS answers a conflicting update with 409 REC_CONFLICT and has no
    /// 412 or 428 concept, so those answers (a stale If-Match, a condition matching several, a missing If-Match) say
    /// their status in <c>details.text</c> and carry no invented code; their meaning is in the FHIR <c>issue.code</c>
    /// (<c>conflict</c>, <c>multiple-matches</c>, <c>required</c>).</item>
    /// <item>Not yet confirmed in a terminology source (check before relying on them): REC_PAYLOAD_TOO_LARGE,
    /// REC_UNSUPPORTED_MEDIA_TYPE, REC_TOO_MANY_REQUESTS.</item>
    /// </list></summary>
    public static string? NhsErrorCode(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => "REC_BAD_REQUEST",
        HttpStatusCode.Unauthorized => "REC_UNAUTHORIZED",
        HttpStatusCode.Forbidden => "REC_FORBIDDEN",
        HttpStatusCode.NotFound => "REC_NOT_FOUND",
        HttpStatusCode.MethodNotAllowed => "REC_METHOD_NOT_ALLOWED",
        HttpStatusCode.NotAcceptable => "REC_NOT_ACCEPTABLE",
        HttpStatusCode.Conflict => "REC_CONFLICT",
        HttpStatusCode.PreconditionFailed or HttpStatusCode.PreconditionRequired => null,
        HttpStatusCode.RequestEntityTooLarge => "REC_PAYLOAD_TOO_LARGE",
        HttpStatusCode.UnsupportedMediaType => "REC_UNSUPPORTED_MEDIA_TYPE",
        HttpStatusCode.UnprocessableEntity => "REC_UNPROCESSABLE_ENTITY",
        HttpStatusCode.TooManyRequests => "REC_TOO_MANY_REQUESTS",
        HttpStatusCode.NotImplemented => "REC_NOT_IMPLEMENTED",
        HttpStatusCode.ServiceUnavailable => "REC_SERVICE_UNAVAILABLE",
        >= HttpStatusCode.InternalServerError => "REC_SERVER_ERROR",
        _ => null,
    };

    /// <summary>The status of an answer with no http-error-codes concept, in the CodeSystem's "NNN: …" form.</summary>
    private static string Unlisted(HttpStatusCode status) => status switch
    {
        HttpStatusCode.PreconditionFailed => "412: Precondition failed.",
        HttpStatusCode.PreconditionRequired => "428: Precondition required.",
        _ => $"{(int)status}: {status}.",
    };

    /// <summary>Displays as the CodeSystem gives them where known (400, 401, 403, 404, 500).</summary>
    private static string NhsErrorDisplay(string code) => code switch
    {
        "REC_BAD_REQUEST" => "400: The Receiver was unable to process the request.",
        "REC_UNAUTHORIZED" => "401: The Receiver deemed you unauthorized to make this request.",
        "REC_FORBIDDEN" => "403: Failed to authenticate with the Receiver.",
        "REC_NOT_FOUND" => "404: The Receiver was unable to find the specified resource.",
        "REC_METHOD_NOT_ALLOWED" => "405: Method not allowed.",
        "REC_NOT_ACCEPTABLE" => "406: Not acceptable.",
        "REC_CONFLICT" => "409: Conflict.",
        "REC_PAYLOAD_TOO_LARGE" => "413: Payload too large.",
        "REC_UNSUPPORTED_MEDIA_TYPE" => "415: Unsupported media type.",
        "REC_UNPROCESSABLE_ENTITY" => "422: Unprocessable entity.",
        "REC_TOO_MANY_REQUESTS" => "429: Too many requests.",
        "REC_NOT_IMPLEMENTED" => "501: Not implemented.",
        "REC_SERVICE_UNAVAILABLE" => "503: Service unavailable.",
        _ => "500: The Receiver has encountered an error processing the request.",
    };
}

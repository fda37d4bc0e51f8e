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
                Details = new CodeableConcept { Coding = [new Coding(FhirCodes.NhsHttpErrorCodes, nhsCode, NhsErrorDisplay(nhsCode))] },
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

    public static string NhsErrorCode(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => "REC_BAD_REQUEST",
        HttpStatusCode.Unauthorized => "REC_UNAUTHORIZED",
        HttpStatusCode.Forbidden => "REC_FORBIDDEN",
        HttpStatusCode.NotFound => "REC_NOT_FOUND",
        HttpStatusCode.MethodNotAllowed => "REC_METHOD_NOT_ALLOWED",
        HttpStatusCode.NotAcceptable => "REC_NOT_ACCEPTABLE",
        HttpStatusCode.Conflict => "REC_CONFLICT",
        HttpStatusCode.PreconditionFailed => "REC_PRECONDITION_FAILED",
        HttpStatusCode.RequestEntityTooLarge => "REC_PAYLOAD_TOO_LARGE",
        HttpStatusCode.UnsupportedMediaType => "REC_UNSUPPORTED_MEDIA_TYPE",
        HttpStatusCode.UnprocessableEntity => "REC_UNPROCESSABLE_ENTITY",
        HttpStatusCode.TooManyRequests => "REC_TOO_MANY_REQUESTS",
        HttpStatusCode.ServiceUnavailable => "REC_SERVICE_UNAVAILABLE",
        _ => "REC_SERVER_ERROR",
    };

    private static string NhsErrorDisplay(string code) => code switch
    {
        "REC_BAD_REQUEST" => "400: The request could not be processed.",
        "REC_UNAUTHORIZED" => "401: The requester is not authorised.",
        "REC_FORBIDDEN" => "403: Forbidden.",
        "REC_NOT_FOUND" => "404: Not found.",
        "REC_METHOD_NOT_ALLOWED" => "405: Method not allowed.",
        "REC_NOT_ACCEPTABLE" => "406: Not acceptable.",
        "REC_CONFLICT" => "409: Conflict.",
        "REC_PRECONDITION_FAILED" => "412: Precondition failed.",
        "REC_PAYLOAD_TOO_LARGE" => "413: Payload too large.",
        "REC_UNSUPPORTED_MEDIA_TYPE" => "415: Unsupported media type.",
        "REC_UNPROCESSABLE_ENTITY" => "422: Unprocessable entity.",
        "REC_TOO_MANY_REQUESTS" => "429: Too many requests.",
        "REC_SERVICE_UNAVAILABLE" => "503: Service unavailable.",
        _ => "500: Internal server error.",
    };
}

using System.Net;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Hub.Platform.Http;

/// <summary>A FHIR request body that was read and parsed, or the response that refuses it.</summary>
public sealed record FhirBody(Resource? Resource, IActionResult? Refusal);

/// <summary>The FHIR side of HTTP for every FHIR endpoint: reading bodies within the size limit, content negotiation,
/// and writing resources and OperationOutcomes in the format the caller asked for.</summary>
public sealed class FhirHttp(FhirSerializer fhir)
{
    public async Task<FhirBody> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken = default)
    {
        if (request.ContentLength > maxBytes)
        {
            return new FhirBody(null, TooLarge(request, maxBytes));
        }

        if (FhirMediaTypes.FromContentType(request.ContentType) is not { } format)
        {
            return new FhirBody(null, Outcome(request, HttpStatusCode.UnsupportedMediaType, new FhirProblem(OperationOutcome.IssueType.NotSupported,
                $"Content-Type '{Truncate(request.ContentType ?? "(none)")}' is not accepted: send {FhirMediaTypes.Json} or {FhirMediaTypes.Xml} (UTF-8).")));
        }

        // Read at most one byte past the limit: enough to know it is too large without holding more.
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > maxBytes)
            {
                return new FhirBody(null, TooLarge(request, maxBytes));
            }
        }

        var parsed = fhir.Parse(buffer.ToArray(), format);
        return parsed.Succeeded
            ? new FhirBody(parsed.Resource, null)
            : new FhirBody(null, Outcome(request, HttpStatusCode.BadRequest, [.. parsed.Problems]));
    }

    public IActionResult Resource(HttpRequest request, Resource resource, HttpStatusCode status, IReadOnlyDictionary<string, string>? headers = null)
    {
        var format = ResponseFormat(request);
        return new BodyResult((int)status, FhirMediaTypes.ContentType(format), fhir.SerializeToUtf8(resource, format), headers);
    }

    public IActionResult Outcome(HttpRequest request, HttpStatusCode status, params FhirProblem[] problems) =>
        Resource(request, Outcomes.For(status, problems), status);

    public IActionResult Outcome(HttpRequest request, HttpStatusCode status, OperationOutcome outcome) => Resource(request, outcome, status);

    public IActionResult NotFound(HttpRequest request, string what) =>
        Outcome(request, HttpStatusCode.NotFound, new FhirProblem(OperationOutcome.IssueType.NotFound, $"{what} is not known to the hub."));

    public IActionResult Unauthorized(HttpRequest request) =>
        Outcome(request, HttpStatusCode.Unauthorized, new FhirProblem(OperationOutcome.IssueType.Login,
            "A valid API key is required: send it in the X-API-Key header (or as Authorization: Bearer)."));

    /// <summary>The base URL of the hub's FHIR API as the caller reached it, for Location headers and Bundle links.</summary>
    public static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}/api/fhir";

    public static FhirFormat ResponseFormat(HttpRequest request) =>
        FhirMediaTypes.ForResponse(request.Headers.Accept.ToString(), request.Query["_format"].ToString());

    private IActionResult TooLarge(HttpRequest request, long maxBytes) =>
        Outcome(request, HttpStatusCode.RequestEntityTooLarge, new FhirProblem(OperationOutcome.IssueType.TooCostly,
            $"The request body is larger than the hub accepts ({maxBytes:N0} bytes)."));

    private static string Truncate(string value) => value.Length <= 80 ? value : value[..80] + "…";
}

using Microsoft.Net.Http.Headers;

namespace Hub.Platform.Fhir;

public enum FhirFormat
{
    Json,
    Xml,
}

/// <summary>FHIR content negotiation: which format a body is in, and which one the caller wants back.</summary>
public static class FhirMediaTypes
{
    public const string Json = "application/fhir+json";
    public const string Xml = "application/fhir+xml";

    /// <summary>The format of a request body, or null when the content type is not a FHIR one we read.</summary>
    public static FhirFormat? FromContentType(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || media.MediaType.Value is not { } type)
        {
            return null;
        }

        if (media.Charset.HasValue && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return type.ToLowerInvariant() switch
        {
            Json or "application/json" or "application/json+fhir" => FhirFormat.Json,
            Xml or "application/xml" or "text/xml" or "application/xml+fhir" => FhirFormat.Xml,
            _ => null,
        };
    }

    /// <summary>The format to answer in: the <c>_format</c> parameter, then <c>Accept</c>, JSON by default.</summary>
    public static FhirFormat ForResponse(string? accept, string? formatParameter)
    {
        if (!string.IsNullOrWhiteSpace(formatParameter))
        {
            var f = formatParameter.Trim().ToLowerInvariant();
            if (f is "xml" or Xml or "application/xml" or "text/xml")
            {
                return FhirFormat.Xml;
            }

            return FhirFormat.Json;
        }

        if (string.IsNullOrWhiteSpace(accept) || !MediaTypeHeaderValue.TryParseList([accept], out var list))
        {
            return FhirFormat.Json;
        }

        foreach (var media in list.OrderByDescending(m => m.Quality ?? 1.0))
        {
            var type = media.MediaType.Value?.ToLowerInvariant();
            if (type is Json or "application/json" or "application/*" or "*/*")
            {
                return FhirFormat.Json;
            }

            if (type is Xml or "application/xml" or "text/xml")
            {
                return FhirFormat.Xml;
            }
        }

        return FhirFormat.Json;
    }

    public static string ContentType(FhirFormat format) =>
        (format == FhirFormat.Xml ? Xml : Json) + "; charset=utf-8";
}

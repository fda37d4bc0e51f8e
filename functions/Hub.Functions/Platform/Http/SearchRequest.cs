using System.Net;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace Hub.Platform.Http;

/// <summary>The parameters of a FHIR search, from the query string of a <c>GET [type]</c> and, for
/// <c>POST [type]/_search</c>, the form body as well (FHIR http.html: both are taken, as one set).</summary>
public sealed class SearchRequest
{
    /// <summary>Parameters about the result, not the match (<c>_format</c> is content negotiation).</summary>
    private static readonly HashSet<string> ResultParameters = new(StringComparer.Ordinal) { "_format" };

    private readonly Dictionary<string, StringValues> _values;

    private SearchRequest(Dictionary<string, StringValues> values) => _values = values;

    public IEnumerable<string> Names => _values.Keys.Where(k => !ResultParameters.Contains(k));

    public IReadOnlyList<string> Values(string name) =>
        _values.TryGetValue(name, out var values) ? values.Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList() : [];

    public string? One(string name) => Values(name) is [var one] ? one : null;

    /// <summary>Reads the search; the refusal when a posted body is not a form (415) or is too large (413).</summary>
    public static async Task<(SearchRequest? Search, IActionResult? Refusal)> ReadAsync(HttpRequest request, FhirHttp http, long maxBytes = 64 * 1024)
    {
        var values = new Dictionary<string, StringValues>(StringComparer.Ordinal);
        foreach (var (name, value) in request.Query)
        {
            values[name] = value;
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            return (new SearchRequest(values), null);
        }

        if (request.ContentLength > maxBytes)
        {
            return (null, http.Outcome(request, HttpStatusCode.RequestEntityTooLarge, new FhirProblem(OperationOutcome.IssueType.TooCostly,
                $"A search form is at most {maxBytes:N0} bytes.")));
        }

        var hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
        if (hasBody && !request.HasFormContentType)
        {
            return (null, http.Outcome(request, HttpStatusCode.UnsupportedMediaType, new FhirProblem(OperationOutcome.IssueType.NotSupported,
                "POST [type]/_search takes its parameters as application/x-www-form-urlencoded.")));
        }

        if (hasBody)
        {
            using var reader = new StreamReader(request.Body);
            var text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
            foreach (var (name, value) in QueryHelpers.ParseQuery(text))
            {
                values[name] = values.TryGetValue(name, out var earlier) ? StringValues.Concat(earlier, value) : value;
            }
        }

        return (new SearchRequest(values), null);
    }

    /// <summary>The query string for links: the given parameters, each value encoded, in a fixed order.</summary>
    public static string Query(IEnumerable<KeyValuePair<string, string>> parameters) =>
        string.Join('&', parameters.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
}

/// <summary>One date search value (FHIR search.html, "date"): its prefix, and the range its precision covers.</summary>
public sealed record DateSearch(string Prefix, DateTimeOffset Start, DateTimeOffset End)
{
    private static readonly string[] Prefixes = ["eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"];

    /// <summary>Reads <c>[prefix]YYYY[-MM[-DD[Thh:mm:ss[.fff][Z|±hh:mm]]]]</c>; null when it is not one.
    /// Only eq, gt, lt, ge and le are taken; a value without an offset is UTC.</summary>
    public static DateSearch? Parse(string text)
    {
        var prefix = text.Length > 2 && Prefixes.Contains(text[..2], StringComparer.Ordinal) ? text[..2] : "eq";
        if (prefix is not ("eq" or "gt" or "lt" or "ge" or "le"))
        {
            return null;
        }

        var value = text.Length > 2 && text[..2] == prefix ? text[2..] : text;
        if (!FhirDateTime.IsValidValue(value))
        {
            return null;
        }

        // A date or time without an offset is read as UTC (FHIR leaves it to the server).
        var parsed = new FhirDateTime(value);
        if (!parsed.TryToDateTimeOffset(TimeSpan.Zero, out var start))
        {
            return null;
        }

        var end = value.Length switch
        {
            4 => start.AddYears(1),
            7 => start.AddMonths(1),
            10 => start.AddDays(1),
            _ => value.Contains('.', StringComparison.Ordinal) ? start.AddMilliseconds(1) : value.Count(c => c == ':') >= 2 ? start.AddSeconds(1) : start.AddMinutes(1),
        };
        return new DateSearch(prefix, start, end);
    }

    public bool Matches(DateTimeOffset instant) => Prefix switch
    {
        "gt" => instant >= End,
        "ge" => instant >= Start,
        "lt" => instant < Start,
        "le" => instant < End,
        _ => instant >= Start && instant < End,
    };

    /// <summary>The same test as an OData filter on a DateTimeOffset column.</summary>
    public string Filter(string column) => Prefix switch
    {
        "gt" => $"{column} ge datetime'{Odata(End)}'",
        "ge" => $"{column} ge datetime'{Odata(Start)}'",
        "lt" => $"{column} lt datetime'{Odata(Start)}'",
        "le" => $"{column} lt datetime'{Odata(End)}'",
        _ => $"({column} ge datetime'{Odata(Start)}' and {column} lt datetime'{Odata(End)}')",
    };

    private static string Odata(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture);
}

using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Hub.Platform.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Hub.Access;

/// <summary>Where the next page of a search starts. Over Table storage: which of the caller's practices (their partitions,
/// in ordinal order) and Table storage's own continuation within it. Over a result read whole: the offset of the next entry.</summary>
public sealed record PagePosition(int Index, string? Continuation);

/// <summary>A page of rows from the caller's practices' partitions, and where the next one starts (null at the end).</summary>
public sealed record RowPage(IReadOnlyList<TableEntity> Rows, PagePosition? Next);

/// <summary>One FHIR search as the hub runs it: who asks, for what type, how many per page, the parameters it applied (as
/// its links carry them, in the order it applied them) and where its page starts.</summary>
public sealed class FhirSearch
{
    private readonly SearchPages _pages;

    internal FhirSearch(SearchPages pages, HttpRequest request, Caller caller, SearchRequest parameters, int count, string type)
    {
        _pages = pages;
        Request = request;
        Caller = caller;
        Parameters = parameters;
        Count = count;
        Type = type;
        Practices = [.. caller.PracticeOdsCodes.Order(StringComparer.Ordinal)];
    }

    public HttpRequest Request { get; }

    public Caller Caller { get; }

    public SearchRequest Parameters { get; }

    /// <summary>At most this many entries per page (<c>_count</c>, default <see cref="SearchPages.DefaultCount"/>).</summary>
    public int Count { get; }

    public string Type { get; }

    /// <summary>The caller's practices in the order paging visits them.</summary>
    public IReadOnlyList<string> Practices { get; }

    /// <summary>The parameters the search applied; what the hub ignored is not among them.</summary>
    public List<KeyValuePair<string, string>> Applied { get; } = [];

    public PagePosition? From { get; private set; }

    public CancellationToken Aborted => Request.HttpContext.RequestAborted;

    /// <summary>The parameters the search applied, as its links carry them.</summary>
    public string Query => SearchRequest.Query(Applied.Append(new("_count", Count.ToString(CultureInfo.InvariantCulture))));

    /// <summary>Once the search has said which parameters it applies: where its page starts. A token belongs to exactly
    /// that search, client and type; any other is refused (naming <c>_cursor</c>).</summary>
    public FhirProblem? Start()
    {
        if (Parameters.One(SearchPages.TokenParameter) is not { } token)
        {
            return null;
        }

        From = _pages.Read(token, Caller, Type, Query);
        return From is null
            ? FhirProblem.Value(SearchPages.TokenParameter, "This page link was not issued for this search and API key: start the search again.")
            : null;
    }
}

/// <summary>Stable paging for FHIR searches: <c>_count</c>, and <c>self</c>/<c>next</c> links that carry the search's
/// applied parameters and a page token. A page token is opaque to the caller and tamper-safe: the position, signed
/// (HMAC-SHA256 with the hub's current link-signing key) together with the API client, the resource type and the search's
/// own parameters, so it cannot be edited, moved to another search or used by another client.</summary>
public sealed class SearchPages(IOptions<LinkOptions> links, FhirHttp http)
{
    public const string TokenParameter = "_cursor";
    public const int DefaultCount = 20;
    public const int MaxCount = 100;

    /// <summary>Reads a <c>GET [type]?…</c> or <c>POST [type]/_search</c> and its <c>_count</c>; the refusal (an
    /// OperationOutcome) when the form or the count cannot be read.</summary>
    public async Task<(FhirSearch? Search, IActionResult? Refusal)> BeginAsync(HttpRequest request, Caller caller, string type)
    {
        var (parameters, refusal) = await SearchRequest.ReadAsync(request, http);
        if (refusal is not null)
        {
            return (null, refusal);
        }

        var count = DefaultCount;
        if (parameters!.Values("_count") is { Count: > 0 } counts)
        {
            if (counts.Count > 1 || !int.TryParse(counts[0], NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1)
            {
                return (null, http.Outcome(request, HttpStatusCode.BadRequest, FhirProblem.Value("_count", "_count must be one whole number from 1 up.")));
            }

            count = Math.Min(count, MaxCount);
        }

        return (new FhirSearch(this, request, caller, parameters, count, type), null);
    }

    /// <summary>The searchset Bundle of one page: its entries, a <c>self</c> link, and a <c>next</c> link when
    /// <paramref name="next"/> names a further page.</summary>
    public IActionResult Answer(FhirSearch search, IReadOnlyList<Resource> resources, PagePosition? next, int? total, string? bundleId = null,
        IReadOnlyList<Resource>? included = null)
    {
        var request = search.Request;
        var query = search.Query;
        var baseUrl = FhirHttp.BaseUrl(request);
        var bundle = new Bundle { Id = bundleId ?? Guid.NewGuid().ToString(), Type = Bundle.BundleType.Searchset, Total = total };
        var self = $"{baseUrl}/{search.Type}?{query}"
                   + (search.From is null ? string.Empty : $"&{TokenParameter}={Uri.EscapeDataString(search.Parameters.One(TokenParameter)!)}");
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = self });
        if (next is not null)
        {
            bundle.Link.Add(new Bundle.LinkComponent
            {
                Relation = "next",
                Url = $"{baseUrl}/{search.Type}?{query}&{TokenParameter}={Uri.EscapeDataString(Token(next, search.Caller, search.Type, query))}",
            });
        }

        foreach (var resource in resources)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{baseUrl}/{resource.TypeName}/{resource.Id}",
                Resource = resource,
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match },
            });
        }

        // _include: resources the matches point at, marked as such (FHIR search.html#include), not counted in total.
        foreach (var resource in included ?? [])
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"urn:uuid:{Guid.NewGuid()}",
                Resource = resource,
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Include },
            });
        }

        return http.Resource(request, bundle, HttpStatusCode.OK);
    }

    /// <summary>A refused search parameter: <c>400</c> naming it.</summary>
    public IActionResult Refuse(FhirSearch search, params FhirProblem[] problems) => http.Outcome(search.Request, HttpStatusCode.BadRequest, problems);

    /// <summary>One page of a result read whole (in a fixed order), from the offset the search's token names.</summary>
    public static (IReadOnlyList<T> Page, PagePosition? Next) Slice<T>(IReadOnlyList<T> all, FhirSearch search)
    {
        var start = Math.Min(search.From?.Index ?? 0, all.Count);
        var end = Math.Min(start + search.Count, all.Count);
        return ([.. all.Skip(start).Take(end - start)], end < all.Count ? new PagePosition(end, null) : null);
    }

    public static async Task<RowPage> ReadAsync(TableClient table, IReadOnlyList<string> practices, Func<string, string> filterFor,
        IEnumerable<string>? select, int count, PagePosition? from, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        var index = from?.Index ?? 0;
        var continuation = from?.Continuation;
        while (index < practices.Count && rows.Count < count)
        {
            var wanted = count - rows.Count;
            Page<TableEntity>? page = null;
            await foreach (var first in table.QueryAsync<TableEntity>(filterFor(practices[index]), wanted, select, cancellationToken)
                               .AsPages(continuation, wanted).WithCancellation(cancellationToken))
            {
                page = first;
                break;
            }

            rows.AddRange(page?.Values.Take(wanted) ?? []);
            continuation = page?.ContinuationToken;
            if (continuation is null)
            {
                index++;
            }
        }

        return new RowPage(rows, index < practices.Count ? new PagePosition(index, continuation) : null);
    }

    public string Token(PagePosition position, Caller caller, string type, string query)
    {
        var options = links.Value;
        var payload = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes($"{position.Index}\n{position.Continuation}"));
        var signature = Sign(options.SigningKeys[options.CurrentKeyId], options.CurrentKeyId, payload, caller, type, query);
        return $"{options.CurrentKeyId}.{payload}.{signature}";
    }

    /// <summary>The position a token names, or null when it was not issued by the hub for this client and search.</summary>
    public PagePosition? Read(string token, Caller caller, string type, string query)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || !links.Value.SigningKeys.TryGetValue(parts[0], out var key))
        {
            return null;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(key, parts[0], parts[1], caller, type, query));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(parts[2])))
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(parts[1]));
            var cut = text.IndexOf('\n', StringComparison.Ordinal);
            return cut > 0 && int.TryParse(text[..cut], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                ? new PagePosition(index, text[(cut + 1)..] is { Length: > 0 } continuation ? continuation : null)
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string Sign(string key, string keyId, string payload, Caller caller, string type, string query)
    {
        var message = Encoding.UTF8.GetBytes($"search-page\n{keyId}\n{caller.ClientId}\n{type}\n{query}\n{payload}");
        return WebEncoders.Base64UrlEncode(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), message));
    }
}

using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Hub.Access;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Hub.Intake;

/// <summary>Where the next page of a search starts: which of the caller's practices (their partitions, in ordinal order)
/// and Table storage's own continuation within it.</summary>
public sealed record PagePosition(int PracticeIndex, string? Continuation);

/// <summary>A page of rows from the caller's practices' partitions, and where the next one starts (null at the end).</summary>
public sealed record RowPage(IReadOnlyList<TableEntity> Rows, PagePosition? Next);

/// <summary>Stable paging over Table storage for FHIR searches. A page token is opaque to the caller and tamper-safe: the
/// position, signed (HMAC-SHA256 with the hub's current link-signing key) together with the API client, the resource type
/// and the search's own parameters, so it cannot be edited, moved to another search or used by another client.</summary>
public sealed class SearchPages(IOptions<LinkOptions> links)
{
    public const string TokenParameter = "_cursor";

    public static async Task<RowPage> ReadAsync(TableClient table, IReadOnlyList<string> practices, Func<string, string> filterFor,
        IEnumerable<string>? select, int count, PagePosition? from, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        var index = from?.PracticeIndex ?? 0;
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
        var payload = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes($"{position.PracticeIndex}\n{position.Continuation}"));
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
            return cut > 0 && int.TryParse(text[..cut], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
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

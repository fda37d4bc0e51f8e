using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Hub.Platform.Storage;
using Microsoft.Extensions.Options;

namespace Hub.LinkWork;

/// <summary>How often a sign-in link may be asked for: at most <see cref="CaseloadSignInOptions.SignInLimit"/> requests
/// per address typed, per service id, and per service found, within <see cref="CaseloadSignInOptions.SignInLimitWindow"/>
/// of the first (table <see cref="Table"/>, one row per key, the key a SHA-256 hash: no address is stored). A window
/// starts at the first request after the last one ended, so two requests cannot fall either side of a boundary. A refused
/// request is not counted.</summary>
public sealed class CaseloadSignInLimits(HubTables tables, IOptions<CaseloadSignInOptions> options, TimeProvider time)
{
    public const string Table = "CaseloadSignInLimits";
    private const string Partition = "sign-in";

    /// <summary>Counts one request under <paramref name="key"/>; false when the key has had its share of this window.</summary>
    public async Task<bool> TryTakeAsync(string kind, string key, CancellationToken cancellationToken = default)
    {
        var limit = options.Value.SignInLimit;
        if (limit <= 0)
        {
            return true;
        }

        var table = await tables.GetAsync(Table);
        var rowKey = $"{kind}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.Trim().ToLowerInvariant())))}";
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var now = time.GetUtcNow();
            var found = await table.GetEntityIfExistsAsync<TableEntity>(Partition, rowKey, cancellationToken: cancellationToken);
            try
            {
                if (!found.HasValue)
                {
                    await table.AddEntityAsync(new TableEntity(Partition, rowKey) { ["Count"] = 1, ["WindowStart"] = now }, cancellationToken);
                    return true;
                }

                var row = found.Value!;
                var fresh = now - (row.GetDateTimeOffset("WindowStart") ?? DateTimeOffset.MinValue) >= options.Value.SignInLimitWindow;
                var count = fresh ? 0 : row.GetInt32("Count") ?? 0;
                if (count >= limit)
                {
                    return false;
                }

                row["Count"] = count + 1;
                if (fresh)
                {
                    row["WindowStart"] = now;
                }

                await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another request for the same key got there first: read it again.
            }
        }

        return false;
    }
}

using Azure.Data.Tables;
using Hub.Platform.Storage;

namespace Hub.Access;

/// <summary>A social prescribing scheme: the practices whose referrals its lead or commissioner reads reports on.</summary>
public sealed record Scheme(string Id, string Name, IReadOnlyList<string> PracticeOdsCodes);

/// <summary>The schemes, kept by operators. A scheme only widens what a report may read; it never lets a key post or
/// read a referral.</summary>
public sealed class Schemes(HubTables tables)
{
    public const string Table = "Schemes";
    private const string Partition = "scheme";

    public async Task<Scheme> SaveAsync(string id, string name, IEnumerable<string> practiceOdsCodes, CancellationToken cancellationToken = default)
    {
        var codes = practiceOdsCodes.Select(c => c.Trim().ToUpperInvariant()).Where(c => c.Length > 0).Distinct().Order(StringComparer.Ordinal).ToList();
        var table = await tables.GetAsync(Table);
        await table.UpsertEntityAsync(new TableEntity(Partition, id)
        {
            ["Name"] = name,
            ["PracticeOdsCodes"] = string.Join(',', codes),
        }, TableUpdateMode.Replace, cancellationToken);
        return new Scheme(id, name, codes);
    }

    public async Task<Scheme?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(id))
        {
            return null;
        }

        var table = await tables.GetAsync(Table);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, id, cancellationToken: cancellationToken);
        return row.HasValue
            ? new Scheme(id, row.Value!.GetString("Name") ?? id, (row.Value.GetString("PracticeOdsCodes") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries))
            : null;
    }
}

using Azure.Data.Tables;
using Hub.Platform.Storage;

namespace Hub.Providers;

/// <summary>How a provider has answered its offers over the last 90 days, as published: referrers see it on the
/// directory and routing uses it to order providers the rules leave equal. Counted by the evidence update from the same
/// cells as the reports and written here, in a table the directory owns, so the directory never reads the evidence.</summary>
/// <param name="From">The first day of the months counted (the months of referral overlapping the last 90 days).</param>
/// <param name="To">When the figures were counted.</param>
/// <param name="Offers">Offers the provider decided (accepted, declined or let expire), as published under the
/// disclosure rule (rounded to 5; null when 1–7).</param>
/// <param name="AcceptanceRate">Accepted ÷ decided, from the published counts; null when either is withheld.</param>
/// <param name="MedianDaysToAnswer">Median days from the offer to the provider's answer (accept or decline), to one
/// decimal; null for fewer answers than the rule shows a statistic for.</param>
public sealed record ProviderResponsiveness(string ProviderId, DateTimeOffset From, DateTimeOffset To, int? Offers, double? AcceptanceRate, double? MedianDaysToAnswer);

/// <summary>The providers' responsiveness figures (one partition, one row per provider), replaced by each evidence
/// update. Routing reads them on every decision, so they are kept in memory for a few minutes.</summary>
public sealed class ProviderResponsivenessStore(HubTables tables, TimeProvider time)
{
    public const string Table = "ProviderResponsiveness";
    private const string Partition = "90d";
    private static readonly TimeSpan KeepFor = TimeSpan.FromMinutes(5);

    private (DateTimeOffset At, IReadOnlyDictionary<string, ProviderResponsiveness> Figures)? _cached;

    public async Task SaveAsync(IReadOnlyList<ProviderResponsiveness> figures, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var keep = figures.Select(f => f.ProviderId).ToHashSet(StringComparer.Ordinal);
        foreach (var chunk in figures.Chunk(100))
        {
            await table.SubmitTransactionAsync(chunk.Select(f => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(Partition, f.ProviderId)
            {
                ["From"] = f.From,
                ["To"] = f.To,
                ["Offers"] = f.Offers,
                ["AcceptanceRate"] = f.AcceptanceRate,
                ["MedianDaysToAnswer"] = f.MedianDaysToAnswer,
            })), cancellationToken);
        }

        await foreach (var stale in table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            if (!keep.Contains(stale.RowKey))
            {
                await table.DeleteEntityAsync(stale.PartitionKey, stale.RowKey, Azure.ETag.All, cancellationToken);
            }
        }

        _cached = null;
    }

    public async Task<ProviderResponsiveness?> GetAsync(string providerId, CancellationToken cancellationToken = default) =>
        (await AllAsync(cancellationToken)).GetValueOrDefault(providerId);

    /// <summary>Every provider's figures, by provider id (read again after a few minutes, or at once after a save here).</summary>
    public async Task<IReadOnlyDictionary<string, ProviderResponsiveness>> AllAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        if (_cached is { } cached && now - cached.At < KeepFor && now >= cached.At)
        {
            return cached.Figures;
        }

        var table = await tables.GetAsync(Table);
        var figures = new Dictionary<string, ProviderResponsiveness>(StringComparer.Ordinal);
        await foreach (var e in table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, cancellationToken: cancellationToken))
        {
            figures[e.RowKey] = new ProviderResponsiveness(e.RowKey, e.GetDateTimeOffset("From") ?? default, e.GetDateTimeOffset("To") ?? default,
                e.GetInt32("Offers"), e.GetDouble("AcceptanceRate"), e.GetDouble("MedianDaysToAnswer"));
        }

        _cached = (now, figures);
        return figures;
    }
}

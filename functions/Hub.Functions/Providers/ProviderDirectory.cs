using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Hub.Platform.Storage;

namespace Hub.Providers;

/// <summary>The result of an import: how many entries were written, and how many already there were left alone.</summary>
public sealed record ProviderImport(int Saved, int Kept);

/// <summary>The provider directory in Table storage, and each provider's weekly load.
/// <para>Table <c>Providers</c>: one partition (<c>provider</c>; a directory is tens to hundreds of entries, read whole by
/// the router), row key = provider id, the entry as JSON in <c>Json</c> plus <c>Name</c>, <c>Status</c>,
/// <c>Categories</c> and <c>Areas</c> as columns for people browsing the table.</para>
/// <para>Table <c>ProviderLoad</c>: partition = provider id, row key <c>{isoYear}-W{week}-{referralId}</c>, one row per
/// referral offered to (or accepted by) the provider in that ISO week, Europe/London time; the referral id in the key
/// makes recording the same offer twice count once.</para></summary>
public sealed class ProviderDirectory(HubTables tables, ProviderResponsivenessStore responsiveness)
{
    public const string Table = "Providers";
    public const string LoadTable = "ProviderLoad";
    private const string Partition = "provider";

    // Compact JSON in the table (the admin endpoints indent theirs); the same names as the API.
    private static readonly JsonSerializerOptions StoredJson = new(JsonSerializerDefaults.Web);

    private static readonly TimeZoneInfo London = FindLondon();

    /// <summary>The order the directory lists providers in, and the order routing offers them: by name (ordinal,
    /// ignoring case), then by id. Stable and explainable to a link worker; it does not favour whoever has the most room.</summary>
    public static IOrderedEnumerable<Provider> InDirectoryOrder(IEnumerable<Provider> providers) =>
        providers.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase).ThenBy(p => p.Id, StringComparer.Ordinal);

    /// <summary>Creates or replaces an entry. It is normalized and checked first (<see cref="ProviderRules"/>): an entry
    /// with problems throws <see cref="ArgumentException"/>, so callers check first to answer nicely.</summary>
    /// <returns>The entry as stored.</returns>
    public async Task<Provider> SaveAsync(Provider provider, CancellationToken cancellationToken = default)
    {
        var entry = Checked(provider);
        var table = await tables.GetAsync(Table);
        await table.UpsertEntityAsync(ToEntity(entry), TableUpdateMode.Replace, cancellationToken);
        return entry;
    }

    public async Task<Provider?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(id))
        {
            return null;
        }

        var table = await tables.GetAsync(Table);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, id, cancellationToken: cancellationToken);
        return row.HasValue ? FromEntity(row.Value!) with { Responsiveness = await responsiveness.GetAsync(id, cancellationToken) } : null;
    }

    /// <summary>Every entry, whatever its status, in <see cref="InDirectoryOrder"/>.</summary>
    public async Task<IReadOnlyList<Provider>> ListAsync(CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var found = new List<Provider>();
        var figures = await responsiveness.AllAsync(cancellationToken);
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, cancellationToken: cancellationToken))
        {
            var provider = FromEntity(row);
            found.Add(provider with { Responsiveness = figures.GetValueOrDefault(provider.Id) });
        }

        return InDirectoryOrder(found).ToList();
    }

    /// <summary>Pauses, resumes or retires a provider without touching the rest of its entry (conditional on the row's
    /// ETag, so a concurrent edit is not lost).</summary>
    /// <returns>The updated entry, or null when there is no such provider.</returns>
    public async Task<Provider?> SetStatusAsync(string id, string status, CancellationToken cancellationToken = default)
    {
        if (!ProviderStatus.IsKnown(status))
        {
            throw new ArgumentException($"Status must be one of {string.Join(", ", ProviderStatus.All)}.", nameof(status));
        }

        if (!TableKeys.IsSafe(id))
        {
            return null;
        }

        var table = await tables.GetAsync(Table);
        for (var attempt = 1; ; attempt++)
        {
            var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, id, cancellationToken: cancellationToken);
            if (!row.HasValue)
            {
                return null;
            }

            var updated = FromEntity(row.Value!) with { Status = status };
            try
            {
                await table.UpdateEntityAsync(ToEntity(updated), row.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
                return updated;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < 5)
            {
                // Someone saved the entry in between: read it again and apply the status to what they saved.
            }
        }
    }

    /// <summary>Loads many entries at once (a seed file, a council's export). Every entry is checked before any is
    /// written (one bad entry throws <see cref="ArgumentException"/> naming it, and nothing changes); an id given twice
    /// keeps the last. Importing the same entries again changes nothing.</summary>
    /// <param name="replaceExisting">True (the admin import) writes every entry over what is there; false (the startup
    /// seed) only adds providers that are missing, so a restart does not undo a pause or an edit made since.</param>
    public async Task<ProviderImport> ImportAsync(IEnumerable<Provider> providers, bool replaceExisting = true, CancellationToken cancellationToken = default)
    {
        var entries = new Dictionary<string, Provider>(StringComparer.Ordinal);
        var index = 0;
        foreach (var provider in providers)
        {
            var entry = ProviderRules.Normalize(provider);
            if (ProviderRules.Check(entry) is { Count: > 0 } problems)
            {
                throw new ArgumentException($"Provider [{index}] ('{entry.Id}'): {string.Join("; ", problems)}.", nameof(providers));
            }

            entries[entry.Id] = entry;
            index++;
        }

        var table = await tables.GetAsync(Table);
        var (saved, kept) = (0, 0);
        foreach (var entry in entries.Values)
        {
            if (replaceExisting)
            {
                await table.UpsertEntityAsync(ToEntity(entry), TableUpdateMode.Replace, cancellationToken);
                saved++;
                continue;
            }

            try
            {
                await table.AddEntityAsync(ToEntity(entry), cancellationToken);
                saved++;
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                kept++;
            }
        }

        return new ProviderImport(saved, kept);
    }

    /// <summary>Counts a referral against the provider's capacity for the ISO week (Europe/London) of <paramref name="at"/>.
    /// Recording the same referral again in the same week changes nothing (and keeps the first time).</summary>
    public async Task RecordOfferAsync(string providerId, string referralId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(providerId) || !TableKeys.IsSafe(referralId))
        {
            throw new ArgumentException("Provider and referral ids must be table-safe.", TableKeys.IsSafe(providerId) ? nameof(referralId) : nameof(providerId));
        }

        var table = await tables.GetAsync(LoadTable);
        try
        {
            await table.AddEntityAsync(new TableEntity(providerId, $"{WeekOf(at)}-{referralId}")
            {
                ["ReferralId"] = referralId,
                ["At"] = at,
            }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Already counted: an activity that ran twice, or the same referral offered again this week.
        }
    }

    /// <summary>How many referrals the provider has been offered (or has accepted) in the ISO week of <paramref name="now"/>,
    /// Europe/London time: the week starts at midnight on Monday as people in the UK count it, in BST or GMT.</summary>
    public async Task<int> CountThisWeekAsync(string providerId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(providerId))
        {
            return 0;
        }

        // Every row key of the week starts "{week}-"; '.' is the character after '-', so this range is exactly that prefix.
        var week = WeekOf(now);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {providerId} and RowKey ge {week + "-"} and RowKey lt {week + "."}");
        var table = await tables.GetAsync(LoadTable);
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            count++;
        }

        return count;
    }

    /// <summary>The ISO week of an instant in Europe/London, as <c>2026-W05</c> (the ISO year, which differs from the
    /// calendar year around New Year: 29 December 2025 is in 2026-W01).</summary>
    public static string WeekOf(DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, London).DateTime;
        return string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(local)}-W{ISOWeek.GetWeekOfYear(local):D2}");
    }

    private static Provider Checked(Provider provider)
    {
        var entry = ProviderRules.Normalize(provider);
        var problems = ProviderRules.Check(entry);
        return problems.Count == 0
            ? entry
            : throw new ArgumentException($"Provider '{entry.Id}' is not valid: {string.Join("; ", problems)}.", nameof(provider));
    }

    private static TableEntity ToEntity(Provider provider) => new(Partition, provider.Id)
    {
        ["Json"] = JsonSerializer.Serialize(provider, StoredJson),
        ["Name"] = provider.Name,
        ["Status"] = provider.Status,
        ["Categories"] = string.Join(',', provider.Categories),
        ["Areas"] = string.Join(',', provider.Areas),
    };

    private static Provider FromEntity(TableEntity row) =>
        JsonSerializer.Deserialize<Provider>(row.GetString("Json"), StoredJson) is { } provider
            ? ProviderRules.Normalize(provider)
            : throw new InvalidOperationException($"Provider row '{row.RowKey}' holds no entry.");

    /// <summary>Europe/London from the system's time zone data; where a host has none, the same rule built in (GMT, and
    /// BST from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October), so weeks never shift
    /// by an hour with the machine.</summary>
    private static TimeZoneInfo FindLondon()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            var rule = TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(
                DateTime.MinValue.Date, DateTime.MaxValue.Date, TimeSpan.FromHours(1),
                TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 1, 0, 0, DateTimeKind.Unspecified), 3, 5, DayOfWeek.Sunday),
                TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 2, 0, 0, DateTimeKind.Unspecified), 10, 5, DayOfWeek.Sunday));
            return TimeZoneInfo.CreateCustomTimeZone("Europe/London", TimeSpan.Zero, "Europe/London", "GMT", "BST", [rule]);
        }
    }
}

using System.Collections.Concurrent;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hub.Platform.Storage;

/// <summary>A table one slice owns, registered by that slice (<see cref="HubTableRegistration.AddHubTables"/>), so the
/// list of the hub's tables is assembled from the slices rather than kept here.</summary>
public sealed record HubTableName(string Name);

public static class HubTableRegistration
{
    public static IServiceCollection AddHubTables(this IServiceCollection services, params string[] names)
    {
        foreach (var name in names)
        {
            services.AddSingleton(new HubTableName(name));
        }

        return services;
    }
}

/// <summary>The hub's tables, created on first use. Each store names its table beside its code and its slice registers it.
/// <c>Storage:TablePrefix</c> lets several hubs (or test runs) share one storage account without meeting.</summary>
public sealed class HubTables(TableServiceClient service, IConfiguration configuration, IEnumerable<HubTableName> registered)
{
    private readonly string _prefix = configuration["Storage:TablePrefix"] ?? string.Empty;

    private readonly ConcurrentDictionary<string, Lazy<Task<TableClient>>> _tables = new(StringComparer.Ordinal);

    public Task<TableClient> GetAsync(string name) =>
        _tables.GetOrAdd(name, n => new Lazy<Task<TableClient>>(() => CreateAsync(n))).Value;

    public TableServiceClient Service => service;

    /// <summary>The table's name in the account, prefix included.</summary>
    public string NameOf(string table) => _prefix + table;

    /// <summary>Every table the slices registered.</summary>
    public IReadOnlyList<string> All { get; } = registered.Select(t => t.Name).Distinct(StringComparer.Ordinal).ToList();

    private async Task<TableClient> CreateAsync(string name)
    {
        var table = service.GetTableClient(NameOf(name));
        try
        {
            await table.CreateIfNotExistsAsync();
        }
        catch
        {
            // Let the next caller try again rather than caching a failure forever.
            _tables.TryRemove(name, out _);
            throw;
        }

        return table;
    }
}

using System.Collections.Concurrent;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;

namespace Hub.Storage;

/// <summary>The hub's tables, created on first use. Every store gets its table from here, so names live in one place.
/// <c>Storage:TablePrefix</c> lets several hubs (or test runs) share one storage account without meeting.</summary>
public sealed class HubTables(TableServiceClient service, IConfiguration configuration)
{
    private readonly string _prefix = configuration["Storage:TablePrefix"] ?? string.Empty;

    public const string Referrals = "Referrals";
    public const string ReferralIdentifiers = "ReferralIdentifiers";
    public const string Documents = "Documents";
    public const string Tasks = "Tasks";
    public const string Audit = "Audit";
    public const string Rejections = "Rejections";
    public const string ApiKeys = "ApiKeys";

    private readonly ConcurrentDictionary<string, Lazy<Task<TableClient>>> _tables = new(StringComparer.Ordinal);

    public Task<TableClient> GetAsync(string name) =>
        _tables.GetOrAdd(name, n => new Lazy<Task<TableClient>>(() => CreateAsync(n))).Value;

    public TableServiceClient Service => service;

    /// <summary>The table's name in the account, prefix included.</summary>
    public string NameOf(string table) => _prefix + table;

    /// <summary>Every table the hub writes, its own and those of the capabilities that name theirs beside their code.</summary>
    public static IReadOnlyList<string> All => [Referrals, ReferralIdentifiers, Documents, Tasks, Audit, Rejections, ApiKeys,
        ChaseStore.Chases, ChaseStore.LinkUses, FollowUpStore.FollowUps, FollowUpStore.SurveyResponses, Email.EmailSender.LogTable, Email.DevelopmentOutbox.Table,
        Providers.ProviderDirectory.Table, Providers.ProviderDirectory.LoadTable, Access.Schemes.Table, EvidenceSnapshotStore.Table];

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

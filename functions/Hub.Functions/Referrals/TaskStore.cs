using Azure;
using Azure.Data.Tables;
using Hub.Platform.Storage;

namespace Hub.Referrals;

/// <summary>A referral's FHIR Task as stored: its JSON and the ETag that makes updates conditional.</summary>
public sealed record StoredTask(string TaskId, string PracticeOds, string ReferralId, string Json, ETag ETag);

/// <summary>One row of the owner index: a Task that names this HealthcareService as its owner (offered or accepted).</summary>
public sealed record OwnedTask(string ProviderId, string TaskId, string PracticeOds, string ReferralId);

/// <summary>The FHIR Tasks that tell a referrer how their referral is going, one partition per practice; and the owner
/// index (<see cref="OwnersTable"/>, one partition per HealthcareService id) that lets a provider's system find the Tasks
/// offered to or accepted by it without scanning every practice. The index row is written before the Task names its new
/// owner and the old owner's row removed after, so the index never misses a Task (a row left behind by a crash is only
/// a Task the reader checks and drops: always read the Task and compare its owner).</summary>
public sealed class TaskStore(HubTables tables)
{
    public const string Table = "Tasks";

    public const string OwnersTable = "TaskOwners";

    /// <summary>The Task changes not yet seen by the provider webhooks (Chase): one row per HealthcareService and Task in
    /// partition <see cref="ChangesPartition"/>, written (with the version the Task is about to reach) before every write
    /// of a Task that names the service as owner before or after, so no change is missed even if the app stops right
    /// after the write; the webhooks delete a row once they have taken it. One partition of pending changes only, so
    /// reading them never scans the Tasks of the past.</summary>
    public const string ChangesTable = "TaskChanges";

    public const string ChangesPartition = "pending";

    /// <summary>The row key of a pending change.</summary>
    public static string ChangeKey(string providerId, string taskId) => $"{providerId}|{taskId}";

    /// <summary>Creates the Task if it is not there yet; a second call (a retried intake) leaves the first one alone.</summary>
    public async Task CreateIfAbsentAsync(string practiceOds, string taskId, string referralId, string json, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(TaskStore.Table);
        var entity = new TableEntity(practiceOds, taskId) { ["ReferralId"] = referralId, ["Json"] = json };
        try
        {
            if (OwnerOf(json) is { } owner)
            {
                await IndexAsync(new OwnedTask(owner, taskId, practiceOds, referralId), cancellationToken);
                await MarkChangedAsync(new OwnedTask(owner, taskId, practiceOds, referralId), VersionOf(json), cancellationToken);
            }

            await table.AddEntityAsync(entity, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Already created by an earlier attempt at the same referral.
        }
    }

    /// <summary>Replaces the Task only if nobody changed it since <paramref name="etag"/> was read.</summary>
    public async Task<bool> TryReplaceAsync(StoredTask task, string json, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(TaskStore.Table);
        var entity = new TableEntity(task.PracticeOds, task.TaskId) { ["ReferralId"] = task.ReferralId, ["Json"] = json };
        var (before, after) = (OwnerOf(task.Json), OwnerOf(json));
        if (after is not null && after != before)
        {
            await IndexAsync(new OwnedTask(after, task.TaskId, task.PracticeOds, task.ReferralId), cancellationToken);
        }

        foreach (var owner in new[] { before, after }.OfType<string>().Distinct(StringComparer.Ordinal))
        {
            await MarkChangedAsync(new OwnedTask(owner, task.TaskId, task.PracticeOds, task.ReferralId), VersionOf(json), cancellationToken);
        }

        try
        {
            await table.UpdateEntityAsync(entity, task.ETag, TableUpdateMode.Replace, cancellationToken);
            if (before is not null && before != after)
            {
                var owners = await tables.GetAsync(OwnersTable);
                await owners.DeleteEntityAsync(before, task.TaskId, ETag.All, cancellationToken);
            }

            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return false;
        }
    }

    public async Task<StoredTask?> GetAsync(string practiceOds, string taskId, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(practiceOds) || !TableKeys.IsSafe(taskId))
        {
            return null;
        }

        var table = await tables.GetAsync(TaskStore.Table);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(practiceOds, taskId, cancellationToken: cancellationToken);
        return row.HasValue
            ? new StoredTask(taskId, practiceOds, row.Value!.GetString("ReferralId"), row.Value.GetString("Json"), row.Value.ETag)
            : null;
    }

    public async Task<StoredTask?> FindAsync(IEnumerable<string> practiceOdsCodes, string taskId, CancellationToken cancellationToken = default)
    {
        foreach (var ods in practiceOdsCodes)
        {
            if (await GetAsync(ods, taskId, cancellationToken) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>A page of the Tasks indexed under this HealthcareService (one partition query, at most
    /// <paramref name="count"/> rows), and the continuation of the next page. Check each Task's owner: a row may be stale.</summary>
    public async Task<(IReadOnlyList<OwnedTask> Rows, string? Continuation)> OwnedByAsync(string providerId, int count, string? continuation, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(providerId))
        {
            return ([], null);
        }

        var owners = await tables.GetAsync(OwnersTable);
        await foreach (var page in owners.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {providerId}"), count, cancellationToken: cancellationToken)
                           .AsPages(continuation, count).WithCancellation(cancellationToken))
        {
            return (page.Values.Select(Owned).ToList(), page.ContinuationToken);
        }

        return ([], null);
    }

    /// <summary>The index row of one Task under this HealthcareService (a point read), or null.</summary>
    public async Task<OwnedTask?> OwnedAsync(string providerId, string taskId, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(providerId) || !TableKeys.IsSafe(taskId))
        {
            return null;
        }

        var owners = await tables.GetAsync(OwnersTable);
        var row = await owners.GetEntityIfExistsAsync<TableEntity>(providerId, taskId, cancellationToken: cancellationToken);
        return row.HasValue ? Owned(row.Value!) : null;
    }

    /// <summary>Writes the owner index row of every Task that names a HealthcareService as owner, a page of at most
    /// <paramref name="count"/> Tasks at a time (for Tasks offered before the index existed). Safe to run again: each
    /// row is an upsert of what the Task says now, and readers check the Task itself anyway.</summary>
    public async Task<(int Scanned, int Indexed, string? Continuation)> IndexOwnersAsync(int count, string? continuation, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        await foreach (var page in table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey", "ReferralId", "Json"], maxPerPage: count, cancellationToken: cancellationToken)
                           .AsPages(continuation, count).WithCancellation(cancellationToken))
        {
            var indexed = 0;
            foreach (var row in page.Values)
            {
                if (row.GetString("Json") is { } json && OwnerOf(json) is { } owner)
                {
                    await IndexAsync(new OwnedTask(owner, row.RowKey, row.PartitionKey, row.GetString("ReferralId")), cancellationToken);
                    indexed++;
                }
            }

            return (page.Values.Count, indexed, page.ContinuationToken);
        }

        return (0, 0, null);
    }

    private static OwnedTask Owned(TableEntity row) => new(row.PartitionKey, row.RowKey, row.GetString("PracticeOds"), row.GetString("ReferralId"));

    private async Task IndexAsync(OwnedTask owned, CancellationToken cancellationToken)
    {
        var owners = await tables.GetAsync(OwnersTable);
        await owners.UpsertEntityAsync(new TableEntity(owned.ProviderId, owned.TaskId) { ["PracticeOds"] = owned.PracticeOds, ["ReferralId"] = owned.ReferralId },
            TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>Marks a Task as changed for a HealthcareService.</summary>
    private async Task MarkChangedAsync(OwnedTask owned, string? version, CancellationToken cancellationToken)
    {
        var changes = await tables.GetAsync(ChangesTable);
        await changes.UpsertEntityAsync(new TableEntity(ChangesPartition, ChangeKey(owned.ProviderId, owned.TaskId))
        {
            ["ProviderId"] = owned.ProviderId,
            ["TaskId"] = owned.TaskId,
            ["PracticeOds"] = owned.PracticeOds,
            ["ReferralId"] = owned.ReferralId,
            ["MarkedVersion"] = version,
        }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>The <c>meta.versionId</c> a Task's JSON carries, or null.</summary>
    public static string? VersionOf(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty("meta", out var meta) && meta.TryGetProperty("versionId", out var version) ? version.GetString() : null;
    }

    /// <summary>The HealthcareService id a Task's JSON names as owner, or null (no owner, or not a HealthcareService).</summary>
    public static string? OwnerOf(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty("owner", out var owner) && owner.TryGetProperty("reference", out var reference)
               && reference.GetString() is { } text && text.Split('/') is [.., "HealthcareService", var id] && TableKeys.IsSafe(id)
            ? id
            : null;
    }
}

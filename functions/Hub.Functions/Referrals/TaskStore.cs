using Azure;
using Azure.Data.Tables;
using Hub.Platform.Storage;

namespace Hub.Referrals;

/// <summary>A referral's FHIR Task as stored: its JSON and the ETag that makes updates conditional.</summary>
public sealed record StoredTask(string TaskId, string PracticeOds, string ReferralId, string Json, ETag ETag);

/// <summary>The FHIR Tasks that tell a referrer how their referral is going, one partition per practice.</summary>
public sealed class TaskStore(HubTables tables)
{
    public const string Table = "Tasks";

    /// <summary>Creates the Task if it is not there yet; a second call (a retried intake) leaves the first one alone.</summary>
    public async Task CreateIfAbsentAsync(string practiceOds, string taskId, string referralId, string json, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(TaskStore.Table);
        var entity = new TableEntity(practiceOds, taskId) { ["ReferralId"] = referralId, ["Json"] = json };
        try
        {
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
        try
        {
            await table.UpdateEntityAsync(entity, task.ETag, TableUpdateMode.Replace, cancellationToken);
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
}

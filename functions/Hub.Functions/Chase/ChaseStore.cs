using Azure.Data.Tables;
using Hub.Platform.Storage;

namespace Hub.Chase;

/// <summary>Where a referral's chase is: which provider holds the offer now, and the decisions taken through links.
/// The accept/decline page reads it to tell a live link from a superseded one.</summary>
public sealed record ChaseState(string ReferralId, string PracticeOds, string? CurrentProviderId, ChaseStage Step, DateTimeOffset At);

public sealed class ChaseStore(HubTables tables, TimeProvider time)
{
    public const string Chases = "Chases";

    public async Task SetAsync(string referralId, string practiceOds, string? currentProviderId, ChaseStage step, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Chases);
        await table.UpsertEntityAsync(new TableEntity(referralId, "state")
        {
            ["PracticeOds"] = practiceOds,
            ["CurrentProviderId"] = currentProviderId,
            ["Step"] = step.Value,
            ["At"] = time.GetUtcNow(),
        }, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<ChaseState?> GetAsync(string referralId, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(referralId))
        {
            return null;
        }

        var table = await tables.GetAsync(Chases);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(referralId, "state", cancellationToken: cancellationToken);
        return row.HasValue
            ? new ChaseState(referralId, row.Value!.GetString("PracticeOds"), row.Value.GetString("CurrentProviderId"), ChaseStage.FromStored(row.Value.GetString("Step")), row.Value.GetDateTimeOffset("At") ?? default)
            : null;
    }
}

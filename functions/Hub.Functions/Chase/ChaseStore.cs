using Azure;
using Azure.Data.Tables;
using Hub.Platform.Storage;

namespace Hub.Chase;

/// <summary>Where a referral's chase is: which provider holds the offer now, and the decisions taken through links.
/// The accept/decline page reads it to tell a live link from a superseded one.</summary>
public sealed record ChaseState(string ReferralId, string PracticeOds, string? CurrentProviderId, ChaseStage Step, DateTimeOffset At);

/// <summary>A decision taken through a signed link: recorded once, whichever of a link pair is used first.</summary>
public sealed record LinkUse(string ReferralId, string Audience, string SubjectId, string Action, DateTimeOffset At);

public sealed class ChaseStore(HubTables tables, TimeProvider time)
{
    public const string Chases = "Chases";
    public const string LinkUses = "LinkUses";

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

    /// <summary>Records a decision if none was taken yet for this referral, audience and subject.</summary>
    /// <returns>Null when this call recorded it; otherwise the decision taken before.</returns>
    public async Task<LinkUse?> TryUseAsync(LinkUse use, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(LinkUses);
        try
        {
            await table.AddEntityAsync(new TableEntity(use.ReferralId, $"{use.Audience}-{use.SubjectId}")
            {
                ["Action"] = use.Action,
                ["At"] = use.At,
            }, cancellationToken);
            return null;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return await GetUseAsync(use.ReferralId, use.Audience, use.SubjectId, cancellationToken);
        }
    }

    /// <summary>Undoes a use whose action could not be completed, so the link works again.</summary>
    public async Task ReleaseUseAsync(LinkUse use, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(LinkUses);
        await table.DeleteEntityAsync(use.ReferralId, $"{use.Audience}-{use.SubjectId}", ETag.All, cancellationToken);
    }

    public async Task<LinkUse?> GetUseAsync(string referralId, string audience, string subjectId, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(referralId) || !TableKeys.IsSafe(subjectId))
        {
            return null;
        }

        var table = await tables.GetAsync(LinkUses);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(referralId, $"{audience}-{subjectId}", cancellationToken: cancellationToken);
        return row.HasValue ? new LinkUse(referralId, audience, subjectId, row.Value!.GetString("Action"), row.Value.GetDateTimeOffset("At") ?? default) : null;
    }
}

using Azure;
using Azure.Data.Tables;
using Hub.Platform.Storage;

namespace Hub.Access;

/// <summary>A decision taken through a signed link: recorded once, whichever of a link pair is used first.</summary>
public sealed record LinkUse(string ReferralId, string Audience, string SubjectId, string Action, DateTimeOffset At);

/// <summary>The decisions taken through signed links (a provider's answer, a patient's survey), one per referral,
/// audience and subject. Here beside the links, so the chase and the follow-up share it without knowing each other.</summary>
public sealed class LinkUses(HubTables tables)
{
    public const string Table = "LinkUses";

    /// <summary>Records a decision if none was taken yet for this referral, audience and subject.</summary>
    /// <returns>Null when this call recorded it; otherwise the decision taken before.</returns>
    public async Task<LinkUse?> TryUseAsync(LinkUse use, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
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
        var table = await tables.GetAsync(Table);
        await table.DeleteEntityAsync(use.ReferralId, $"{use.Audience}-{use.SubjectId}", ETag.All, cancellationToken);
    }

    public async Task<LinkUse?> GetUseAsync(string referralId, string audience, string subjectId, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(referralId) || !TableKeys.IsSafe(subjectId))
        {
            return null;
        }

        var table = await tables.GetAsync(Table);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(referralId, $"{audience}-{subjectId}", cancellationToken: cancellationToken);
        return row.HasValue ? new LinkUse(referralId, audience, subjectId, row.Value!.GetString("Action"), row.Value.GetDateTimeOffset("At") ?? default) : null;
    }
}

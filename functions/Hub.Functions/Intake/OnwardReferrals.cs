using Azure.Data.Tables;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Platform.Storage;
using Microsoft.DurableTask.Client;

namespace Hub.Intake;

/// <summary>The referral an onward connection is <c>basedOn</c>: a referral a link-worker service accepted. The
/// connection is stored under the same practice, and its Task is <c>partOf</c> the parent's Task.</summary>
public sealed record OnwardParent(string ReferralId, string PracticeOds, string TaskId);

/// <summary>One onward connection of a parent referral, as the index keeps it: ids only.</summary>
/// <param name="RequesterId">The link-worker service (HealthcareService id) that made the connection.</param>
public sealed record OnwardChild(string ParentReferralId, string ReferralId, string PracticeOds, string TaskId, string RequesterId);

/// <summary>Referrals a provider key posts to <c>POST /fhir/ServiceRequest</c>: onward connections, taken by the
/// link-work stage (which sits above intake, so it is reached through this).</summary>
public interface IOnwardIntake
{
    Task<IntakeResult> SubmitAsync(Resource resource, IntakeRoute route, Caller caller, string channel, DurableTaskClient durable, CancellationToken cancellationToken);
}

/// <summary>Which referrals are onward connections of which: one partition per parent referral, one row per connection,
/// written by intake before the connection's orchestration starts (so a withdrawal of the parent always finds it). The
/// practice's searches (<c>ServiceRequest?based-on=</c>, <c>Task?part-of=</c>) and the withdrawal cascade read it.</summary>
public sealed class OnwardReferralIndex(HubTables tables)
{
    public const string Table = "OnwardReferrals";

    /// <summary>Records a connection; a second call (a retried intake) writes the same row again.</summary>
    public async System.Threading.Tasks.Task AddAsync(OnwardChild child, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        await table.UpsertEntityAsync(new TableEntity(child.ParentReferralId, child.ReferralId)
        {
            ["PracticeOds"] = child.PracticeOds,
            ["TaskId"] = child.TaskId,
            ["RequesterId"] = child.RequesterId,
        }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>A parent referral's onward connections, in the order of their ids (one partition query).</summary>
    public async Task<IReadOnlyList<OnwardChild>> ChildrenAsync(string parentReferralId, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(parentReferralId))
        {
            return [];
        }

        var table = await tables.GetAsync(Table);
        var children = new List<OnwardChild>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {parentReferralId}"), cancellationToken: cancellationToken))
        {
            children.Add(new OnwardChild(row.PartitionKey, row.RowKey, row.GetString("PracticeOds"), row.GetString("TaskId"), row.GetString("RequesterId")));
        }

        return children;
    }
}

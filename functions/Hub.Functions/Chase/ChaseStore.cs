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

    /// <summary>Keeps what a provider wrote when declining, for the referrer. Free text stays in the hub's tables: it never
    /// travels in the orchestration's events or activity inputs, which durable history keeps in plain tables for good.</summary>
    public async Task SaveDeclineNoteAsync(string referralId, string providerId, string note, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Chases);
        await table.UpsertEntityAsync(new TableEntity(referralId, NoteRow(providerId)) { ["Note"] = note, ["At"] = time.GetUtcNow() },
            TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<string?> DeclineNoteAsync(string referralId, string providerId, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(referralId) || !TableKeys.IsSafe(providerId))
        {
            return null;
        }

        var table = await tables.GetAsync(Chases);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(referralId, NoteRow(providerId), cancellationToken: cancellationToken);
        return row.HasValue ? row.Value!.GetString("Note") : null;
    }

    private static string NoteRow(string providerId) => $"decline-note-{providerId}";

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

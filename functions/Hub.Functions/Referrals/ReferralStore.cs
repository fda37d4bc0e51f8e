using System.Net;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Hub.Platform.Storage;

namespace Hub.Referrals;

/// <summary>The claim a referral's first post makes on its GP-system identifier. Inserting it is what makes intake
/// idempotent: insert-if-absent, so of twenty simultaneous copies exactly one wins.</summary>
public sealed record IdentifierReservation(
    string PracticeOds,
    string IdentifierKey,
    string ReferralId,
    string TaskId,
    string ContentHash,
    bool Stored,
    DateTimeOffset ReservedAt,
    DateTimeOffset ClaimedAt,
    ETag ETag);

/// <summary>Referrals in Table storage: one partition per practice (so a practice's referrals list without a scan),
/// the identifier index, and the referral's FHIR documents.</summary>
public sealed class ReferralStore(HubTables tables, DocumentStore documents)
{
    public const string Table = "Referrals";
    public const string IdentifiersTable = "ReferralIdentifiers";

    public const string SubmissionDocument = "submission";

    /// <summary>A table-key-safe, fixed-length key for a GP system's (system, value) pair.</summary>
    public static string IdentifierKey(string system, string value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{system}|{value}")));

    /// <summary>Reserves the identifier for a new referral. Returns null when this call made the reservation,
    /// or the reservation that was already there.</summary>
    public async Task<IdentifierReservation?> TryReserveAsync(IdentifierReservation reservation, string system, string value, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(ReferralStore.IdentifiersTable);
        var entity = new TableEntity(reservation.PracticeOds, reservation.IdentifierKey)
        {
            ["ReferralId"] = reservation.ReferralId,
            ["TaskId"] = reservation.TaskId,
            ["ContentHash"] = reservation.ContentHash,
            ["Stored"] = false,
            ["ReservedAt"] = reservation.ReservedAt,
            ["ClaimedAt"] = reservation.ClaimedAt,
            ["IdentifierSystem"] = system,
            ["IdentifierValue"] = value,
        };
        try
        {
            await table.AddEntityAsync(entity, cancellationToken);
            return null;
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.Conflict)
        {
            return await GetReservationAsync(reservation.PracticeOds, reservation.IdentifierKey, cancellationToken)
                   ?? throw new InvalidOperationException("An identifier reservation vanished while being read.", ex);
        }
    }

    public async Task<IdentifierReservation?> GetReservationAsync(string practiceOds, string identifierKey, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(ReferralStore.IdentifiersTable);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(practiceOds, identifierKey, cancellationToken: cancellationToken);
        return row.HasValue ? ToReservation(row.Value!) : null;
    }

    /// <summary>Takes over a reservation whose first caller never finished, if nobody else took it first (ETag).</summary>
    public async Task<bool> TryClaimAsync(IdentifierReservation reservation, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(ReferralStore.IdentifiersTable);
        var entity = new TableEntity(reservation.PracticeOds, reservation.IdentifierKey) { ["ClaimedAt"] = now };
        try
        {
            await table.UpdateEntityAsync(entity, reservation.ETag, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.PreconditionFailed)
        {
            return false;
        }
    }

    public async Task MarkStoredAsync(IdentifierReservation reservation, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(ReferralStore.IdentifiersTable);
        var entity = new TableEntity(reservation.PracticeOds, reservation.IdentifierKey) { ["Stored"] = true };
        await table.UpdateEntityAsync(entity, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    /// <summary>Writes the referral's documents, then its row: the row is the commit point, so a reader never finds a
    /// referral whose documents are missing. Idempotent; also writes a new version after a change by the practice.</summary>
    public async Task SaveAsync(ReferralRecord record, string submissionJson, CancellationToken cancellationToken = default)
    {
        var chunks = await documents.WriteAsync(record.ReferralId, SubmissionDocument, submissionJson, cancellationToken);
        var table = await tables.GetAsync(ReferralStore.Table);
        var entity = new TableEntity(record.PracticeOds, record.ReferralId)
        {
            ["TaskId"] = record.TaskId,
            ["IdentifierSystem"] = record.IdentifierSystem,
            ["IdentifierValue"] = record.IdentifierValue,
            ["ContentHash"] = record.ContentHash,
            ["Status"] = record.Status,
            ["Channel"] = record.Channel,
            ["VersionId"] = record.VersionId,
            ["LastUpdated"] = record.LastUpdated,
            ["DocumentChunks"] = chunks,
        };
        await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<ReferralRecord?> GetAsync(string practiceOds, string referralId, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(practiceOds) || !TableKeys.IsSafe(referralId))
        {
            return null;
        }

        var table = await tables.GetAsync(ReferralStore.Table);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(practiceOds, referralId, cancellationToken: cancellationToken);
        return row.HasValue ? ToRecord(row.Value!) : null;
    }

    /// <summary>Finds a referral among the practices a caller acts for: a point read per practice, never a scan.</summary>
    public async Task<ReferralRecord?> FindAsync(IEnumerable<string> practiceOdsCodes, string referralId, CancellationToken cancellationToken = default)
    {
        foreach (var ods in practiceOdsCodes)
        {
            if (await GetAsync(ods, referralId, cancellationToken) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    public Task<string?> ReadSubmissionAsync(ReferralRecord record, CancellationToken cancellationToken = default) =>
        documents.ReadAsync(record.ReferralId, SubmissionDocument, record.DocumentChunks, cancellationToken);

    /// <summary>Every stored referral's (practice, referral id), for the evidence snapshot.</summary>
    public async IAsyncEnumerable<(string PracticeOds, string ReferralId)> AllKeysAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(ReferralStore.Table);
        await foreach (var row in table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            yield return (row.PartitionKey, row.RowKey);
        }
    }

    public async Task<int> CountAsync(CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(ReferralStore.Table);
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(select: ["RowKey"], cancellationToken: cancellationToken))
        {
            count++;
        }

        return count;
    }

    private static IdentifierReservation ToReservation(TableEntity e) => new(
        e.PartitionKey,
        e.RowKey,
        e.GetString("ReferralId"),
        e.GetString("TaskId"),
        e.GetString("ContentHash"),
        e.GetBoolean("Stored") ?? false,
        e.GetDateTimeOffset("ReservedAt") ?? default,
        e.GetDateTimeOffset("ClaimedAt") ?? default,
        e.ETag);

    private static ReferralRecord ToRecord(TableEntity e) => new(
        e.RowKey,
        e.PartitionKey,
        e.GetString("TaskId"),
        e.GetString("IdentifierSystem"),
        e.GetString("IdentifierValue"),
        e.GetString("ContentHash"),
        e.GetString("Status"),
        e.GetString("Channel"),
        e.GetInt32("VersionId") ?? 1,
        e.GetDateTimeOffset("LastUpdated") ?? default,
        e.GetInt32("DocumentChunks") ?? 1);
}

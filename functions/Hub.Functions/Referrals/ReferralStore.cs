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

    /// <summary>Writes a version of the referral: its document first, then its row, which is the commit point.
    /// <list type="bullet">
    /// <item>A small document (up to <see cref="DocumentStore.InlineChars"/>) goes in the row itself: one write.</item>
    /// <item>A larger one is written under a new version key (<c>submission-v{version}-{random}</c>), never over the
    /// version a reader may be following; the row's pointer moves to it in the same write as the rest of the row.</item>
    /// <item>The row write is conditional: a first save inserts (a takeover of the same half-stored referral replaces
    /// what the earlier attempt wrote, conditional on its ETag); a later version replaces only the row it read
    /// (<see cref="ReferralRecord.ETag"/>), and throws <see cref="ReferralChangedException"/> when someone saved first.</item>
    /// <item>Then, best effort, the version no row points to any longer is deleted.</item>
    /// </list>
    /// A crash or failure at any point leaves the row pointing at a whole document: the old one or the new.</summary>
    /// <returns>The record as stored, with its new ETag.</returns>
    public Task<ReferralRecord> SaveAsync(ReferralRecord record, string submissionJson, CancellationToken cancellationToken = default) =>
        SaveAsync(record, submissionJson, noted: false, cancellationToken);

    /// <summary>The same; <paramref name="noted"/>: the caller notes the change itself (a first save whose audit entry,
    /// written beside it, notes the referral with its practice), so no note of its own.</summary>
    public async Task<ReferralRecord> SaveAsync(ReferralRecord record, string submissionJson, bool noted, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(submissionJson);
        var inline = submissionJson.Length <= DocumentStore.InlineChars ? submissionJson : null;
        string? name = null;
        var chunks = 0;
        if (inline is null)
        {
            name = $"{SubmissionDocument}-v{record.VersionId}-{Guid.NewGuid():N}";
            chunks = await documents.WriteAsync(record.ReferralId, name, submissionJson, cancellationToken);
        }

        var saved = record with { DocumentName = name, DocumentChunks = chunks, InlineDocument = inline };
        var table = await tables.GetAsync(ReferralStore.Table);
        if (!noted)
        {
            await new ReferralChanges(tables).NoteAsync(record.ReferralId, record.PracticeOds, cancellationToken: cancellationToken);
        }

        var replaced = record;
        try
        {
            Response response;
            if (record.ETag == default)
            {
                try
                {
                    response = await table.AddEntityAsync(ToEntity(saved), cancellationToken);
                }
                catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.Conflict)
                {
                    // Only a takeover of the same referral's first save gets here: replace what that attempt wrote.
                    replaced = await GetAsync(record.PracticeOds, record.ReferralId, cancellationToken) ?? record;
                    if (replaced.VersionId != record.VersionId || replaced.ContentHash != record.ContentHash)
                    {
                        throw new ReferralChangedException(record.ReferralId, ex);
                    }

                    response = await table.UpdateEntityAsync(ToEntity(saved), replaced.ETag, TableUpdateMode.Replace, cancellationToken);
                }
            }
            else
            {
                response = await table.UpdateEntityAsync(ToEntity(saved), record.ETag, TableUpdateMode.Replace, cancellationToken);
            }

            saved = saved with { ETag = response.Headers.ETag ?? default };
        }
        catch (Exception ex) when (ex is RequestFailedException or ReferralChangedException)
        {
            // The new version was never pointed to: it is nobody's, so it goes (best effort).
            if (name is not null)
            {
                await documents.DeleteAsync(record.ReferralId, name, chunks, CancellationToken.None);
            }

            if (ex is RequestFailedException { Status: (int)HttpStatusCode.PreconditionFailed } changed)
            {
                throw new ReferralChangedException(record.ReferralId, changed);
            }

            throw;
        }

        if (replaced.InlineDocument is null && replaced.DocumentChunks > 0 && replaced.DocumentName != name)
        {
            await documents.DeleteAsync(record.ReferralId, replaced.DocumentName ?? SubmissionDocument, replaced.DocumentChunks, cancellationToken);
        }

        return saved;
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

    public async Task<string?> ReadSubmissionAsync(ReferralRecord record, CancellationToken cancellationToken = default) =>
        (await ReadVersionAsync(record, cancellationToken))?.Json;

    /// <summary>The referral's document as a whole, with the row it belongs to. A row read before a newer version was
    /// saved may point at chunks already deleted: then the row is read again and its version returned, so a reader
    /// always gets one whole referral (and the record that goes with it). Null when the referral has no row.</summary>
    public async Task<(ReferralRecord Record, string Json)?> ReadVersionAsync(ReferralRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var current = record;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var json = current.InlineDocument
                       ?? await documents.ReadAsync(current.ReferralId, current.DocumentName ?? SubmissionDocument, current.DocumentChunks, cancellationToken);
            if (json is not null)
            {
                return (current, json);
            }

            var reread = await GetAsync(current.PracticeOds, current.ReferralId, cancellationToken);
            if (reread is null || (reread.ETag == current.ETag && reread.ETag != default))
            {
                return null;
            }

            current = reread;
        }

        return null;
    }

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

    private static TableEntity ToEntity(ReferralRecord record)
    {
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
            ["DocumentChunks"] = record.DocumentChunks,
        };
        if (record.DocumentName is not null)
        {
            entity["DocumentName"] = record.DocumentName;
        }

        if (record.InlineDocument is not null)
        {
            entity["Json"] = record.InlineDocument;
        }

        return entity;
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
        e.GetInt32("DocumentChunks") ?? 1,
        e.GetString("DocumentName"),
        e.GetString("Json"),
        e.ETag);
}

/// <summary>Someone saved a newer version of the referral between this caller's read and its save: nothing of this
/// caller's version was kept. Read again and decide again.</summary>
public sealed class ReferralChangedException(string referralId, Exception inner)
    : InvalidOperationException($"Referral {referralId} was changed by someone else while being saved.", inner);

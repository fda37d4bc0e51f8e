using System.Globalization;
using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using Hub.Platform.Storage;

namespace Hub.Referrals;

/// <summary>One referral noted as changed: its id, its practice when the writer knew it, and when it was noted.</summary>
public sealed record ReferralChange(string ReferralId, string? PracticeOds, DateTimeOffset At);

/// <summary>Which referrals changed when: one small row per referral per hour it changed in (partition the hour
/// <c>yyyyMMddHH</c>, row the referral id), written by the stores at the moment they append an audit event, save a
/// referral, store survey answers or save a link worker's episode. A repeat of the same write is the same upsert, so a
/// step that runs twice notes its referral once. A reader of changes (the nightly evidence update) reads only the hours
/// after its watermark, one partition each, never a whole table; its work follows the day's changes, not the history.
/// The row is written <em>before</em> the change it announces: a failed write leaves a note about nothing (harmless:
/// the reader finds nothing new), never a change nobody noted. Ids and codes only.</summary>
public sealed class ReferralChanges(HubTables tables)
{
    public const string Table = "ReferralChanges";

    /// <summary>The clock of the notes and of their readers' watermarks: the machine's, not the hub's
    /// <see cref="TimeProvider"/> (tests and demos move that one); readers allow an overlap for clocks between instances.</summary>
    public static DateTimeOffset Now() => TimeProvider.System.GetUtcNow();

    /// <summary>Notes that the referral changed now (merging: a note without a practice keeps the one already there).</summary>
    public async Task NoteAsync(string referralId, string? practiceOds = null, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(referralId))
        {
            return;
        }

        var table = await tables.GetAsync(Table);
        var at = Now();
        var entity = new TableEntity(Bucket(at), referralId) { ["At"] = at };
        if (practiceOds is not null)
        {
            entity["PracticeOds"] = practiceOds;
        }

        await table.UpsertEntityAsync(entity, TableUpdateMode.Merge, cancellationToken);
    }

    /// <summary>Notes many referrals at once (a bulk import, a migration): the same rows as one note each, written in
    /// entity-group transactions of the current hour's partition.</summary>
    public async Task NoteAsync(IReadOnlyCollection<(string ReferralId, string? PracticeOds)> referrals, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var at = Now();
        var actions = referrals.Where(r => TableKeys.IsSafe(r.ReferralId)).DistinctBy(r => r.ReferralId, StringComparer.Ordinal).Select(r =>
        {
            var entity = new TableEntity(Bucket(at), r.ReferralId) { ["At"] = at };
            if (r.PracticeOds is not null)
            {
                entity["PracticeOds"] = r.PracticeOds;
            }

            return new TableTransactionAction(TableTransactionActionType.UpsertMerge, entity);
        });
        await Parallel.ForEachAsync(actions.Chunk(100), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (chunk, ct) =>
            await table.SubmitTransactionAsync(chunk, ct));
    }

    /// <summary>The referrals noted at or after <paramref name="since"/>: one query per hour from then to now, each
    /// within its hour's partition. A referral noted in several hours comes once per hour.</summary>
    public async IAsyncEnumerable<ReferralChange> SinceAsync(DateTimeOffset since, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var end = Now();
        for (var hour = Hour(since); hour <= end; hour = hour.AddHours(1))
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Bucket(hour)} and At ge {since}");
            await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["RowKey", "PracticeOds", "At"], cancellationToken: cancellationToken))
            {
                yield return new ReferralChange(row.RowKey, row.GetString("PracticeOds"), row.GetDateTimeOffset("At") ?? hour);
            }
        }
    }

    /// <summary>The partition of the hour a moment falls in.</summary>
    public static string Bucket(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);

    private static DateTimeOffset Hour(DateTimeOffset at) => new(at.UtcDateTime.Year, at.UtcDateTime.Month, at.UtcDateTime.Day, at.UtcDateTime.Hour, 0, 0, TimeSpan.Zero);
}

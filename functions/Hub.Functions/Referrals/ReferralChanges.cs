using System.Globalization;
using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using Hub.Platform.Storage;

namespace Hub.Referrals;

/// <summary>One referral noted as changed: its id, its practice when the writer knew it, when it was noted, the
/// audit entries appended for it in that hour (ids and codes, as the audit trail holds them), and which of its other
/// sources were written in that hour since the time asked for.</summary>
public sealed record ReferralChange(string ReferralId, string? PracticeOds, DateTimeOffset At, IReadOnlyList<AuditEntry> Events)
{
    public IReadOnlySet<NotedSource> Sources { get; init; } = new HashSet<NotedSource>();
}

/// <summary>A note to write: the referral, its practice when known, the audit entry just appended (with its row key),
/// and the source beside the audit trail about to be written, when it is one.</summary>
public sealed record ReferralNote(string ReferralId, string? PracticeOds = null, AuditEntry? Entry = null, string? EntryKey = null, NotedSource? Source = null);

/// <summary>What a referral's evidence is read from besides its audit trail. A note names the one it announces, so a
/// reader that kept a copy of a source reads it again only when a note says it was written.</summary>
public enum NotedSource
{
    /// <summary>A survey's answers (baseline or follow-up).</summary>
    Answers,

    /// <summary>A link worker's episode.</summary>
    Episode,
}

/// <summary>Which referrals changed when: one small row per referral per hour it changed in (partition the hour
/// <c>yyyyMMddHH</c>, row the referral id), written by the stores at the moment they append an audit event, save a
/// referral, store survey answers or save a link worker's episode. A repeat of the same write is the same upsert, so a
/// step that runs twice notes its referral once. A reader of changes (the nightly evidence update) reads only the hours
/// after its watermark, one partition each, never a whole table; its work follows the day's changes, not the history.
/// A referral's or its answers' note is written <em>before</em> the change it announces: a failed write leaves a note
/// about nothing (harmless: the reader finds nothing new), never a change nobody noted. An audit entry's note carries
/// the entry itself (one property per entry, named from its row key, so a repeat is the same property) and is written
/// just <em>after</em> the entry, so no note holds an entry the trail does not: a reader can take a referral's new
/// entries from the notes without reading its audit partition. Ids and codes only.</summary>
public sealed class ReferralChanges(HubTables tables)
{
    public const string Table = "ReferralChanges";

    /// <summary>The clock of the notes and of their readers' watermarks: the machine's, not the hub's
    /// <see cref="TimeProvider"/> (tests and demos move that one); readers allow an overlap for clocks between instances.</summary>
    public static DateTimeOffset Now() => TimeProvider.System.GetUtcNow();

    /// <summary>Notes that the referral changed now (merging: a note without a practice keeps the one already there).</summary>
    public Task NoteAsync(string referralId, string? practiceOds = null, NotedSource? source = null, CancellationToken cancellationToken = default) =>
        NoteAsync([new ReferralNote(referralId, practiceOds, Source: source)], cancellationToken);

    /// <summary>Notes many referrals at once (the audit trail's one entry; a bulk import): one merged row per referral
    /// in the current hour's partition, in entity-group transactions.</summary>
    public async Task NoteAsync(IReadOnlyCollection<ReferralNote> notes, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var at = Now();
        var actions = notes.Where(n => TableKeys.IsSafe(n.ReferralId)).GroupBy(n => n.ReferralId, StringComparer.Ordinal).Select(g =>
        {
            var entity = new TableEntity(Bucket(at), g.Key) { ["At"] = at };
            foreach (var note in g)
            {
                if (note.PracticeOds is not null)
                {
                    entity["PracticeOds"] = note.PracticeOds;
                }

                if (note is { Entry: { } entry, EntryKey: { } key })
                {
                    entity[EntryProperty(key)] = Spell(entry);
                }

                if (note.Source is { } source)
                {
                    // When, not whether: the hour's row is merged by later notes, so a reader compares this time with
                    // its own watermark rather than take the row's latest time for every source it names.
                    entity[SourceProperty(source)] = at;
                }
            }

            return new TableTransactionAction(TableTransactionActionType.UpsertMerge, entity);
        }).ToList();
        // One note (the usual case: one entry appended) is one plain merge; more go in transactions of 100.
        await Parallel.ForEachAsync(actions.Chunk(100), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (chunk, ct) =>
            await table.SubmitAsync(chunk, ct));
    }

    /// <summary>An audit entry in one string (event, actor, time, outcome): for notes and for readers' copies.</summary>
    public static string Spell(AuditEntry entry) =>
        string.Join('\u001f', entry.Event, entry.Actor, entry.At.UtcTicks.ToString(CultureInfo.InvariantCulture), entry.Outcome ?? string.Empty);

    public static AuditEntry Unspell(string referralId, string spelled)
    {
        var parts = spelled.Split('\u001f');
        return new AuditEntry(referralId, parts[0], parts[1], new DateTimeOffset(long.Parse(parts[2], CultureInfo.InvariantCulture), TimeSpan.Zero), parts[3].Length == 0 ? null : parts[3]);
    }

    // Stored property names, spelled here once (never from the enum's member names, which may be renamed).
    private static string SourceProperty(NotedSource source) => source switch
    {
        NotedSource.Answers => "WroteAnswersAt",
        NotedSource.Episode => "WroteEpisodeAt",
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, "Not a noted source."),
    };

    private static string EntryProperty(string entryKey) =>
        "E" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(entryKey)), 0, 12);

    /// <summary>The referrals noted at or after <paramref name="since"/>: one query per hour from then to now, each
    /// within its hour's partition. A referral noted in several hours comes once per hour.</summary>
    public async IAsyncEnumerable<ReferralChange> SinceAsync(DateTimeOffset since, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var end = Now();
        for (var hour = Hour(since); hour <= end; hour = hour.AddHours(1))
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Bucket(hour)} and At ge {since}");
            await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                var entries = row.Keys.Where(k => k.Length == 25 && k[0] == 'E').Select(k => Unspell(row.RowKey, row.GetString(k))).ToList();
                var sources = Enum.GetValues<NotedSource>().Where(s => row.GetDateTimeOffset(SourceProperty(s)) >= since).ToHashSet();
                yield return new ReferralChange(row.RowKey, row.GetString("PracticeOds"), row.GetDateTimeOffset("At") ?? hour, entries) { Sources = sources };
            }
        }
    }

    /// <summary>Deletes the notes of the hours from <paramref name="from"/> up to <paramref name="to"/>: a reader that has
    /// read past them tidies a span it will never read again (one partition per hour, in transactions).</summary>
    public async Task ForgetAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        for (var hour = Hour(from); hour < to; hour = hour.AddHours(1))
        {
            var keys = new List<TableTransactionAction>();
            await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Bucket(hour)}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
            {
                keys.Add(new TableTransactionAction(TableTransactionActionType.Delete, row, Azure.ETag.All));
            }

            foreach (var chunk in keys.Chunk(100))
            {
                await table.SubmitAsync(chunk, cancellationToken);
            }
        }
    }

    /// <summary>The partition of the hour a moment falls in.</summary>
    public static string Bucket(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);

    private static DateTimeOffset Hour(DateTimeOffset at) => new(at.UtcDateTime.Year, at.UtcDateTime.Month, at.UtcDateTime.Day, at.UtcDateTime.Hour, 0, 0, TimeSpan.Zero);
}

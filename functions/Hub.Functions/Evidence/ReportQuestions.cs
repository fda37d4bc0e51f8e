using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Hub.Platform.Storage;
using Microsoft.Extensions.Options;

namespace Hub.Evidence;

/// <summary>A report someone asked for, audited against every report inside it: the practices, the view (every offer's,
/// or one provider's) and the calendar block. <see cref="Key"/> names it in the kept reports and the store.</summary>
public sealed record ReportQuestion(string Key, string View, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<string> Practices)
{
    /// <summary>The question, hashed (a hub-wide key's practice list is long): the same whatever order the practices come in.</summary>
    public static string KeyOf(string view, DateTimeOffset? from, DateTimeOffset? to, IEnumerable<string> practices)
    {
        var question = string.Join('\n', view, from?.ToString("O", CultureInfo.InvariantCulture), to?.ToString("O", CultureInfo.InvariantCulture),
            string.Join(',', practices.Order(StringComparer.Ordinal)));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(question)));
    }
}

/// <summary>The audited reports asked for, each with when it was last asked and what its audit hid at the state of the
/// cells it was made at (table <c>ReportQuestions</c>, one entity per question). An audit is the costly part of a report
/// over a set of practices (seconds for tens of them), and its answer is a handful of figure keys: kept here, any
/// instance serves the same question at the same state without auditing again, and the nightly warm-up
/// (<see cref="EvidenceWarmUp"/>) audits the questions asked lately as soon as an update moves the state. Holds no
/// personal data: practice codes, a provider id, a period, keys of figures.</summary>
public sealed class ReportQuestions(HubTables tables, TimeProvider clock, IOptions<ReportingOptions> options)
{
    public const string Table = "ReportQuestions";

    /// <summary>What an answer was worked out from: the state of the cells, and the audit that worked it out (this build
    /// of the hub, under these disclosure settings). A deployment or a change of thresholds is a new audit, so an answer
    /// worked out before it is never applied after it.</summary>
    private string MadeAt(EvidenceState state) => $"{state.ETag}|{Build}|{Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(options.Value.Disclosure)))[..16]}";

    private static readonly string Build = typeof(ReportQuestions).Assembly.ManifestModule.ModuleVersionId.ToString("N");

    private const string Row = "question";

    /// <summary>A property holds 64 KB: a question longer than that (hundreds of practices, which are not audited by
    /// practice anyway) is not kept.</summary>
    private const int Largest = 30_000;

    /// <summary>What the audit hid for this question at this state of the cells, or null when it has not been worked out
    /// at that state by this build under these settings (never, or only at an earlier one: a hidden set is never used
    /// with other cells, nor by another audit).</summary>
    public async Task<IReadOnlySet<string>?> HiddenAsync(ReportQuestion question, EvidenceState state, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var found = await table.GetEntityIfExistsAsync<TableEntity>(question.Key, Row, select: ["State", "Hidden"], cancellationToken: cancellationToken);
        if (!found.HasValue || found.Value is not { } entity || entity.GetString("State") != MadeAt(state) || entity.GetString("Hidden") is not { } hidden)
        {
            return null;
        }

        return JsonSerializer.Deserialize<string[]>(hidden)?.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Notes that the question was asked now, and (when just worked out) what its audit hid at this state.</summary>
    public async Task AskedAsync(ReportQuestion question, EvidenceState state, IEnumerable<string>? hidden, CancellationToken cancellationToken = default)
    {
        var practices = string.Join(',', question.Practices);
        if (practices.Length > Largest)
        {
            return;
        }

        var entity = new TableEntity(question.Key, Row)
        {
            ["View"] = question.View,
            ["From"] = question.From.ToString("O", CultureInfo.InvariantCulture),
            ["To"] = question.To.ToString("O", CultureInfo.InvariantCulture),
            ["Practices"] = practices,
            ["AskedAt"] = clock.GetUtcNow(),
        };
        if (hidden is not null)
        {
            var keys = JsonSerializer.Serialize(hidden.Order(StringComparer.Ordinal));
            if (keys.Length <= Largest)
            {
                entity["State"] = MadeAt(state);
                entity["Hidden"] = keys;
            }
        }

        // A merge: noting an asking leaves the hidden set kept for the state.
        var table = await tables.GetAsync(Table);
        await table.UpsertEntityAsync(entity, TableUpdateMode.Merge, cancellationToken);
    }

    /// <summary>The questions asked since a time, the latest first, with whether their hidden set is for this state.</summary>
    public async Task<IReadOnlyList<(ReportQuestion Question, bool Current)>> AskedSinceAsync(DateTimeOffset since, EvidenceState state, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var asked = new List<(ReportQuestion, bool, DateTimeOffset)>();
        await foreach (var entity in table.QueryAsync<TableEntity>(e => e.RowKey == Row, cancellationToken: cancellationToken))
        {
            if (entity.GetDateTimeOffset("AskedAt") is not { } at || at < since
                || !DateTimeOffset.TryParse(entity.GetString("From"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var from)
                || !DateTimeOffset.TryParse(entity.GetString("To"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var to)
                || entity.GetString("View") is not { Length: > 0 } view || entity.GetString("Practices") is not { Length: > 0 } practices)
            {
                continue;
            }

            asked.Add((new ReportQuestion(entity.PartitionKey, view, from, to, practices.Split(',')), entity.GetString("State") == MadeAt(state), at));
        }

        return [.. asked.OrderByDescending(a => a.Item3).Select(a => (a.Item1, a.Item2))];
    }
}

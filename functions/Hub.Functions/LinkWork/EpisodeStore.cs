using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Hub.Platform.Storage;
using Hub.Referrals;

namespace Hub.LinkWork;

/// <summary>The Episodes table: one row per referral (partition the referral id, row <c>episode</c>). The person's words
/// (needs, what matters, goals, actions) and the wellbeing assessments' scores live here and nowhere else: never in the audit, durable history, logs or
/// telemetry. Written only with the ETag it was read with, so two forms made from the same version cannot both land.</summary>
public sealed class EpisodeStore(HubTables tables)
{
    public const string Table = "Episodes";
    private const string Row = "episode";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<Episode?> GetAsync(string referralId, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(referralId))
        {
            return null;
        }

        var table = await tables.GetAsync(Table);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(referralId, Row, cancellationToken: cancellationToken);
        return row.HasValue ? Read(row.Value!) : null;
    }

    /// <summary>Saves the episode if it still stands where it was read (its ETag; none for a first save).</summary>
    /// <returns>False when another change got there first.</returns>
    public async Task<bool> TrySaveAsync(Episode episode, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var entity = new TableEntity(episode.ReferralId, Row)
        {
            ["ServiceId"] = episode.ServiceId,
            ["PracticeOds"] = episode.PracticeOds,
            ["TaskId"] = episode.TaskId,
            ["Version"] = episode.Version,
            ["Started"] = episode.Started,
            ["Updated"] = episode.Updated,
            ["Contacts"] = JsonSerializer.Serialize(episode.Contacts, Json),
            ["Needs"] = JsonSerializer.Serialize(episode.Needs, Json),
            ["WhatMatters"] = episode.WhatMatters,
            ["Goals"] = JsonSerializer.Serialize(episode.Goals, Json),
            ["Assessments"] = JsonSerializer.Serialize(episode.Taken, Json),
            ["ReviewDate"] = episode.ReviewDate?.ToString("O", CultureInfo.InvariantCulture),
            ["Closed"] = episode.Closed?.Spelling(),
            ["ClosedAt"] = episode.ClosedAt,
            ["CloseApplied"] = episode.CloseApplied,
            ["ReviewReminded"] = episode.ReviewReminded?.ToString("O", CultureInfo.InvariantCulture),
            // For the caseload and the review pass: open episodes only, by service.
            ["Open"] = !episode.IsClosed,
        };
        try
        {
            await new ReferralChanges(tables).NoteAsync(episode.ReferralId, source: NotedSource.Episode, cancellationToken: cancellationToken);
            if (episode.ETag == default)
            {
                await table.AddEntityAsync(entity, cancellationToken);
            }
            else
            {
                await table.UpdateEntityAsync(entity, episode.ETag, TableUpdateMode.Replace, cancellationToken);
            }

            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }

    private static Episode Read(TableEntity r) => new(
        r.PartitionKey, r.GetString("ServiceId") ?? string.Empty, r.GetString("PracticeOds") ?? string.Empty, r.GetString("TaskId") ?? string.Empty,
        r.GetInt32("Version") ?? 0, r.GetDateTimeOffset("Started") ?? DateTimeOffset.MinValue, r.GetDateTimeOffset("Updated"),
        List<EpisodeContact>(r.GetString("Contacts")), List<EpisodeNeed>(r.GetString("Needs")), r.GetString("WhatMatters"), List<PlanGoal>(r.GetString("Goals")),
        Day(r.GetString("ReviewDate")), r.ETag, StoredSpelling.ParseOrNull<EpisodeCloseReason>(r.GetString("Closed")), r.GetDateTimeOffset("ClosedAt"),
        r.GetBoolean("CloseApplied") ?? false, Day(r.GetString("ReviewReminded")), List<EpisodeAssessment>(r.GetString("Assessments")));

    private static DateOnly? Day(string? stored) => stored is null ? null : DateOnly.ParseExact(stored, "O", CultureInfo.InvariantCulture);

    /// <summary>Marks what a change's effects did (the close applied, the reminder sent) without a version check: these
    /// flags only ever go one way.</summary>
    public async Task MarkAsync(string referralId, bool? closeApplied = null, DateOnly? reviewReminded = null, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var entity = new TableEntity(referralId, Row);
        if (closeApplied is { } applied)
        {
            entity["CloseApplied"] = applied;
        }

        if (reviewReminded is { } reminded)
        {
            entity["ReviewReminded"] = reminded.ToString("O", CultureInfo.InvariantCulture);
        }

        await table.UpdateEntityAsync(entity, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    /// <summary>Every open episode (a filtered pass over the table, for the review reminders and the caseload).</summary>
    public async IAsyncEnumerable<Episode> OpenAsync(string? serviceId = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var filter = serviceId is null
            ? TableClient.CreateQueryFilter($"RowKey eq {Row} and Open eq {true}")
            : TableClient.CreateQueryFilter($"RowKey eq {Row} and Open eq {true} and ServiceId eq {serviceId}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return Read(row);
        }
    }

    private static List<T> List<T>(string? json) => string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<List<T>>(json, Json) ?? [];
}

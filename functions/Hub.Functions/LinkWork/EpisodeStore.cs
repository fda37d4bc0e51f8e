using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Hub.Platform.Storage;

namespace Hub.LinkWork;

/// <summary>The Episodes table: one row per referral (partition the referral id, row <c>episode</c>). The person's words
/// (needs, what matters, goals, actions) live here and nowhere else: never in the audit, durable history, logs or
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
            ["ReviewDate"] = episode.ReviewDate?.ToString("O", CultureInfo.InvariantCulture),
        };
        try
        {
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
        r.GetString("ReviewDate") is { } review ? DateOnly.ParseExact(review, "O", CultureInfo.InvariantCulture) : null, r.ETag);

    private static List<T> List<T>(string? json) => string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<List<T>>(json, Json) ?? [];
}

using Azure.Data.Tables;
using Hub.Platform.Storage;

namespace Hub.Intake;

/// <summary>A queued referral the hub refused: the message id, when, and the OperationOutcome explaining why.</summary>
public sealed record Rejection(string MessageId, string PracticeOds, DateTimeOffset At, string OutcomeJson, string? IdentifierSystem, string? IdentifierValue);

/// <summary>Rejections of queued messages, one partition per practice so a practice reads its own.</summary>
public sealed class RejectionStore(HubTables tables)
{
    public const string Table = "Rejections";

    /// <summary>Messages whose practice could not be read at all are kept here, for operators only.</summary>
    public const string UnknownPractice = "_unknown";

    public async Task RecordAsync(Rejection rejection, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(RejectionStore.Table);
        var entity = new TableEntity(rejection.PracticeOds, TableKeys.IsSafe(rejection.MessageId) ? rejection.MessageId : Guid.NewGuid().ToString())
        {
            ["MessageId"] = rejection.MessageId,
            ["At"] = rejection.At,
            ["OutcomeJson"] = rejection.OutcomeJson,
            ["IdentifierSystem"] = rejection.IdentifierSystem,
            ["IdentifierValue"] = rejection.IdentifierValue,
        };
        // Upsert: the same message rejected twice (a redelivery) is one rejection.
        await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<IReadOnlyList<Rejection>> ListAsync(IEnumerable<string> practiceOdsCodes, int max, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(RejectionStore.Table);
        var found = new List<Rejection>();
        foreach (var ods in practiceOdsCodes)
        {
            await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == ods, cancellationToken: cancellationToken))
            {
                found.Add(new Rejection(row.GetString("MessageId"), ods, row.GetDateTimeOffset("At") ?? default, row.GetString("OutcomeJson"),
                    row.GetString("IdentifierSystem"), row.GetString("IdentifierValue")));
            }
        }

        return found.OrderByDescending(r => r.At).Take(max).ToList();
    }
}

using Azure.Data.Tables;
using Hub.Platform.Storage;

namespace Hub.Email;

/// <summary>The last time SendGrid refused the hub itself (key, sender, account), as every instance sees it.</summary>
/// <param name="StatusCode">SendGrid's HTTP status.</param>
/// <param name="Description">What went wrong, in an operator's words (no secrets, no addresses).</param>
public sealed record EmailServiceFault(int StatusCode, string Description, DateTimeOffset At)
{
    /// <summary>How <c>/api/health</c> says it.</summary>
    public string Problem => $"failing: {Description} ({StatusCode}) at {At:yyyy-MM-dd'T'HH:mm:ss'Z'}";

    /// <summary>The operator's words for a status SendGrid answered the hub with.</summary>
    public static string Describe(int statusCode) => statusCode switch
    {
        401 => "SendGrid refused the hub's API key",
        403 => "SendGrid refused the hub's sender or account (unverified sender or missing permission)",
        _ => "SendGrid refused the hub's request",
    };
}

/// <summary>Where the email service's health is kept: one row in the <c>EmailHealth</c> table, written when SendGrid
/// refuses the hub and removed at the next email SendGrid accepts, so <c>/api/health</c> on any instance names it.</summary>
public sealed class EmailHealth(HubTables tables, TimeProvider time)
{
    public const string Table = "EmailHealth";
    private const string Partition = "email";
    private const string Row = "last-service-fault";

    public async Task RecordFaultAsync(int statusCode, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        await table.UpsertEntityAsync(new TableEntity(Partition, Row)
        {
            ["StatusCode"] = statusCode,
            ["Description"] = EmailServiceFault.Describe(statusCode),
            ["At"] = time.GetUtcNow(),
        }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>Email works again: the fault is forgotten (a delete of a row not there succeeds).</summary>
    public async Task ClearAsync(CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        await table.DeleteEntityAsync(Partition, Row, cancellationToken: cancellationToken);
    }

    /// <summary>The last fault since email last worked, or null.</summary>
    public async Task<EmailServiceFault?> LastFaultAsync(CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, Row, cancellationToken: cancellationToken);
        return row.HasValue
            ? new EmailServiceFault(row.Value!.GetInt32("StatusCode") ?? 0, row.Value.GetString("Description") ?? EmailServiceFault.Describe(0), row.Value.GetDateTimeOffset("At") ?? default)
            : null;
    }
}

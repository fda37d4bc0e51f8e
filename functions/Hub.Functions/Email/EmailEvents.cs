using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Hub.Platform.Storage;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SendGrid.Helpers.EventWebhook;

namespace Hub.Email;

/// <summary>What the Event Webhook made of one delivery.</summary>
public enum EmailEventsAnswer
{
    /// <summary>Every event was handled now or earlier.</summary>
    Handled,

    /// <summary>No verification key is configured: the webhook is off.</summary>
    NotConfigured,

    /// <summary>The signature is missing or does not verify with the configured key.</summary>
    Forged,

    /// <summary>Signed, but the signed timestamp is too far from now: a replay.</summary>
    Stale,

    /// <summary>Signed and fresh, but not a JSON array of events.</summary>
    Malformed,
}

/// <param name="Events">Events in the delivery.</param>
/// <param name="Repeated">Events already handled by an earlier delivery, skipped now.</param>
public sealed record EmailEventsResult(EmailEventsAnswer Answer, int Events = 0, int Repeated = 0);

/// <summary>SendGrid's signed Event Webhook: verifies a delivery with the SendGrid library's own validator, then handles
/// each event once, whatever SendGrid repeats. An event is recorded (the <c>EmailEvents</c> table, by a hash of its
/// <c>sg_event_id</c>) only once its handling succeeded, so a failure answers 5xx and SendGrid's retry handles it again.
/// A bounce or drop marks the step bounced in the email log and goes to the slices' <see cref="IBouncedEmailHandler"/>s;
/// other events are recorded only.</summary>
public sealed partial class EmailEvents(
    IOptions<EmailOptions> options,
    HubTables tables,
    EmailSender sender,
    IEnumerable<IBouncedEmailHandler> handlers,
    TimeProvider time,
    ILogger<EmailEvents> logger)
{
    public const string Table = "EmailEvents";

    private readonly RequestValidator _validator = new();

    public bool IsConfigured => !string.IsNullOrWhiteSpace(options.Value.EventWebhookPublicKey);

    /// <summary>Whether the delivery is SendGrid's, signed now: the signature over the timestamp and the raw body, then the
    /// timestamp's distance from now.</summary>
    public EmailEventsAnswer? Refusal(string body, string? signature, string? timestamp)
    {
        if (!IsConfigured)
        {
            return EmailEventsAnswer.NotConfigured;
        }

        if (string.IsNullOrWhiteSpace(signature) || string.IsNullOrWhiteSpace(timestamp))
        {
            return EmailEventsAnswer.Forged;
        }

        bool verified;
        try
        {
            var key = _validator.ConvertPublicKeyToECDSA(options.Value.EventWebhookPublicKey!.Trim());
            verified = _validator.VerifySignature(key, body, signature.Trim(), timestamp.Trim());
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or IndexOutOfRangeException or InvalidOperationException or OverflowException)
        {
            verified = false;   // a signature that is not even base64 DER
        }

        if (!verified)
        {
            return EmailEventsAnswer.Forged;
        }

        if (!long.TryParse(timestamp.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            || (time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > options.Value.EventWebhookMaxAge)
        {
            return EmailEventsAnswer.Stale;
        }

        return null;
    }

    public async Task<EmailEventsResult> ReceiveAsync(string body, string? signature, string? timestamp, DurableTaskClient durable, CancellationToken cancellationToken = default)
    {
        if (Refusal(body, signature, timestamp) is { } refusal)
        {
            LogRefused(logger, refusal);
            return new EmailEventsResult(refusal);
        }

        List<JsonElement> events;
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind != JsonValueKind.Array || json.RootElement.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.Object))
            {
                return new EmailEventsResult(EmailEventsAnswer.Malformed);
            }

            events = [.. json.RootElement.EnumerateArray().Select(e => e.Clone())];
        }
        catch (JsonException)
        {
            return new EmailEventsResult(EmailEventsAnswer.Malformed);
        }

        var table = await tables.GetAsync(Table);
        var repeated = 0;
        foreach (var item in events)
        {
            var eventId = Text(item, "sg_event_id");
            if (eventId is null)
            {
                continue;   // SendGrid always names its events; one without an id cannot be told from its repeats
            }

            var (partition, row) = KeyOf(eventId);
            if ((await table.GetEntityIfExistsAsync<TableEntity>(partition, row, select: ["RowKey"], cancellationToken: cancellationToken)).HasValue)
            {
                repeated++;
                continue;
            }

            var name = EmailEventName.Of(Text(item, "event") ?? string.Empty);
            var referralId = Text(item, EmailSender.ReferralArg);
            var stepKey = Text(item, EmailSender.StepArg);
            if (name.IsUndeliverable && referralId is not null && stepKey is not null && TableKeys.IsSafe(referralId) && TableKeys.IsSafe(stepKey))
            {
                await HandleBounceAsync(new BouncedEmail(referralId, stepKey, name), durable, cancellationToken);
            }

            try
            {
                await table.AddEntityAsync(new TableEntity(partition, row)
                {
                    ["Event"] = name.Value.Length <= 40 ? name.Value : name.Value[..40],
                    ["ReferralId"] = referralId is not null && TableKeys.IsSafe(referralId) ? referralId : null,
                    ["StepKey"] = stepKey is not null && TableKeys.IsSafe(stepKey) ? stepKey : null,
                    ["At"] = time.GetUtcNow(),
                }, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                repeated++;   // a repeat of the same event handled beside this one; handlers are idempotent
            }
        }

        return new EmailEventsResult(EmailEventsAnswer.Handled, events.Count, repeated);
    }

    private async Task HandleBounceAsync(BouncedEmail bounce, DurableTaskClient durable, CancellationToken cancellationToken)
    {
        if (!await sender.MarkBouncedAsync(bounce.ReferralId, bounce.StepKey, $"SendGrid event: {bounce.Event.Value}", cancellationToken))
        {
            LogUnknownStep(logger, bounce.ReferralId, bounce.StepKey, bounce.Event.Value);
            return;   // not an email this hub's log knows: nothing to act on
        }

        LogBounced(logger, bounce.ReferralId, bounce.StepKey, bounce.Event.Value);
        foreach (var handler in handlers)
        {
            if (await handler.HandleAsync(bounce, durable, cancellationToken))
            {
                return;
            }
        }
    }

    private static string? Text(JsonElement item, string property) =>
        item.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString()) ? value.GetString() : null;

    /// <summary>SendGrid's event id may hold characters a table key cannot: the row is its hash, spread over partitions.</summary>
    private static (string Partition, string Row) KeyOf(string eventId)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(eventId)));
        return (hash[..2], hash);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SendGrid event delivery refused: {Refusal}")]
    private static partial void LogRefused(ILogger logger, EmailEventsAnswer refusal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Email for referral {ReferralId} step {StepKey} will not arrive: SendGrid reported {Event}")]
    private static partial void LogBounced(ILogger logger, string referralId, string stepKey, string @event);

    [LoggerMessage(Level = LogLevel.Information, Message = "SendGrid reported {Event} for referral {ReferralId} step {StepKey}, which the email log does not know")]
    private static partial void LogUnknownStep(ILogger logger, string referralId, string stepKey, string @event);
}

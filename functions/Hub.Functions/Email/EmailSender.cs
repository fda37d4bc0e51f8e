using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Data.Tables;
using Hub.Platform.Storage;
using Hub.Platform.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SendGrid;
using SendGrid.Helpers.Mail;
using Response = SendGrid.Response;

namespace Hub.Email;

/// <summary>Sends the hub's emails through SendGrid, once per (referral, step). Durable activities run at least once, so
/// every send is recorded in the <c>EmailLog</c> table and a step that already sent (or bounced) does not send again.
/// The log holds ids, status and time only: addresses, subjects and bodies are never stored or logged.</summary>
/// <remarks>Between SendGrid accepting an email and the log saying so there is one table write; a crash exactly there
/// sends the email again on retry. SendGrid has no idempotency key, so this is as close to once as sending gets.</remarks>
public sealed partial class EmailSender(
    ISendGridClient sendGrid,
    HubTables tables,
    EmailHealth health,
    IOptions<EmailOptions> options,
    TimeProvider time,
    ILogger<EmailSender> logger)
{
    public const string LogTable = "EmailLog";

    internal const string Sending = "sending";
    internal const string SentStatus = "sent";
    internal const string Bounced = "bounced";

    /// <summary>The custom arguments every email carries (ids and the step only), which SendGrid's Event Webhook hands back.</summary>
    public const string ReferralArg = "hub_referral_id";
    public const string StepArg = "hub_step_key";
    private const int MaxReasonLength = 200;

    private readonly EmailOptions _options = options.Value;

    /// <param name="referralId">The log's partition: one referral's emails together.</param>
    /// <param name="stepKey">Names the step within the referral (for example <c>provider-chase-1</c>); the same key never sends twice.</param>
    /// <exception cref="TransientEmailException">SendGrid was busy, failing or unreachable: retry the activity.</exception>
    /// <exception cref="EmailServiceFaultException">SendGrid refused the hub itself (key, sender, account): retry the
    /// activity; nothing is recorded as bounced and <see cref="EmailHealth"/> names the fault until an email goes.</exception>
    public async Task<EmailOutcome> SendOnceAsync(string referralId, string stepKey, EmailMessage message, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!TableKeys.IsSafe(referralId) || !TableKeys.IsSafe(stepKey))
        {
            throw new ArgumentException("Referral id and step key must be usable as table keys.");
        }

        var log = await tables.GetAsync(LogTable);
        var recorded = await ReadAsync(log, referralId, stepKey, ct);
        if (recorded?.GetString("Status") is SentStatus)
        {
            LogAlreadySent(logger, referralId, stepKey);
            return EmailOutcome.AlreadySent;
        }

        if (recorded?.GetString("Status") is Bounced)
        {
            return EmailOutcome.Rejected(recorded.GetInt32("StatusCode") ?? 0, recorded.GetString("Reason"));
        }

        await ClaimAsync(log, referralId, stepKey, recorded, ct);

        Response response;
        try
        {
            response = await sendGrid.SendEmailAsync(Compose(message, referralId, stepKey), ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is TaskCanceledException or HttpRequestException)
        {
            LogTransient(logger, referralId, stepKey, null);
            throw new TransientEmailException($"SendGrid did not answer for referral {referralId} step {stepKey}.", null, null, ex);
        }

        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            await RecordAsync(log, referralId, stepKey, SentStatus, status, reason: null, ct);
            LogSent(logger, referralId, stepKey, status);
            await health.ClearAsync(ct);
            return EmailOutcome.Sent;
        }

        if (status == (int)HttpStatusCode.TooManyRequests || status >= 500)
        {
            LogTransient(logger, referralId, stepKey, status);
            throw new TransientEmailException($"SendGrid answered {status} for referral {referralId} step {stepKey}.", status, RetryAfter(response));
        }

        var (reason, recipientRefused) = await ReadErrorAsync(response, ct);
        if (!recipientRefused)
        {
            // The hub's fault, not the recipient's: the step stays sendable ("sending") and is retried, then held.
            HubTelemetry.EmailServiceFaults.Add(1, new KeyValuePair<string, object?>("status", status));
            LogServiceFault(logger, referralId, stepKey, status);
            await health.RecordFaultAsync(status, ct);
            throw new EmailServiceFaultException($"{EmailServiceFault.Describe(status)} ({status}) for referral {referralId} step {stepKey}.", status);
        }

        await RecordAsync(log, referralId, stepKey, Bounced, status, reason, ct);
        LogRejected(logger, referralId, stepKey, status);
        return EmailOutcome.Rejected(status, reason);
    }

    /// <summary>Marks a step bounced after it was sent: SendGrid's Event Webhook said the address bounced or was dropped.
    /// A later run of the step then sends nothing and returns the rejection. Ids and the event's status only.</summary>
    /// <returns>False when the log has no such step (an email the hub never sent, or one from before the log).</returns>
    public async Task<bool> MarkBouncedAsync(string referralId, string stepKey, string? reason, CancellationToken ct = default)
    {
        if (!TableKeys.IsSafe(referralId) || !TableKeys.IsSafe(stepKey))
        {
            return false;
        }

        var log = await tables.GetAsync(LogTable);
        var recorded = await ReadAsync(log, referralId, stepKey, ct);
        if (recorded is null)
        {
            return false;
        }

        if (recorded.GetString("Status") is not Bounced)
        {
            await RecordAsync(log, referralId, stepKey, Bounced, recorded.GetInt32("StatusCode") ?? 0, Clean(reason), ct);
        }

        return true;
    }

    /// <summary>A step already recorded as bounced (at send time, or by the Event Webhook).</summary>
    public async Task<EmailOutcome?> BouncedAsync(string referralId, string stepKey, CancellationToken ct = default)
    {
        if (!TableKeys.IsSafe(referralId) || !TableKeys.IsSafe(stepKey))
        {
            return null;
        }

        var recorded = await ReadAsync(await tables.GetAsync(LogTable), referralId, stepKey, ct);
        return recorded?.GetString("Status") is Bounced ? EmailOutcome.Rejected(recorded.GetInt32("StatusCode") ?? 0, recorded.GetString("Reason")) : null;
    }

    private SendGridMessage Compose(EmailMessage message, string referralId, string stepKey)
    {
        var msg = MailHelper.CreateSingleEmail(
            new EmailAddress(_options.FromEmail, _options.FromName),
            new EmailAddress(message.ToEmail, message.ToName),
            message.Subject,
            message.PlainText,
            message.Html);
        // The emails carry signed links; SendGrid's click tracking would rewrite them through its own redirect.
        msg.SetClickTracking(false, false);
        // Ids and the step only: SendGrid's events carry them back, so a later bounce finds its step.
        msg.AddCustomArg(ReferralArg, referralId);
        msg.AddCustomArg(StepArg, stepKey);
        return msg;
    }

    private static async Task<TableEntity?> ReadAsync(TableClient log, string referralId, string stepKey, CancellationToken ct)
    {
        var row = await log.GetEntityIfExistsAsync<TableEntity>(referralId, stepKey, cancellationToken: ct);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>Marks the step as sending, conditionally: a new row is added, an earlier attempt's row is replaced only if
    /// unchanged. Losing either race means another run of the same step is sending right now, so this one backs off.</summary>
    private async Task ClaimAsync(TableClient log, string referralId, string stepKey, TableEntity? recorded, CancellationToken ct)
    {
        var row = new TableEntity(referralId, stepKey) { ["Status"] = Sending, ["At"] = time.GetUtcNow() };
        try
        {
            if (recorded is null)
            {
                await log.AddEntityAsync(row, ct);
            }
            else
            {
                await log.UpdateEntityAsync(row, recorded.ETag, TableUpdateMode.Replace, ct);
            }
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            LogConcurrent(logger, referralId, stepKey);
            throw new TransientEmailException($"Another attempt is sending referral {referralId} step {stepKey}.", ex);
        }
    }

    private async Task RecordAsync(TableClient log, string referralId, string stepKey, string status, int statusCode, string? reason, CancellationToken ct)
    {
        var row = new TableEntity(referralId, stepKey)
        {
            ["Status"] = status,
            ["At"] = time.GetUtcNow(),
            ["StatusCode"] = statusCode,
            ["Reason"] = reason,
        };
        // Once SendGrid has answered, the answer is recorded whatever else happened to the row meanwhile.
        await log.UpsertEntityAsync(row, TableUpdateMode.Replace, ct);
    }

    private static TimeSpan? RetryAfter(Response response) =>
        response.Headers?.RetryAfter is { } retryAfter
            ? retryAfter.Delta ?? (retryAfter.Date is { } date ? date - DateTimeOffset.UtcNow : null)
            : null;

    /// <summary>SendGrid's <c>errors[0].message</c>, shortened, with anything that looks like an address taken out (the
    /// reason is stored and shown to staff, and must not carry the patient's address); and whether any error names a
    /// recipient's field (<c>personalizations.0.to.0.email</c>): only then is the refusal the recipient's, not the hub's.</summary>
    private static async Task<(string? Reason, bool RecipientRefused)> ReadErrorAsync(Response response, CancellationToken ct)
    {
        string? text = null;
        var recipient = false;
        try
        {
            if (response.Body is { } body)
            {
                using var json = JsonDocument.Parse(await body.ReadAsStringAsync(ct));
                if (json.RootElement.ValueKind == JsonValueKind.Object
                    && json.RootElement.TryGetProperty("errors", out var errors)
                    && errors.ValueKind == JsonValueKind.Array)
                {
                    foreach (var error in errors.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object))
                    {
                        if (text is null && error.TryGetProperty("message", out var messageText) && messageText.ValueKind == JsonValueKind.String)
                        {
                            text = messageText.GetString();
                        }

                        if (error.TryGetProperty("field", out var field) && field.ValueKind == JsonValueKind.String && RecipientField().IsMatch(field.GetString()!))
                        {
                            recipient = true;
                        }
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not SendGrid's error shape: it names no recipient, so it is not the recipient's fault.
        }

        return (Clean(text), recipient && (int)response.StatusCode == (int)HttpStatusCode.BadRequest);
    }

    private static string? Clean(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = AddressPattern().Replace(text.Trim(), "[address]");
        return text.Length <= MaxReasonLength ? text : text[..MaxReasonLength];
    }

    /// <summary>A recipient's field in SendGrid's v3 error shape: <c>personalizations.N.to</c>, <c>.cc</c> or <c>.bcc</c>, with
    /// or without the item and its <c>email</c>.</summary>
    [GeneratedRegex(@"^personalizations\.\d+\.(to|cc|bcc)(\.\d+(\.email)?)?$")]
    private static partial Regex RecipientField();

    [GeneratedRegex(@"[^\s@'""<>(),;:]+@[^\s@'""<>(),;:]+")]
    private static partial Regex AddressPattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "Email for referral {ReferralId} step {StepKey} sent ({StatusCode})")]
    private static partial void LogSent(ILogger logger, string referralId, string stepKey, int statusCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Email for referral {ReferralId} step {StepKey} was already sent; not sending again")]
    private static partial void LogAlreadySent(ILogger logger, string referralId, string stepKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Email for referral {ReferralId} step {StepKey} failed transiently ({StatusCode}); it will be retried")]
    private static partial void LogTransient(ILogger logger, string referralId, string stepKey, int? statusCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Email for referral {ReferralId} step {StepKey} was rejected by SendGrid ({StatusCode})")]
    private static partial void LogRejected(ILogger logger, string referralId, string stepKey, int statusCode);

    [LoggerMessage(Level = LogLevel.Error, Message = "Email for referral {ReferralId} step {StepKey} was refused by SendGrid for the hub's own fault ({StatusCode}): key, sender or account; the step is retried, not bounced")]
    private static partial void LogServiceFault(ILogger logger, string referralId, string stepKey, int statusCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Email for referral {ReferralId} step {StepKey} is being sent by another attempt")]
    private static partial void LogConcurrent(ILogger logger, string referralId, string stepKey);
}

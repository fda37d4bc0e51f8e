using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hub.Email;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Email;

/// <summary>Signs Event Webhook deliveries as SendGrid does: ECDSA P-256 with SHA-256 over the timestamp followed by the
/// raw body, the DER signature in base64; the verification key is the public key's SubjectPublicKeyInfo in base64, as
/// SendGrid's settings page shows it.</summary>
public sealed class SendGridSigner : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string PublicKey => Convert.ToBase64String(_key.ExportSubjectPublicKeyInfo());

    public string Sign(string timestamp, string body) =>
        Convert.ToBase64String(_key.SignData(Encoding.UTF8.GetBytes(timestamp + body), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

    public void Dispose() => _key.Dispose();
}

public static class SignedEvents
{
    /// <summary>One SendGrid event as the webhook posts it: SendGrid's fields, the email's custom arguments at the top.</summary>
    public static Dictionary<string, object?> Event(string eventName, string? referralId, string? stepKey, string? eventId = null) => new()
    {
        ["email"] = "someone@example.org",
        ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["event"] = eventName,
        ["sg_event_id"] = eventId ?? Convert.ToBase64String(Guid.NewGuid().ToByteArray()) + "/x+",
        ["sg_message_id"] = "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
        ["reason"] = eventName == "bounce" ? "550 5.1.1 The email account that you tried to reach does not exist." : null,
        ["type"] = eventName == "bounce" ? "bounce" : null,
        [EmailSender.ReferralArg] = referralId,
        [EmailSender.StepArg] = stepKey,
    };

    public static string Body(params Dictionary<string, object?>[] events) => JsonSerializer.Serialize(events);

    /// <summary>Posts a delivery to <c>POST /api/email/events</c>, signed by <paramref name="signer"/> at <paramref name="signedAt"/>
    /// (now by default), or with the headers given.</summary>
    public static async Task<HttpAnswer> PostAsync(TestHub hub, SendGridSigner? signer, string body, DateTimeOffset? signedAt = null, string? signedBody = null)
    {
        var request = HttpCall.Request("POST", "/api/email/events", TestHub.Utf8(body), "application/json");
        if (signer is not null)
        {
            var timestamp = (signedAt ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            request.Headers["X-Twilio-Email-Event-Webhook-Signature"] = signer.Sign(timestamp, signedBody ?? body);
            request.Headers["X-Twilio-Email-Event-Webhook-Timestamp"] = timestamp;
        }

        return await TestHub.CallAsync(request, r => hub.Function<EmailEventsHttp>().Receive(r, hub.Durable));
    }

    /// <summary>The step a recorded email was sent for (its SendGrid custom argument).</summary>
    public static string? StepOf(RecordedEmail email)
    {
        using var json = JsonDocument.Parse(email.Body);
        return json.RootElement.GetProperty("personalizations")[0].TryGetProperty("custom_args", out var args) && args.TryGetProperty(EmailSender.StepArg, out var step)
            ? step.GetString()
            : null;
    }
}

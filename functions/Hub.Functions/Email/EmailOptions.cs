namespace Hub.Email;

/// <summary>How the hub reaches SendGrid. The key comes from Key Vault in Azure; <see cref="Host"/> exists so tests can
/// point the real client at a local sink instead of mocking it.</summary>
public sealed class EmailOptions
{
    public const string Section = "SendGrid";

    public string? ApiKey { get; set; }

    /// <summary>Overrides the SendGrid API host (for example <c>http://127.0.0.1:5123</c>); empty means SendGrid itself.</summary>
    public string? Host { get; set; }

    public string FromEmail { get; set; } = "no-reply@social-prescribing-hub.nhs.example";

    public string FromName { get; set; } = "Social Prescribing Hub";

    /// <summary>The Signed Event Webhook's verification key (SendGrid: Settings → Mail Settings → Event Webhook), base64
    /// as SendGrid shows it. Empty leaves <c>POST /api/email/events</c> answering 404.</summary>
    public string? EventWebhookPublicKey { get; set; }

    /// <summary>How far an event's signed timestamp may be from now before it is refused as a replay.</summary>
    public TimeSpan EventWebhookMaxAge { get; set; } = TimeSpan.FromMinutes(10);
}

namespace Hub.Email;

/// <summary>An event SendGrid's Event Webhook reports, as SendGrid spells it (<c>processed</c>, <c>delivered</c>,
/// <c>bounce</c>, <c>dropped</c>, <c>deferred</c>, <c>open</c>…).</summary>
public readonly record struct EmailEventName
{
    private EmailEventName(string value) => Value = value;

    public string Value { get; }

    /// <summary>The receiving server refused the address for good.</summary>
    public static EmailEventName Bounce => new("bounce");

    /// <summary>SendGrid would not send to the address (an earlier bounce, an invalid address, a suppression).</summary>
    public static EmailEventName Dropped => new("dropped");

    /// <summary>The email will never reach the address: the step is marked bounced and handed to its slice.</summary>
    public bool IsUndeliverable => this == Bounce || this == Dropped;

    public static EmailEventName Of(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}

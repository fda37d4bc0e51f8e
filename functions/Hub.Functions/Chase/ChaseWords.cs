using System.Text.Json.Serialization;
using Hub.Referrals;

namespace Hub.Chase;

// The chase's words, as its tables, durable history and audit lines spell them.

/// <summary>One step of the chase for one provider: <c>offer</c>, <c>reminder-1</c>, <c>reminder-2</c>…,
/// <c>escalation</c>, <c>expired</c>, or <c>email-rejected</c> (the offer's email was refused).</summary>
[JsonConverter(typeof(StoredTextJsonConverter<ChaseStepName>))]
public readonly record struct ChaseStepName : IStoredText<ChaseStepName>
{
    private const string ReminderPrefix = "reminder-";

    private ChaseStepName(string value) => Value = value;

    public string Value { get; }

    public static ChaseStepName Offer => new("offer");
    public static ChaseStepName Escalation => new("escalation");
    public static ChaseStepName Expired => new("expired");
    public static ChaseStepName EmailRejected => new("email-rejected");

    /// <param name="number">1 for the first reminder.</param>
    public static ChaseStepName Reminder(int number) => new($"{ReminderPrefix}{number}");

    public bool IsReminder => Value?.StartsWith(ReminderPrefix, StringComparison.Ordinal) == true;

    public static ChaseStepName FromStored(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}

/// <summary>Where the chase is (the Chases table's <c>Step</c>): the accept/decline page reads it to tell a live link
/// from a superseded one.</summary>
public readonly record struct ChaseStage : IStoredText<ChaseStage>
{
    private ChaseStage(string value) => Value = value;

    public string Value { get; }

    public static ChaseStage Routed => new("routed");
    public static ChaseStage NoProvider => new("no-provider");
    public static ChaseStage Accepted => new("accepted");
    public static ChaseStage Rejected => new("rejected");
    public static ChaseStage Withdrawn => new("withdrawn");

    /// <summary>A provider holds the offer at this step.</summary>
    public static ChaseStage At(ChaseStepName step) => new(step.Value);

    /// <summary>Between providers: the one who declined no longer holds it.</summary>
    public static ChaseStage DeclinedBy(string providerId) => new($"declined-{providerId}");

    /// <summary>Accepted or rejected: no provider's link can change it now.</summary>
    public bool IsDecided => this == Accepted || this == Rejected;

    public static ChaseStage FromStored(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}

/// <summary>The reasons a provider may give on the decline page, in the page's order.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeclineReason>))]
public enum DeclineReason
{
    [JsonStringEnumMemberName("no-capacity")] NoCapacity,
    [JsonStringEnumMemberName("not-suitable")] NotSuitable,
    [JsonStringEnumMemberName("out-of-area")] OutOfArea,
    [JsonStringEnumMemberName("other")] Other,
}

public static class DeclineReasons
{
    /// <summary>The words the provider picks from.</summary>
    public static string Label(this DeclineReason reason) => reason switch
    {
        DeclineReason.NoCapacity => "We have no space at the moment",
        DeclineReason.NotSuitable => "Our service is not suitable for this person",
        DeclineReason.OutOfArea => "The person lives outside our area",
        DeclineReason.Other => "Another reason",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    /// <summary>The same reason in a report's words.</summary>
    public static string Summary(this DeclineReason reason) => reason switch
    {
        DeclineReason.NoCapacity => "no space",
        DeclineReason.NotSuitable => "not suitable",
        DeclineReason.OutOfArea => "out of area",
        DeclineReason.Other => "another reason",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}

/// <summary>Why one provider did not take the referral: a reason they gave, or what happened instead of an answer.</summary>
[JsonConverter(typeof(StoredTextJsonConverter<DeclineCode>))]
public readonly record struct DeclineCode : IStoredText<DeclineCode>
{
    private DeclineCode(string value) => Value = value;

    public string Value { get; }

    /// <summary>The provider never answered and the offer expired.</summary>
    public static DeclineCode NoResponse => new("no-response");

    /// <summary>The provider's address was refused by the mail service.</summary>
    public static DeclineCode EmailRejected => new("email-rejected");

    /// <summary>Declined without a reason.</summary>
    public static DeclineCode Unspecified => new("unspecified");

    public static DeclineCode Of(DeclineReason? reason) => reason is { } r ? new(r.Spelling()) : Unspecified;

    /// <summary>The provider's own reason, when they gave one.</summary>
    public DeclineReason? Reason => StoredSpelling.ParseOrNull<DeclineReason>(Value);

    /// <summary>Why, in a report's words; a code this version does not know is shown as it is stored.</summary>
    public string Summary =>
        Reason?.Summary() ?? (this == NoResponse ? "no answer before the offer expired" : this == EmailRejected ? "email address refused" : Value);

    public static DeclineCode FromStored(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}

/// <summary>Why the chase ended without an acceptance (<see cref="ChaseEnd"/>'s reason).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChaseEndReason>))]
public enum ChaseEndReason
{
    [JsonStringEnumMemberName("no-provider")] NoProvider,
    [JsonStringEnumMemberName("no-response")] NoResponse,
    [JsonStringEnumMemberName("all-declined")] AllDeclined,
    /// <summary>Written by versions that passed a <see cref="ChaseEnd"/> to the cancellation; kept so their history reads.</summary>
    [JsonStringEnumMemberName("withdrawn")] Withdrawn,
}

using System.Text.Json.Serialization;
using Hub.Referrals;

namespace Hub.FollowUp;

// The follow-up's words, as its tables, links, durable history and audit lines spell them.

/// <summary>Which survey: the baseline (at referral or acceptance) or the follow-up (3–4 months on).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SurveyKind>))]
public enum SurveyKind
{
    [JsonStringEnumMemberName("baseline")] Baseline,
    [JsonStringEnumMemberName("follow-up")] FollowUp,
}

/// <summary>Who a follow-up's surveys go to.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SurveyRecipient>))]
public enum SurveyRecipient
{
    /// <summary>Emailed to the patient directly.</summary>
    [JsonStringEnumMemberName("patient")] Patient,
    /// <summary>The provider goes through it with the patient (no email, no consent, or the patient's address refused).</summary>
    [JsonStringEnumMemberName("provider")] Provider,
}

/// <summary>Where a survey's answers came from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AnswerSource>))]
public enum AnswerSource
{
    [JsonStringEnumMemberName("patient")] Patient,
    /// <summary>Administered by the provider with the patient.</summary>
    [JsonStringEnumMemberName("provider")] Provider,
    /// <summary>Baseline answers the GP system sent with the referral.</summary>
    [JsonStringEnumMemberName("with-referral")] WithReferral,
}

/// <summary>Which baseline a follow-up's change is measured from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BaselineSource>))]
public enum BaselineSource
{
    [JsonStringEnumMemberName("with-referral")] WithReferral,
    /// <summary>A baseline survey sent at acceptance.</summary>
    [JsonStringEnumMemberName("survey")] Survey,
    [JsonStringEnumMemberName("none")] None,
}

/// <summary>Where a follow-up is (the FollowUps table's <c>Stage</c>): the survey pages read it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FollowUpStage>))]
public enum FollowUpStage
{
    [JsonStringEnumMemberName("waiting")] Waiting,
    [JsonStringEnumMemberName("baseline-sent")] BaselineSent,
    [JsonStringEnumMemberName("survey-sent")] SurveySent,
    [JsonStringEnumMemberName("survey-reminded")] SurveyReminded,
    // Once ended, the stage is the outcome, spelled alike.
    [JsonStringEnumMemberName("answered")] Answered,
    [JsonStringEnumMemberName("no-response")] NoResponse,
    [JsonStringEnumMemberName("opted-out")] OptedOut,
    [JsonStringEnumMemberName("withdrawn")] Withdrawn,
}

/// <summary>How a follow-up ended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FollowUpOutcome>))]
public enum FollowUpOutcome
{
    [JsonStringEnumMemberName("answered")] Answered,
    [JsonStringEnumMemberName("no-response")] NoResponse,
    [JsonStringEnumMemberName("opted-out")] OptedOut,
    [JsonStringEnumMemberName("withdrawn")] Withdrawn,
}

/// <summary>Where writing a survey's answers to the GP record is (SurveyResponses' <c>WriteBack</c>, and the write-back
/// activity's result). Here rather than in WriteBack/ because the follow-up stores and waits on it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WriteBackState>))]
public enum WriteBackState
{
    [JsonStringEnumMemberName("pending")] Pending,
    [JsonStringEnumMemberName("written")] Written,
    /// <summary>The practice has no FHIR endpoint: it reads its outcomes from the hub's API.</summary>
    [JsonStringEnumMemberName("no-endpoint")] NoEndpoint,
    /// <summary>Baseline answers that came from the GP record itself.</summary>
    [JsonStringEnumMemberName("not-needed")] NotNeeded,
    /// <summary>The practice's server said no.</summary>
    [JsonStringEnumMemberName("refused")] Refused,
    /// <summary>The practice's server kept failing for the whole retry period.</summary>
    [JsonStringEnumMemberName("unreachable")] Unreachable,
    [JsonStringEnumMemberName("parked")] Parked,
}

public static class FollowUpWords
{
    public static FollowUpStage Stage(this FollowUpOutcome outcome) => outcome switch
    {
        FollowUpOutcome.Answered => FollowUpStage.Answered,
        FollowUpOutcome.NoResponse => FollowUpStage.NoResponse,
        FollowUpOutcome.OptedOut => FollowUpStage.OptedOut,
        _ => FollowUpStage.Withdrawn,
    };

    /// <summary>The operator's status step once the follow-up ended with this outcome.</summary>
    public static ProgressStep Progress(this FollowUpOutcome outcome) => outcome switch
    {
        FollowUpOutcome.Answered => ProgressStep.Answered,
        FollowUpOutcome.NoResponse => ProgressStep.NoResponse,
        FollowUpOutcome.OptedOut => ProgressStep.OptedOut,
        _ => ProgressStep.Withdrawn,
    };

    public static AnswerSource Source(this SurveyRecipient recipient) => recipient == SurveyRecipient.Provider ? AnswerSource.Provider : AnswerSource.Patient;

    public static AuditActor Actor(this SurveyRecipient recipient) =>
        recipient == SurveyRecipient.Provider ? AuditActor.ProviderForPatient : AuditActor.Patient;
}

/// <summary>One survey email or the window's end, as the follow-up waits for them: <c>survey</c> (the first send),
/// <c>reminder-1</c>, <c>reminder-2</c>…, and <c>closed</c> (the window, never sent).</summary>
[JsonConverter(typeof(StoredTextJsonConverter<SurveyStepName>))]
public readonly record struct SurveyStepName : IStoredText<SurveyStepName>
{
    private const string ReminderPrefix = "reminder-";

    private SurveyStepName(string value) => Value = value;

    public string Value { get; }

    public static SurveyStepName FirstSend => new("survey");

    public static SurveyStepName Closed => new("closed");

    /// <param name="number">1 for the first reminder.</param>
    public static SurveyStepName Reminder(int number) => new($"{ReminderPrefix}{number}");

    public bool IsReminder => Value?.StartsWith(ReminderPrefix, StringComparison.Ordinal) == true;

    public static SurveyStepName FromStored(string value) => new(value);

    public override string ToString() => Value ?? string.Empty;
}

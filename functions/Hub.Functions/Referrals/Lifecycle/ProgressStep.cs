using System.Text.Json.Serialization;

namespace Hub.Referrals;

/// <summary>The step an operator sees in a referral's status (the custom status of its chase and of its follow-up,
/// <see cref="ReferralProgress"/>). Stored in every instance's custom status: never respell one.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ProgressStep>))]
public enum ProgressStep
{
    [JsonStringEnumMemberName("received")] Received,
    [JsonStringEnumMemberName("awaiting-provider")] AwaitingProvider,
    [JsonStringEnumMemberName("escalated")] Escalated,
    [JsonStringEnumMemberName("accepted")] Accepted,
    [JsonStringEnumMemberName("following-up")] FollowingUp,
    [JsonStringEnumMemberName("rejected")] Rejected,
    [JsonStringEnumMemberName("withdrawn")] Withdrawn,
    [JsonStringEnumMemberName("awaiting-follow-up")] AwaitingFollowUp,
    [JsonStringEnumMemberName("survey-sent")] SurveySent,
    [JsonStringEnumMemberName("write-back-parked")] WriteBackParked,
    /// <summary>The follow-up ended with answers.</summary>
    [JsonStringEnumMemberName("answered")] Answered,
    [JsonStringEnumMemberName("no-response")] NoResponse,
    [JsonStringEnumMemberName("opted-out")] OptedOut,
    /// <summary>A step ran out of retries and waits for its slow retry or an operator (<see cref="ReferralHolds"/>).</summary>
    [JsonStringEnumMemberName("held")] Held,
}

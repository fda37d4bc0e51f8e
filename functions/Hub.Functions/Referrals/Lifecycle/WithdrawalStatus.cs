using System.Text.Json.Serialization;
using Hl7.Fhir.Model;

namespace Hub.Referrals;

/// <summary>The ServiceRequest statuses by which a practice withdraws a referral; the referral's stored status then
/// holds the same spelling.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WithdrawalStatus>))]
public enum WithdrawalStatus
{
    [JsonStringEnumMemberName("revoked")] Revoked,
    [JsonStringEnumMemberName("entered-in-error")] EnteredInError,
}

public static class Withdrawals
{
    /// <summary>The one check every page and stage makes before acting on a referral.</summary>
    public static bool IsWithdrawn(this ReferralRecord record) => StoredSpelling.TryParse<WithdrawalStatus>(record.Status, out _);

    /// <summary>The withdrawal a ServiceRequest's status asks for, or null when it asks for none.</summary>
    public static WithdrawalStatus? FromFhir(RequestStatus? status) => status switch
    {
        RequestStatus.Revoked => WithdrawalStatus.Revoked,
        RequestStatus.EnteredInError => WithdrawalStatus.EnteredInError,
        _ => null,
    };

    public static RequestStatus ToFhir(this WithdrawalStatus status) => status == WithdrawalStatus.Revoked ? RequestStatus.Revoked : RequestStatus.EnteredInError;
}

namespace Hub.Chase;

/// <summary>The chase's activity names, as stored in every instance's history: literals, so renaming a method or class
/// cannot change them (functions.durable-names.txt and a test pin them).</summary>
public static class ChaseActivityNames
{
    public const string RecordReferralReceived = "RecordReferralReceived";
    public const string PlanChase = "PlanChase";
    public const string OfferToProvider = "OfferToProvider";
    public const string RemindProvider = "RemindProvider";
    public const string EscalateToReferrer = "EscalateToReferrer";
    public const string EscalateNoProvider = "EscalateNoProvider";
    public const string RecordDecline = "RecordDecline";
    public const string AcceptReferral = "AcceptReferral";
    public const string RejectReferral = "RejectReferral";
}

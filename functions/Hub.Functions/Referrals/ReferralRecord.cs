namespace Hub.Referrals;

/// <summary>A stored referral's row: where to find its documents and its Task. The FHIR itself is in the document store.</summary>
public sealed record ReferralRecord(
    string ReferralId,
    string PracticeOds,
    string TaskId,
    string IdentifierSystem,
    string IdentifierValue,
    string ContentHash,
    string Status,
    string Channel,
    int VersionId,
    DateTimeOffset LastUpdated,
    int DocumentChunks);

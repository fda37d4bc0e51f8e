using Azure;

namespace Hub.Referrals;

/// <summary>A stored referral's row: where to find its documents and its Task. The FHIR itself is in the row when it is
/// small (<see cref="InlineDocument"/>), otherwise in the document store under <see cref="DocumentName"/>.</summary>
/// <param name="DocumentChunks">How many chunks the document under <see cref="DocumentName"/> has (0 when inline).</param>
/// <param name="DocumentName">The document's version key in the document store; null for rows written before versions
/// (<see cref="ReferralStore.SubmissionDocument"/>).</param>
/// <param name="InlineDocument">The document itself, when it fits in the row.</param>
/// <param name="ETag">The row's ETag as read: a save with it replaces only that version (default for a first save).</param>
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
    int DocumentChunks,
    string? DocumentName = null,
    string? InlineDocument = null,
    ETag ETag = default)
{
    /// <summary>Ids and the version only: the row may hold the referral's document, which must never reach a log.</summary>
    public override string ToString() => $"Referral {ReferralId} (practice {PracticeOds}) version {VersionId}";
}

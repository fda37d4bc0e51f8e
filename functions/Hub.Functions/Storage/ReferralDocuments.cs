using System.Text;
using Hl7.Fhir.Model;
using Hub.Fhir;

namespace Hub.Storage;

/// <summary>Loads a stored referral's bundle for reading (the chase's emails and pages).</summary>
public sealed class ReferralDocuments(ReferralStore referrals, FhirSerializer fhir)
{
    public async Task<(ReferralRecord Record, ReferralDocument Document)?> LoadAsync(string practiceOds, string referralId, CancellationToken cancellationToken = default)
    {
        var record = await referrals.GetAsync(practiceOds, referralId, cancellationToken);
        var json = record is null ? null : await referrals.ReadSubmissionAsync(record, cancellationToken);
        if (record is null || json is null || fhir.ParseJson(Encoding.UTF8.GetBytes(json)).Resource is not Bundle bundle)
        {
            return null;
        }

        return (record, new ReferralDocument(bundle, referralId));
    }
}

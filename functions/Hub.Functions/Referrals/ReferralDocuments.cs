using System.Text;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;

namespace Hub.Referrals;

/// <summary>Loads a stored referral's bundle for reading: the read API, intake's answer to a repeat, withdrawal, and
/// the chase's emails and pages all come through here.</summary>
public sealed class ReferralDocuments(ReferralStore referrals, FhirSerializer fhir)
{
    public async Task<(ReferralRecord Record, ReferralDocument Document)?> LoadAsync(string practiceOds, string referralId, CancellationToken cancellationToken = default)
    {
        var record = await referrals.GetAsync(practiceOds, referralId, cancellationToken);
        return record is null ? null : await LoadAsync(record, cancellationToken);
    }

    /// <summary>For the orchestrations' activities: a referral they act on must exist; its absence is a fault to retry.</summary>
    public async Task<(ReferralRecord Record, ReferralDocument Document)> RequireAsync(string practiceOds, string referralId, CancellationToken cancellationToken = default) =>
        await LoadAsync(practiceOds, referralId, cancellationToken)
        ?? throw new InvalidOperationException($"Referral {referralId} is missing its stored document.");

    public async Task<(ReferralRecord Record, ReferralDocument Document)?> LoadAsync(ReferralRecord record, CancellationToken cancellationToken = default)
    {
        if (await referrals.ReadVersionAsync(record, cancellationToken) is not var (current, json)
            || fhir.ParseJson(Encoding.UTF8.GetBytes(json)).Resource is not Bundle bundle)
        {
            return null;
        }

        return (current, new ReferralDocument(bundle, current.ReferralId));
    }
}

using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Chase;

namespace Hub.Intake;

/// <summary>What a provider key sees of a referral, for the read and the search alike: while offered to one of its
/// services, the offer email's minimum; once it has accepted, the referral in full (audited as a handover view);
/// otherwise nothing.</summary>
public sealed class ProviderReferralRead(ReferralLookup lookup, ProviderWork providerWork)
{
    /// <param name="Full">True once accepted: the served referral, with the bundle its resources come from.</param>
    public sealed record Seen(ProviderTask Task, ServiceRequest ServiceRequest, bool Full);

    public async Task<Seen?> ReadAsync(Caller caller, string referralId, CancellationToken cancellationToken)
    {
        var seen = await providerWork.FindByReferralAsync(caller, referralId, cancellationToken);
        if (seen is null)
        {
            return null;
        }

        if (seen.Sight == ProviderSight.Offered)
        {
            return new Seen(seen, ProviderWork.OfferMinimum(seen), Full: false);
        }

        var served = await lookup.ServeAsync(seen.Record, cancellationToken);
        return served is null || !await providerWork.OpenHandoverAsync(seen, cancellationToken) ? null : new Seen(seen, served.ServiceRequest, Full: true);
    }
}

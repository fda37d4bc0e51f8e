using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Hub.Referrals;

namespace Hub.Intake;

/// <summary>A stored referral as the hub hands it out: its row, and its ServiceRequest with references a reader can follow.</summary>
public sealed record ServedReferral(ReferralRecord Record, ServiceRequest ServiceRequest);

/// <summary>Finds the caller's stored referrals: by id, or by the GP system's identifier (system and value), with a point
/// read per practice the caller acts for, never a scan. Conditional create, identifier search and reads come through here.</summary>
public sealed class ReferralLookup(ReferralStore referrals, ReferralDocuments documents)
{
    public async Task<ServedReferral?> ByIdAsync(IEnumerable<string> practiceOdsCodes, string referralId, CancellationToken cancellationToken = default)
    {
        var record = await referrals.FindAsync(practiceOdsCodes, referralId, cancellationToken);
        return record is null ? null : await ServeAsync(record, cancellationToken);
    }

    public async Task<ServedReferral?> ServeAsync(ReferralRecord record, CancellationToken cancellationToken = default) =>
        await documents.LoadAsync(record, cancellationToken) is { } loaded
            ? new ServedReferral(record, ServedReferences.Resolve(loaded.Document.ServiceRequest, loaded.Document.Bundle))
            : null;

    /// <summary>Every stored referral of the caller's practices with this identifier: none, one, or one per practice.
    /// One still being stored by another request is not a match yet.</summary>
    public async Task<IReadOnlyList<ServedReferral>> ByIdentifierAsync(IEnumerable<string> practiceOdsCodes, string system, string value, CancellationToken cancellationToken = default)
    {
        var key = ReferralStore.IdentifierKey(system, value);
        var found = new List<ServedReferral>();
        foreach (var ods in practiceOdsCodes.Distinct(StringComparer.Ordinal))
        {
            if (!Platform.Storage.TableKeys.IsSafe(ods)
                || await referrals.GetReservationAsync(ods, key, cancellationToken) is not { Stored: true } reservation
                || await referrals.GetAsync(ods, reservation.ReferralId, cancellationToken) is not { } record
                || await ServeAsync(record, cancellationToken) is not { } served)
            {
                continue;
            }

            found.Add(served);
        }

        return found;
    }

    /// <summary>Reads a token search value <c>system|value</c>; a bare value (any system) or <c>|value</c> is not
    /// searchable, as the hub indexes identifiers by both.</summary>
    public static bool TryParseIdentifier(string? token, out string system, out string value)
    {
        system = value = string.Empty;
        var bar = token?.IndexOf('|') ?? -1;
        if (token is null || bar <= 0 || bar == token.Length - 1)
        {
            return false;
        }

        system = token[..bar];
        value = token[(bar + 1)..];
        return true;
    }
}

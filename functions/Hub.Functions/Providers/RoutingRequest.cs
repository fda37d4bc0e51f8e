using Hl7.Fhir.Model;

namespace Hub.Providers;

/// <summary>What routing needs to know about a referral, and nothing more: the provider the GP named (if any), the kinds
/// of activity asked for, and the patient's postcode district. No names, NHS numbers or full addresses, so it can travel
/// in an orchestration's input.</summary>
/// <param name="PerformerProviderId">The provider id the referral names as its performer; whether it is a known provider
/// is for <see cref="ProviderRouting"/> to find out.</param>
/// <param name="ActivityCategories">Activity category codes (<see cref="Providers.ActivityCategories"/>), in the order given.</param>
/// <param name="PostcodeOutward">The outward code of the patient's home postcode ("LS17"), or null when none is known.</param>
public sealed record RoutingRequest(string? PerformerProviderId, IReadOnlyList<string> ActivityCategories, string? PostcodeOutward)
{
    /// <summary>Reads a referral's routing facts.
    /// <list type="bullet">
    /// <item>Performer: the first <c>performer</c> whose identifier has the hub's provider system
    /// (<see cref="Providers.ActivityCategories.ProviderIdSystem"/>), else the first that references
    /// <c>HealthcareService/{id}</c>, else the first that references <c>Organization/{id}</c> (relative or absolute, with or
    /// without <c>_history</c>). Contained (<c>#</c>) and <c>urn:uuid:</c> references name no provider.</item>
    /// <item>Categories: codings in the hub's activity-category CodeSystem, in <c>code</c> then <c>category</c>; failing
    /// any, the words of <c>code.text</c>, <c>code.coding.display</c> (then the same in <c>category</c>) that name a known
    /// category whole (<see cref="Providers.ActivityCategories.FromText"/>: "Welfare advice" is <c>welfare-advice</c>).</item>
    /// <item>Postcode: the outward code of the Patient's home address (<c>use</c> home; failing that, an address with no
    /// <c>use</c>); never a work, billing, temporary or old address.</item>
    /// </list></summary>
    public static RoutingRequest From(ServiceRequest serviceRequest, Patient? patient)
    {
        ArgumentNullException.ThrowIfNull(serviceRequest);
        return new RoutingRequest(Performer(serviceRequest), Categories(serviceRequest), Outward(patient));
    }

    private static string? Performer(ServiceRequest serviceRequest)
    {
        var performers = serviceRequest.Performer.Where(p => p is not null).ToList();
        return performers.Select(p => p.Identifier is { System: Providers.ActivityCategories.ProviderIdSystem, Value: { } value } && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null)
                   .FirstOrDefault(id => id is not null)
               ?? performers.Select(p => ReferencedId(p.Reference, "HealthcareService")).FirstOrDefault(id => id is not null)
               ?? performers.Select(p => ReferencedId(p.Reference, "Organization")).FirstOrDefault(id => id is not null);
    }

    private static string? ReferencedId(string? reference, string type)
    {
        if (string.IsNullOrWhiteSpace(reference) || reference.StartsWith('#') || reference.StartsWith("urn:", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var path = reference.Split('?', '#')[0];
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = segments.Length - 2; i >= 0; i--)
        {
            if (segments[i] == type)
            {
                return segments[i + 1];
            }
        }

        return null;
    }

    private static List<string> Categories(ServiceRequest serviceRequest)
    {
        var concepts = new[] { serviceRequest.Code }.Concat(serviceRequest.Category).OfType<CodeableConcept>().ToList();
        var coded = concepts.SelectMany(c => c.Coding)
            .Select(c => c is { System: Providers.ActivityCategories.System, Code: { } code } ? Providers.ActivityCategories.Normalize(code) : string.Empty)
            .Where(code => code.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (coded.Count > 0)
        {
            return coded;
        }

        return concepts.SelectMany(c => new[] { c.Text }.Concat(c.Coding.Select(coding => coding?.Display)))
            .Select(Providers.ActivityCategories.FromText)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    private static string? Outward(Patient? patient)
    {
        var addresses = patient?.Address.Where(a => a is not null && !string.IsNullOrWhiteSpace(a.PostalCode)).ToList() ?? [];
        var home = addresses.FirstOrDefault(a => a.Use == Address.AddressUse.Home) ?? addresses.FirstOrDefault(a => a.Use is null);
        return Postcodes.OutwardCode(home?.PostalCode);
    }
}

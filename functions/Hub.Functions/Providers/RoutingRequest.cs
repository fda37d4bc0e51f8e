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
    /// <summary>The referring practice's ODS code, which chooses its link-worker service; null when not known.</summary>
    public string? PracticeOds { get; init; }

    /// <summary>How each of <see cref="ActivityCategories"/> was recognised (empty when given as codes directly).</summary>
    public IReadOnlyList<ActivityMatch> Matches { get; init; } = [];

    /// <summary>Reads a referral's routing facts.
    /// <list type="bullet">
    /// <item>Performer: the first <c>performer</c> whose identifier has the hub's provider system
    /// (<see cref="Providers.ActivityCategories.ProviderIdSystem"/>), else the first that references
    /// <c>HealthcareService/{id}</c>, else the first that references <c>Organization/{id}</c> (relative or absolute, with or
    /// without <c>_history</c>). Contained (<c>#</c>) and <c>urn:uuid:</c> references name no provider.</item>
    /// <item>Categories: as <see cref="ActivityMatcher"/> places them (hub codes, configured SNOMED CT codes, then
    /// synonyms in the activity's words).</item>
    /// <item>Postcode: the outward code of the Patient's home address (<c>use</c> home; failing that, an address with no
    /// <c>use</c>); never a work, billing, temporary or old address.</item>
    /// </list></summary>
    public static RoutingRequest From(ServiceRequest serviceRequest, Patient? patient) => From(serviceRequest, patient, ActivityMatcher.Shipped, null);

    /// <summary>As <see cref="From(ServiceRequest, Patient?)"/>, with the hub's configured matcher and the practice.</summary>
    public static RoutingRequest From(ServiceRequest serviceRequest, Patient? patient, ActivityMatcher matcher, string? practiceOds)
    {
        ArgumentNullException.ThrowIfNull(serviceRequest);
        ArgumentNullException.ThrowIfNull(matcher);
        var matches = matcher.Match(serviceRequest);
        return new RoutingRequest(Performer(serviceRequest), matches.Select(m => m.Category).ToList(), Outward(patient))
        {
            PracticeOds = practiceOds,
            Matches = matches,
        };
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

    private static string? Outward(Patient? patient)
    {
        var addresses = patient?.Address.Where(a => a is not null && !string.IsNullOrWhiteSpace(a.PostalCode)).ToList() ?? [];
        var home = addresses.FirstOrDefault(a => a.Use == Address.AddressUse.Home) ?? addresses.FirstOrDefault(a => a.Use is null);
        return Postcodes.OutwardCode(home?.PostalCode);
    }
}

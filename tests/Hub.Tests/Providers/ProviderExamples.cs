using Hl7.Fhir.Model;
using Hub.Providers;

namespace Hub.Tests.Providers;

/// <summary>Directory entries and referrals for the routing tests.</summary>
public static class ProviderExamples
{
    public static Provider Provider(string id, string name, string[] categories, string[]? areas = null, int? weeklyLimit = null,
        string status = ProviderStatus.Active) => new()
        {
            Id = id,
            Name = name,
            OrganizationName = name + " Trust",
            Emails = [$"referrals@{id}.example.org"],
            Categories = categories,
            Areas = areas ?? [],
            WeeklyLimit = weeklyLimit,
            Status = status,
        };

    public static RoutingRequest Wanting(string? outward, params string[] categories) => new(null, categories, outward);

    public static ServiceRequest Referral(CodeableConcept? code = null, params ResourceReference[] performers) => new()
    {
        Status = RequestStatus.Active,
        Intent = RequestIntent.Order,
        Code = code,
        Performer = [.. performers],
    };

    public static Patient LivingAt(params (string PostalCode, Address.AddressUse? Use)[] addresses) => new()
    {
        Address = addresses.Select(a => new Address { PostalCode = a.PostalCode, Use = a.Use }).ToList(),
    };
}

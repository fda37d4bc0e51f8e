using System.Globalization;
using System.Text;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;

namespace Hub.Providers;

/// <summary>A directory entry as FHIR R4 <c>HealthcareService</c>, so a GP system can look providers up and name one as a
/// referral's <c>performer</c> (<c>HealthcareService/{id}</c>, or an identifier in the provider system).</summary>
/// <remarks>Mapping:
/// <list type="bullet">
/// <item><c>id</c> and <c>identifier</c> (<see cref="ActivityCategories.ProviderIdSystem"/>) = the provider id.</item>
/// <item><c>active</c> = not inactive. A paused provider is still active (FHIR keeps <c>active</c> for records not to be
/// used) and carries a <c>notAvailable</c> saying it is not taking referrals now.</item>
/// <item><c>name</c>, <c>comment</c> = description, <c>category</c> = one coding per activity category (hub CodeSystem),
/// <c>telecom</c> = emails, phone and web address.</item>
/// <item><c>coverageArea</c> = one contained <c>Location</c> (physicalType <c>area</c>) per postcode area or district;
/// none means anywhere.</item>
/// <item><c>eligibility</c> = the age range and eligibility description in words; <c>extraDetails</c> = the fees.</item>
/// <item><c>providedBy</c> = a contained <c>Organization</c> with its name, ODS code and charity number.</item>
/// <item><c>extension</c> <see cref="ResponsivenessExtension"/>: how the provider answered offers over the last 90 days
/// (<see cref="ProviderResponsiveness"/>, counted nightly from the evidence cells): sub-extensions <c>period</c>
/// (valuePeriod: the first day of the months of referral counted, and when they were counted), <c>offers</c>
/// (valueInteger: offers decided, rounded to 5 under the disclosure rule), <c>acceptanceRate</c> (valueDecimal, 0–1,
/// from the rounded counts) and <c>medianDaysToAnswer</c> (valueDecimal, days from offer to accept or decline, one
/// decimal). A figure the disclosure rule withholds (fewer than 8 offers) is left out; a provider with no offers in
/// the period has no extension.</item>
/// </list>
/// The weekly limit is the hub's business and is not published.</remarks>
public static class ProviderFhir
{
    public const string CharityNumberSystem = "https://www.gov.uk/government/organisations/charity-commission";
    public const string LocationPhysicalTypeSystem = "http://terminology.hl7.org/CodeSystem/location-physical-type";
    public const string ResponsivenessExtension = FhirCodes.HubBase + "/StructureDefinition/provider-responsiveness";
    private const string OrganizationId = "organization";

    public static HealthcareService ToHealthcareService(Provider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var organization = new Organization
        {
            Id = OrganizationId,
            Name = provider.OrganizationName ?? provider.Name,
            Active = provider.Status != ProviderStatus.Inactive,
        };
        if (provider.OdsCode is { } ods)
        {
            organization.Identifier.Add(new Identifier(FhirCodes.OdsSystem, ods));
        }

        if (provider.CharityNumber is { } charity)
        {
            organization.Identifier.Add(new Identifier(CharityNumberSystem, charity));
        }

        var service = new HealthcareService
        {
            Id = provider.Id,
            Identifier = [new Identifier(ActivityCategories.ProviderIdSystem, provider.Id)],
            Active = provider.Status != ProviderStatus.Inactive,
            Name = provider.Name,
            Comment = provider.Description,
            ProvidedBy = new ResourceReference("#" + OrganizationId) { Display = organization.Name },
            Category = provider.Categories
                .Select(code => new CodeableConcept(ActivityCategories.System, code, ActivityCategories.Display(code), null))
                .ToList(),
        };
        service.Contained.Add(organization);

        foreach (var email in provider.Emails)
        {
            service.Telecom.Add(new ContactPoint(ContactPoint.ContactPointSystem.Email, ContactPoint.ContactPointUse.Work, email));
        }

        if (provider.Phone is { } phone)
        {
            service.Telecom.Add(new ContactPoint(ContactPoint.ContactPointSystem.Phone, ContactPoint.ContactPointUse.Work, phone));
        }

        if (provider.Url is { } url)
        {
            service.Telecom.Add(new ContactPoint(ContactPoint.ContactPointSystem.Url, ContactPoint.ContactPointUse.Work, url));
        }

        foreach (var area in provider.Areas)
        {
            var location = new Location
            {
                Id = "area-" + area,
                Name = area,
                Description = area.Any(char.IsAsciiDigit) ? "Postcode district" : "Postcode area",
                Mode = Location.LocationMode.Instance,
                PhysicalType = new CodeableConcept(LocationPhysicalTypeSystem, "area", "Area", null),
            };
            service.Contained.Add(location);
            service.CoverageArea.Add(new ResourceReference("#" + location.Id) { Display = area });
        }

        if (Eligibility(provider) is { } eligibility)
        {
            service.Eligibility.Add(new HealthcareService.EligibilityComponent { Comment = eligibility });
        }

        if (provider.FeesDescription is { } fees)
        {
            service.ExtraDetails = "Cost: " + fees;
        }

        if (provider.Responsiveness is { } figures && Responsiveness(figures) is { } extension)
        {
            service.Extension.Add(extension);
        }

        if (provider.Status == ProviderStatus.Paused)
        {
            service.NotAvailable.Add(new HealthcareService.NotAvailableComponent { Description = "Not taking new referrals at the moment." });
        }

        return service;
    }

    /// <summary>Whether the provider offers an activity given as a FHIR token: <c>code</c>, <c>|code</c> or
    /// <c>{system}|code</c> with the hub's activity-category system.</summary>
    public static bool HasCategory(Provider provider, string token)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var bar = token.IndexOf('|', StringComparison.Ordinal);
        if (bar > 0 && !string.Equals(token[..bar], ActivityCategories.System, StringComparison.Ordinal))
        {
            return false;
        }

        var code = ActivityCategories.Normalize(token[(bar + 1)..]);
        return code.Length > 0 && provider.Categories.Contains(code, StringComparer.Ordinal);
    }

    private static Extension? Responsiveness(ProviderResponsiveness figures)
    {
        var extension = new Extension { Url = ResponsivenessExtension };
        extension.Extension.Add(new Extension("period", new Period(new FhirDateTime(figures.From), new FhirDateTime(figures.To))));
        if (figures.Offers is { } offers)
        {
            extension.Extension.Add(new Extension("offers", new Integer(offers)));
        }

        if (figures.AcceptanceRate is { } rate)
        {
            extension.Extension.Add(new Extension("acceptanceRate", new FhirDecimal(Math.Round((decimal)rate, 2))));
        }

        if (figures.MedianDaysToAnswer is { } median)
        {
            extension.Extension.Add(new Extension("medianDaysToAnswer", new FhirDecimal(Math.Round((decimal)median, 1))));
        }

        return extension.Extension.Count > 1 ? extension : null;
    }

    private static string? Eligibility(Provider provider)
    {
        var text = new StringBuilder();
        var ages = (provider.MinimumAge, provider.MaximumAge) switch
        {
            ({ } min, { } max) => string.Create(CultureInfo.InvariantCulture, $"Ages {min} to {max}."),
            ({ } min, null) => string.Create(CultureInfo.InvariantCulture, $"Ages {min} and over."),
            (null, { } max) => string.Create(CultureInfo.InvariantCulture, $"Ages up to {max}."),
            _ => null,
        };
        text.Append(ages);
        if (provider.EligibilityDescription is { } description)
        {
            text.Append(text.Length > 0 ? " " : string.Empty).Append(description);
        }

        return text.Length > 0 ? text.ToString() : null;
    }
}

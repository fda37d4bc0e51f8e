
namespace Hub.Providers;

/// <summary>A community organisation's service that takes social prescribing referrals: one entry in the provider
/// directory. Shaped after an Open Referral UK (HSDS-UK 3.0) <c>service</c> so a council's published directory maps onto it
/// without loss: <see cref="Id"/> is the service id, <see cref="Status"/> its status, <see cref="Categories"/> its taxonomy
/// term ids, <see cref="Areas"/> its service areas, <see cref="Emails"/> and <see cref="Phone"/> its contacts, the
/// organisation fields its <c>organization</c>, and the ages and descriptions its eligibility and cost options.</summary>
/// <remarks>Properties are plain JSON (camelCase through <see cref="JsonBody"/>): the admin endpoints, the seed file
/// and the table row all carry this shape. <see cref="ProviderRules.Normalize"/> tidies it and
/// <see cref="ProviderRules.Check"/> says what is wrong before anything is stored.</remarks>
public sealed record Provider
{
    /// <summary>The provider's id: a slug such as <c>leeds-befriending</c> (or an ORUK service's UUID), used as the table row
    /// key, the FHIR <c>HealthcareService.id</c> and the value a GP system puts in <c>ServiceRequest.performer</c>.</summary>
    public string Id { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    /// <summary>What the service offers, in the provider's words; shown to link workers and in FHIR as the comment.</summary>
    public string? Description { get; init; }

    /// <summary>One of <see cref="ProviderStatus"/>: only active providers are offered referrals.</summary>
    public string Status { get; init; } = ProviderStatus.Active;

    /// <summary>The organisation that runs the service (ORUK <c>organization.name</c>); the service name when absent.</summary>
    public string? OrganizationName { get; init; }

    /// <summary>The organisation's ODS code, when it has one (many VCSE organisations do).</summary>
    public string? OdsCode { get; init; }

    /// <summary>The Charity Commission registration number, when it is a registered charity.</summary>
    public string? CharityNumber { get; init; }

    /// <summary>The contact addresses referrals go to: at least one, the main one first.</summary>
    public IReadOnlyList<string> Emails { get; init; } = [];

    public string? Phone { get; init; }

    /// <summary>The service's public web page (http or https).</summary>
    public string? Url { get; init; }

    /// <summary>Activity category codes (ORUK taxonomy term ids), e.g. <c>befriending</c>, <c>welfare-advice</c>; see
    /// <see cref="ActivityCategories"/>. A referral is offered only to providers sharing one of its categories.</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>Where the service takes people from: postcode districts (outward codes, <c>LS17</c>) or postcode areas
    /// (<c>LS</c>). Empty means anywhere. See <see cref="Postcodes.Serves"/>.</summary>
    public IReadOnlyList<string> Areas { get; init; } = [];

    /// <summary>How many referrals the provider can take in one ISO week (Europe/London); null for no limit.</summary>
    public int? WeeklyLimit { get; init; }

    public int? MinimumAge { get; init; }

    public int? MaximumAge { get; init; }

    /// <summary>Who the service is for, beyond age (ORUK <c>eligibility_description</c>), e.g. "Carers of any age".</summary>
    public string? EligibilityDescription { get; init; }

    /// <summary>What it costs (ORUK <c>cost_options</c> / <c>fees_description</c>), e.g. "Free" or "£2 a session, tea included".</summary>
    public string? FeesDescription { get; init; }

    /// <summary>How the provider has answered offers over the last 90 days (the evidence update's figures, attached by
    /// the directory when it reads the entry); never part of the entry an admin saves.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ProviderResponsiveness? Responsiveness { get; init; }
}

/// <summary>A provider's status, as ORUK service statuses: <c>paused</c> is ORUK's "temporarily closed".</summary>
public static class ProviderStatus
{
    /// <summary>Taking referrals.</summary>
    public const string Active = "active";

    /// <summary>Not taking referrals for now (full, on a break); resumes without being re-entered.</summary>
    public const string Paused = "paused";

    /// <summary>No longer running; kept so past referrals still name it.</summary>
    public const string Inactive = "inactive";

    public static IReadOnlyList<string> All => [Active, Paused, Inactive];

    public static bool IsKnown(string? status) => status is Active or Paused or Inactive;
}

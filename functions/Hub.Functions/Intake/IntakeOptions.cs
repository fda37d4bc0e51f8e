using Hub.Platform.Fhir;

namespace Hub.Intake;

/// <summary>Settings for taking referrals in (configuration section <c>Intake</c>).</summary>
public sealed class IntakeOptions
{
    public const string Section = "Intake";

    /// <summary>The largest request body accepted, in bytes (413 above it).</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>SNOMED CT codes that make a ServiceRequest a social-prescribing referral, in its code or category.</summary>
    public List<string> AcceptedCodes { get; set; } = [];

    /// <summary>The API client whose practices the inbound queue may post for (an integration engine's client id).</summary>
    public string? QueueClientId { get; set; }

    /// <summary>How long a duplicate post waits for the first copy of the same referral to finish storing.</summary>
    public TimeSpan DuplicateWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>A reservation older than this whose storing never finished (the first caller died) is taken over.</summary>
    public TimeSpan AbandonedAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Refuse (422) a referral that lacks a PRSB mandatory item (the person's name and date of birth, the GP
    /// practice, the referrer's details and contact, risks). Off by default: such a referral is taken, with a warning
    /// for each missing item in the 201.</summary>
    public bool RequirePrsbMandatory { get; set; }

    public IReadOnlyCollection<string> EffectiveAcceptedCodes =>
        AcceptedCodes.Count > 0 ? AcceptedCodes : [FhirCodes.ReferralToSocialPrescribing];
}

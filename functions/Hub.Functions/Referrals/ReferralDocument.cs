using Hl7.Fhir.Model;
using Hub.Platform.Fhir;

namespace Hub.Referrals;

/// <summary>A stored referral (the collection Bundle intake keeps), read for what the chase needs to say, and no more:
/// a provider learns the patient's first name, the activity, the practice, and the reason only where consent allows.</summary>
public sealed class ReferralDocument
{
    private readonly Bundle _bundle;
    private readonly BundleReferences _references;

    public ReferralDocument(Bundle bundle, string referralId)
    {
        _bundle = bundle;
        _references = new BundleReferences(bundle);
        ServiceRequest = bundle.Entry.Select(e => e.Resource).OfType<ServiceRequest>().First(sr => sr.Id == referralId);
        Patient = Resolve(ServiceRequest.Subject) as Patient;
    }

    public ServiceRequest ServiceRequest { get; }

    public Patient? Patient { get; }

    public string? PatientFirstName => Patient?.Name.FirstOrDefault(n => n.Use is null or HumanName.NameUse.Usual or HumanName.NameUse.Official)?.Given.FirstOrDefault();

    /// <summary>The activity asked for, in words: the code's text or display.</summary>
    public string Activity =>
        ServiceRequest.Code?.Text
        ?? ServiceRequest.Code?.Coding.FirstOrDefault(c => c.Display is not null)?.Display
        ?? "social prescribing";

    public string PracticeName =>
        RequesterOrganization?.Name ?? ServiceRequest.Requester?.Display ?? "the referring practice";

    /// <summary>The referral's id in the referring system, which the practice knows it by (not personal data).</summary>
    public string? ReferrerReference => ServiceRequest.Identifier.FirstOrDefault()?.Value;

    /// <summary>Where news of the referral goes: the referrer's (PractitionerRole) work email, else the practice's.</summary>
    public string? ReferrerEmail =>
        Email((Resolve(ServiceRequest.Requester) as PractitionerRole)?.Telecom)
        ?? Email(RequesterOrganization?.Telecom)
        ?? Email((Resolve(ServiceRequest.Requester) as Practitioner)?.Telecom);

    public string? PatientEmail => Email(Patient?.Telecom);

    /// <summary>The patient's NHS number, from the Patient or the ServiceRequest's subject identifier.</summary>
    public string? NhsNumber =>
        (Patient?.Identifier ?? []).Append(ServiceRequest.Subject?.Identifier).FirstOrDefault(i => i?.System == FhirCodes.NhsNumberSystem)?.Value;

    /// <summary>The referral carries an active Consent that does not deny: the patient agreed to information sharing and to
    /// being contacted about the referral. Without one, a provider gets no clinical narrative and the patient no email.</summary>
    public bool HasConsent
    {
        get
        {
            var consent = Consents.FirstOrDefault(c => c.Status == Consent.ConsentState.Active);
            return consent is not null && consent.Provision?.Type != Consent.ConsentProvisionType.Deny;
        }
    }

    /// <summary>Every Consent that came with the referral, one way or another, each once: an entry of the bundle, contained
    /// in the ServiceRequest, or contained elsewhere and referenced from it as <c>#id</c> (FHIR references.html: a
    /// contained resource is part of the resource that holds it). Bundled ones first, as the handover reads them.</summary>
    private IEnumerable<Consent> Consents =>
        _bundle.Entry.Select(e => e.Resource).OfType<Consent>()
            .Concat(ServiceRequest.Contained.OfType<Consent>())
            .Concat(ServiceRequest.SupportingInfo.Select(Resolve).OfType<Consent>())
            .Distinct(ReferenceEqualityComparer.Instance)
            .Cast<Consent>();

    /// <summary>The reason in the referrer's words, only with consent (<see cref="HasConsent"/>).</summary>
    public string? ReasonIfShareable
    {
        get
        {
            if (!HasConsent)
            {
                return null;
            }

            var text = ServiceRequest.ReasonCode.Select(r => r.Text ?? r.Coding.FirstOrDefault()?.Display).FirstOrDefault(t => !string.IsNullOrWhiteSpace(t));
            return text is null ? null : (text.Length <= 500 ? text : text[..500] + "…");
        }
    }

    /// <summary>The clinical context the referrer wrote (<c>ServiceRequest.note</c>, each note's text, in order), only with
    /// consent (<see cref="HasConsent"/>): shown to the provider on its offer page, never put in an email.</summary>
    public string? NoteIfShareable
    {
        get
        {
            if (!HasConsent)
            {
                return null;
            }

            var text = string.Join("\n", ServiceRequest.Note.Select(n => n?.Text?.Trim()).Where(t => !string.IsNullOrEmpty(t)));
            return text.Length == 0 ? null : (text.Length <= 1000 ? text : text[..1000] + "…");
        }
    }

    private Organization? RequesterOrganization => Resolve(ServiceRequest.Requester) switch
    {
        Organization organization => organization,
        PractitionerRole role => Resolve(role.Organization) as Organization,
        Practitioner practitioner => _bundle.Entry.Select(e => e.Resource).OfType<PractitionerRole>()
            .Where(r => ReferenceEquals(Resolve(r.Practitioner), practitioner))
            .Select(r => Resolve(r.Organization) as Organization)
            .FirstOrDefault(o => o is not null),
        _ => null,
    };

    /// <summary>The whole stored bundle, for a change that writes a new version of it.</summary>
    public Bundle Bundle => _bundle;

    private Resource? Resolve(ResourceReference? reference) => _references.Resolve(reference);

    private static string? Email(IEnumerable<ContactPoint>? telecom) =>
        telecom?.FirstOrDefault(t => t.System == ContactPoint.ContactPointSystem.Email && !string.IsNullOrWhiteSpace(t.Value))?.Value;
}

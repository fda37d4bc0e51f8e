using Hl7.Fhir.Model;
using Hub.Platform.Fhir;

namespace Hub.Tests.Infrastructure;

/// <summary>Referrals as GP systems send them, built with the Firely model. The practice, NHS numbers and ids are
/// test values (NHS numbers with valid check digits, in the 999 test range).</summary>
public static class ReferralExamples
{
    public const string Practice = "A81001";
    public const string OtherPractice = "B82002";
    public const string ValidNhsNumber = "9912003888";      // the UK Core Richard Smith example's (valid check digit)
    public const string AnotherValidNhsNumber = "9434765919";
    public const string GpSystem = "https://fhir.example-gp-system.nhs.uk/Id/referral";

    public static string FixturePath(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);

    public static string Fixture(params string[] parts) => File.ReadAllText(FixturePath(parts));

    /// <summary>A complete, valid lone ServiceRequest: patient and practice given as identifiers on the references.</summary>
    public static ServiceRequest ServiceRequest(string? identifier = null, string practice = Practice, string nhsNumber = ValidNhsNumber) => new()
    {
        Identifier = [new Identifier(GpSystem, identifier ?? Guid.NewGuid().ToString())],
        Status = RequestStatus.Active,
        Intent = RequestIntent.Order,
        Category = [new CodeableConcept(FhirCodes.Snomed, FhirCodes.ReferralToSocialPrescribing, "Referral to social prescribing service")],
        Code = new CodeableConcept { Text = "Befriending" },
        Subject = new ResourceReference { Identifier = new Identifier(FhirCodes.NhsNumberSystem, nhsNumber), Type = "Patient" },
        Requester = new ResourceReference { Identifier = new Identifier(FhirCodes.OdsSystem, practice), Type = "Organization" },
        AuthoredOn = "2026-11-20T10:15:00+00:00",
        ReasonCode = [new CodeableConcept { Text = "Lives alone since bereavement; would like company." }],
        Note = [new Annotation { Text = "Prefers morning visits." }],
    };

    /// <summary>A transaction Bundle around the UK Core Patient example (unchanged), with the referrer as a
    /// PractitionerRole of an ODS-coded practice, a Consent and a baseline QuestionnaireResponse.</summary>
    public static Bundle ReferralBundle(string? identifier = null, Bundle.BundleType type = Hl7.Fhir.Model.Bundle.BundleType.Transaction, string practice = Practice)
    {
        var patient = (Patient)new FhirSerializer().ParseXml(File.ReadAllBytes(FixturePath("uk-core", "UKCore-Patient-RichardSmith-Example.xml"))).Resource!;
        var ids = Enumerable.Range(0, 6).Select(_ => $"urn:uuid:{Guid.NewGuid()}").ToArray();
        var (srUrl, patientUrl, orgUrl, roleUrl, practitionerUrl, consentUrl) = (ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]);

        var sr = ServiceRequest(identifier, practice);
        sr.Subject = new ResourceReference(patientUrl);
        sr.Requester = new ResourceReference(roleUrl);
        sr.SupportingInfo = [new ResourceReference(consentUrl)];

        var bundle = new Bundle { Type = type };
        void Add(string url, Resource resource) => bundle.Entry.Add(new Bundle.EntryComponent
        {
            FullUrl = url,
            Resource = resource,
            Request = type == Hl7.Fhir.Model.Bundle.BundleType.Transaction ? new Bundle.RequestComponent { Method = Hl7.Fhir.Model.Bundle.HTTPVerb.POST, Url = resource.TypeName } : null,
        });
        Add(srUrl, sr);
        Add(patientUrl, patient);
        Add(orgUrl, new Organization { Identifier = [new Identifier(FhirCodes.OdsSystem, practice)], Name = "Riverside Surgery" });
        Add(practitionerUrl, new Practitioner { Name = [new HumanName { Family = "Okafor", Given = ["Ada"] }] });
        Add(roleUrl, new PractitionerRole
        {
            Practitioner = new ResourceReference(practitionerUrl),
            Organization = new ResourceReference(orgUrl),
            Telecom = [new ContactPoint(ContactPoint.ContactPointSystem.Email, ContactPoint.ContactPointUse.Work, "referrals@riverside.example.nhs.uk")],
        });
        Add(consentUrl, new Consent
        {
            Status = Consent.ConsentState.Active,
            Scope = new CodeableConcept("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy"),
            Category = [new CodeableConcept("http://loinc.org", "59284-0")],
            Patient = new ResourceReference(patientUrl),
        });
        return bundle;
    }

    public static byte[] Json(Resource resource) => TestHub.Utf8(new FhirSerializer().Serialize(resource, FhirFormat.Json));

    public static byte[] Xml(Resource resource) => TestHub.Utf8(new FhirSerializer().Serialize(resource, FhirFormat.Xml));
}

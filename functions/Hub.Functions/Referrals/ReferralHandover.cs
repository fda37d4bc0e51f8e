using System.Globalization;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;

namespace Hub.Referrals;

/// <summary>A line of contact: how (phone, email…), the value, its use (home, mobile, work) and whether the person
/// marked it as the way they prefer.</summary>
public sealed record HandoverContact(string How, string Value, string? Use, bool Preferred);

/// <summary>A risk or safeguarding flag as the referrer recorded it (a Flag or a RiskAssessment), in their words.</summary>
public sealed record HandoverRisk(string Text, string? Status);

/// <summary>A PRSB mandatory item the referral does not carry: the item in the standard's words, and the FHIR element
/// the hub reads it from (the hub's own mapping, README "PRSB Social Prescribing Information Standard").</summary>
public sealed record MissingPrsbItem(string Item, string Expression, string Diagnostics);

/// <summary>The referral in full, as the provider that accepted it needs it to act (the handover): the person, how to
/// reach them, their needs, the reason, risks, consent and the referrer. Read from the stored bundle only; shown only
/// on the accepting provider's no-store page, never in an email, a log or durable history. Intake reads the same items
/// to say which PRSB mandatory ones are missing (<see cref="MissingMandatory"/>).</summary>
public sealed class ReferralHandover
{
    /// <summary>UK Core: preferred contact method (sub-extension <c>PreferredContactMethod</c>).</summary>
    public const string ContactPreferenceExtension = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-ContactPreference";

    /// <summary>UK Core: NHS communication (sub-extensions <c>language</c>, <c>preferred</c>, <c>interpreterRequired</c>).</summary>
    public const string NhsCommunicationExtension = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSCommunication";

    /// <summary>FHIR R4 core extension on Patient: an interpreter is needed.</summary>
    public const string InterpreterRequiredExtension = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired";

    private readonly ServiceRequest _request;
    private readonly Func<ResourceReference?, Resource?> _resolve;
    private readonly IReadOnlyList<Resource> _resources;

    public ReferralHandover(ServiceRequest request, Func<ResourceReference?, Resource?> resolve, IEnumerable<Resource> resources)
    {
        _request = request;
        _resolve = resolve;
        _resources = resources.Concat(request.Contained).ToList();
        Patient = resolve(request.Subject) as Patient;
    }

    /// <summary>The handover of a stored referral.</summary>
    public static ReferralHandover Of(ReferralDocument document)
    {
        var references = new BundleReferences(document.Bundle);
        return new ReferralHandover(document.ServiceRequest, references.Resolve, document.Bundle.Entry.Select(e => e.Resource).OfType<Resource>().Where(r => !ReferenceEquals(r, document.ServiceRequest)));
    }

    public Patient? Patient { get; }

    public string? Name => Patient?.Name.FirstOrDefault(n => n.Use is null or HumanName.NameUse.Usual or HumanName.NameUse.Official) is { } name
        ? NameOf(name)
        : null;

    public string? BirthDate => Patient?.BirthDate is { Length: > 0 } date && DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
        ? day.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)
        : Patient?.BirthDate;

    public string? NhsNumber => (Patient?.Identifier ?? []).Append(_request.Subject?.Identifier).FirstOrDefault(i => i?.System == FhirCodes.NhsNumberSystem)?.Value;

    public IReadOnlyList<HandoverContact> Contacts
    {
        get
        {
            var telecom = Patient?.Telecom.Where(t => !string.IsNullOrWhiteSpace(t.Value)).ToList() ?? [];
            var best = telecom.Where(t => t.Rank is not null).OrderBy(t => t.Rank).FirstOrDefault();
            return telecom.Select(t => new HandoverContact(Label(t.System), t.Value!, Label(t.Use), ReferenceEquals(t, best))).ToList();
        }
    }

    /// <summary>The person's preferred way to be contacted: UK Core's contact preference, else the best-ranked contact.</summary>
    public string? PreferredContact
    {
        get
        {
            var method = Patient?.GetExtension(ContactPreferenceExtension)?.GetExtension("PreferredContactMethod")?.Value as CodeableConcept;
            if (Words(method) is { } said)
            {
                return said;
            }

            return Contacts.FirstOrDefault(c => c.Preferred) is { } best ? $"{best.How}: {best.Value}" : null;
        }
    }

    public IReadOnlyList<string> Addresses =>
        Patient?.Address.Select(a => a.Text ?? string.Join(", ", a.Line.Append(a.City).Append(a.District).Append(a.PostalCode).Where(p => !string.IsNullOrWhiteSpace(p))))
            .Where(a => !string.IsNullOrWhiteSpace(a)).ToList() ?? [];

    /// <summary>The languages the person speaks (the preferred one first), from Patient.communication or UK Core's NHS communication.</summary>
    public IReadOnlyList<string> Languages
    {
        get
        {
            var fromCore = Patient?.Communication.OrderByDescending(c => c.Preferred == true).Select(c => Words(c.Language)) ?? [];
            var fromUkCore = Patient?.GetExtensions(NhsCommunicationExtension).Select(e => Words(e.GetExtension("language")?.Value as CodeableConcept)) ?? [];
            return fromCore.Concat(fromUkCore).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>True or false where the referral says whether an interpreter is needed; null where it does not.</summary>
    public bool? InterpreterRequired
    {
        get
        {
            if (Patient?.GetExtension(InterpreterRequiredExtension)?.Value is FhirBoolean core)
            {
                return core.Value;
            }

            var flags = Patient?.GetExtensions(NhsCommunicationExtension).Select(e => e.GetExtension("interpreterRequired")?.Value).OfType<FhirBoolean>().ToList() ?? [];
            return flags.Count == 0 ? null : flags.Any(f => f.Value == true);
        }
    }

    /// <summary>Accessibility and other needs: UK Core's preferred written format (large print, braille…) and the
    /// ServiceRequest's patient instruction, in the referrer's words.</summary>
    public IReadOnlyList<string> Needs
    {
        get
        {
            var needs = new List<string>();
            if (Words(Patient?.GetExtension(ContactPreferenceExtension)?.GetExtension("PreferredWrittenCommunicationFormat")?.Value as CodeableConcept) is { } format)
            {
                needs.Add($"Written communication: {format}");
            }

            if (!string.IsNullOrWhiteSpace(_request.PatientInstruction))
            {
                needs.Add(_request.PatientInstruction);
            }

            return needs;
        }
    }

    /// <summary>The reason in the referrer's words: reason codes' text and the ServiceRequest's notes.</summary>
    public IReadOnlyList<string> Reasons =>
        _request.ReasonCode.Select(Words).Concat(_request.Note.Select(n => n.Text?.ToString())).Where(t => !string.IsNullOrWhiteSpace(t)).Select(t => t!).ToList();

    /// <summary>Risks and safeguarding flags ("no known risks" is one): every Flag and RiskAssessment that came with it.</summary>
    public IReadOnlyList<HandoverRisk> Risks =>
        _resources.OfType<Flag>().Select(f => new HandoverRisk(Words(f.Code) ?? "A flag without text", f.Status?.ToString().ToLowerInvariant()))
            .Concat(_resources.OfType<RiskAssessment>().Select(r => new HandoverRisk(
                string.Join("; ", new[] { Words(r.Code) }.Concat(r.Prediction.Select(p => Words(p.Outcome))).Concat(r.Note.Select(n => n.Text?.ToString())).Where(t => !string.IsNullOrWhiteSpace(t))) is { Length: > 0 } text
                    ? text
                    : r.Mitigation ?? "A risk assessment without text",
                r.Status?.ToString().ToLowerInvariant())))
            .ToList();

    public bool HasRisks => _resources.Any(r => r is Flag or RiskAssessment);

    /// <summary>The consent with the referral, in words.</summary>
    public string Consent
    {
        get
        {
            var consent = _resources.OfType<Consent>().FirstOrDefault(c => c.Status == Hl7.Fhir.Model.Consent.ConsentState.Active);
            return consent is null ? "Not recorded: share nothing beyond what is needed to contact the person"
                : consent.Provision?.Type == Hl7.Fhir.Model.Consent.ConsentProvisionType.Deny ? "Refused: the person has not agreed to information sharing"
                : "Given: the person agreed to information sharing";
        }
    }

    public GpPractice? Practice
    {
        get
        {
            var gp = Patient?.GeneralPractitioner.FirstOrDefault();
            if (gp is null)
            {
                return null;
            }

            var organization = _resolve(gp) as Organization;
            var ods = gp.Identifier?.Value ?? organization?.Identifier.FirstOrDefault(i => FhirCodes.IsOdsSystem(i.System))?.Value;
            return new GpPractice(organization?.Name ?? gp.Display, ods);
        }
    }

    /// <summary>Who referred: the practitioner's name (via the PractitionerRole, or the Practitioner named as requester).</summary>
    public string? ReferrerName
    {
        get
        {
            var requester = _resolve(_request.Requester);
            var practitioner = requester switch
            {
                Practitioner p => p,
                PractitionerRole role => _resolve(role.Practitioner) as Practitioner,
                _ => null,
            };
            var name = practitioner?.Name.FirstOrDefault() is { } n ? NameOf(n) : (requester as PractitionerRole)?.Practitioner?.Display;
            return string.IsNullOrWhiteSpace(name) ? null : name;
        }
    }

    public string? ReferrerOrganisation => _resolve(_request.Requester) switch
    {
        Organization o => o.Name,
        PractitionerRole role => (_resolve(role.Organization) as Organization)?.Name ?? role.Organization?.Display,
        _ => _request.Requester?.Display,
    };

    public IReadOnlyList<HandoverContact> ReferrerContacts
    {
        get
        {
            var requester = _resolve(_request.Requester);
            var telecom = requester switch
            {
                PractitionerRole role => role.Telecom.Concat((_resolve(role.Practitioner) as Practitioner)?.Telecom ?? []).Concat((_resolve(role.Organization) as Organization)?.Telecom ?? []),
                Practitioner p => p.Telecom,
                Organization o => o.Telecom,
                _ => [],
            };
            return telecom.Where(t => !string.IsNullOrWhiteSpace(t.Value)).Select(t => new HandoverContact(Label(t.System), t.Value!, Label(t.Use), false)).ToList();
        }
    }

    /// <summary>The PRSB mandatory items the referral does not carry, each naming the element the hub reads it from.</summary>
    public IReadOnlyList<MissingPrsbItem> MissingMandatory
    {
        get
        {
            var missing = new List<MissingPrsbItem>();
            var name = Patient?.Name.FirstOrDefault();
            if (name is null || string.IsNullOrWhiteSpace(name.Family) || !name.Given.Any(g => !string.IsNullOrWhiteSpace(g)))
            {
                missing.Add(new("Person's name", "Patient.name", "PRSB: the person's given and family name (Patient.name given and family) are mandatory."));
            }

            if (string.IsNullOrWhiteSpace(Patient?.BirthDate))
            {
                missing.Add(new("Date of birth", "Patient.birthDate", "PRSB: the person's date of birth (Patient.birthDate) is mandatory."));
            }

            if (Practice is not { Ods: { Length: > 0 } })
            {
                missing.Add(new("GP practice", "Patient.generalPractitioner", "PRSB: the person's GP practice (Patient.generalPractitioner, an Organization with its ODS code) is mandatory."));
            }

            if (ReferrerName is null)
            {
                missing.Add(new("Referrer details", "ServiceRequest.requester", "PRSB: the referrer's name (ServiceRequest.requester: a PractitionerRole with its practitioner, or a Practitioner) is mandatory."));
            }

            if (ReferrerContacts.Count == 0)
            {
                missing.Add(new("Referrer contact details", "PractitionerRole.telecom", "PRSB: the referrer's contact details (telecom on the requesting PractitionerRole, Practitioner or Organization) are mandatory."));
            }

            if (!HasRisks)
            {
                missing.Add(new("Risks", "Flag", "PRSB: risks are mandatory, \"no known risks\" included (a Flag or RiskAssessment with the referral)."));
            }

            return missing;
        }
    }

    private static string NameOf(HumanName name) =>
        name.Text ?? string.Join(' ', name.Prefix.Concat(name.Given).Append(name.Family).Where(p => !string.IsNullOrWhiteSpace(p)));

    private static string? Words(CodeableConcept? concept) =>
        concept is null ? null : concept.Text ?? concept.Coding.FirstOrDefault(c => !string.IsNullOrWhiteSpace(c.Display))?.Display ?? concept.Coding.FirstOrDefault()?.Code;

    private static string Label(ContactPoint.ContactPointSystem? system) => system switch
    {
        ContactPoint.ContactPointSystem.Phone => "Phone",
        ContactPoint.ContactPointSystem.Email => "Email",
        ContactPoint.ContactPointSystem.Sms => "Text message",
        ContactPoint.ContactPointSystem.Fax => "Fax",
        ContactPoint.ContactPointSystem.Pager => "Pager",
        ContactPoint.ContactPointSystem.Url => "Web",
        _ => "Other",
    };

    private static string? Label(ContactPoint.ContactPointUse? use) => use switch
    {
        ContactPoint.ContactPointUse.Home => "home",
        ContactPoint.ContactPointUse.Work => "work",
        ContactPoint.ContactPointUse.Mobile => "mobile",
        ContactPoint.ContactPointUse.Temp => "temporary",
        _ => null,
    };
}

/// <summary>The person's GP practice: its name and ODS code, as far as the referral says.</summary>
public sealed record GpPractice(string? Name, string? Ods);

using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;

namespace Hub.Intake;

/// <summary>What the hub needs to know about a referral, read from it once the rules pass.</summary>
public sealed record ReferralFacts(
    string PracticeOds,
    string IdentifierSystem,
    string IdentifierValue,
    string NhsNumber,
    Patient? Patient);

/// <summary>The rules a referral must meet before the hub takes it on. Every broken rule is reported at once,
/// each naming its element, so the GP system's developers can fix them in one go.</summary>
public static partial class ReferralRules
{
    private static readonly HashSet<RequestIntent> AcceptedIntents = [RequestIntent.Order, RequestIntent.Plan, RequestIntent.Proposal];

    [GeneratedRegex("^[A-Z0-9]{3,10}$")]
    private static partial Regex OdsCodePattern();

    /// <summary>The requester's ODS code, if the referral says who it is from; used before the full check
    /// to refuse posting for a practice the caller does not act for.</summary>
    public static string? FindPracticeOds(ReferralSubmission submission) => FindPracticeOds(submission, out _);

    /// <summary>The same, with the FHIRPath of the identifier value it was read from.</summary>
    public static string? FindPracticeOds(ReferralSubmission submission, out string? path) =>
        RequesterOds(submission, out path) is { } ods && OdsCodePattern().IsMatch(ods) ? ods : null;

    /// <param name="onwardPracticeOds">For an onward connection (a link-worker service's referral, <c>basedOn</c> the
    /// referral it accepted): the parent referral's practice, whose referral it stays. Its requester is the link-worker
    /// service, so no practice ODS code is looked for there.</param>
    public static (ReferralFacts? Facts, IReadOnlyList<FhirProblem> Problems) Check(ReferralSubmission submission, IReadOnlyCollection<string> acceptedCodes, string? onwardPracticeOds = null)
    {
        var problems = new List<FhirProblem>();
        var sr = submission.ServiceRequest;
        var at = submission.ServiceRequestPath;

        if (sr.Status is null)
        {
            problems.Add(FhirProblem.Required($"{at}.status", "ServiceRequest.status is missing: a new referral has status 'active'."));
        }
        else if (sr.Status != RequestStatus.Active)
        {
            problems.Add(FhirProblem.Value($"{at}.status", $"ServiceRequest.status is '{sr.StatusElement.JsonValue}': a new referral must be 'active'."));
        }

        if (sr.Intent is null)
        {
            problems.Add(FhirProblem.Required($"{at}.intent", "ServiceRequest.intent is missing: use 'order', 'plan' or 'proposal'."));
        }
        else if (!AcceptedIntents.Contains(sr.Intent.Value))
        {
            problems.Add(FhirProblem.Value($"{at}.intent", $"ServiceRequest.intent is '{sr.IntentElement.JsonValue}': use 'order', 'plan' or 'proposal'."));
        }

        if (!CarriesAcceptedCode(sr, acceptedCodes))
        {
            problems.Add(new FhirProblem(OperationOutcome.IssueType.NotSupported,
                $"This is not a social prescribing referral: neither ServiceRequest.code nor ServiceRequest.category carries an accepted SNOMED CT code ({string.Join(", ", acceptedCodes)}).",
                [$"{at}.code", $"{at}.category"]));
        }

        if (string.IsNullOrEmpty(sr.AuthoredOn))
        {
            problems.Add(FhirProblem.Required($"{at}.authoredOn", "ServiceRequest.authoredOn is missing: say when the referral was made."));
        }

        var identifier = sr.Identifier.FirstOrDefault(i => !string.IsNullOrWhiteSpace(i.System) && !string.IsNullOrWhiteSpace(i.Value)
                                                            && !i.System.StartsWith(FhirCodes.HubBase, StringComparison.Ordinal));
        if (identifier is null && sr.Identifier.Count == 0)
        {
            problems.Add(FhirProblem.Required($"{at}.identifier",
                "ServiceRequest.identifier is missing: give the referral's id in the referring system (system and value), so a repeat post is recognised."));
        }
        else if (identifier is null)
        {
            // Name the primitive at fault in the first identifier: its system (missing, or the hub's own), else its value.
            var first = sr.Identifier[0];
            var (element, diagnostics) = string.IsNullOrWhiteSpace(first.System)
                ? ("system", "ServiceRequest.identifier has no system: give the referring system's identifier system with the value, so a repeat post is recognised.")
                : first.System.StartsWith(FhirCodes.HubBase, StringComparison.Ordinal)
                    ? ("system", "ServiceRequest.identifier uses one of the hub's own systems: give the referring system's own identifier.")
                    : ("value", "ServiceRequest.identifier has no value: give the referral's id in the referring system.");
            problems.Add(string.IsNullOrWhiteSpace(first.System) || element == "value"
                ? FhirProblem.Required($"{at}.identifier[0].{element}", diagnostics)
                : FhirProblem.Value($"{at}.identifier[0].{element}", diagnostics));
        }

        var (nhsNumber, patient) = CheckSubject(submission, problems);

        string? odsPath = null;
        var ods = onwardPracticeOds ?? RequesterOds(submission, out odsPath);
        if (ods is null)
        {
            problems.Add(FhirProblem.Required($"{at}.requester",
                "The requester must identify the referring practice by its ODS code (system https://fhir.nhs.uk/Id/ods-organization-code), directly or through its Organization or PractitionerRole."));
        }
        else if (!OdsCodePattern().IsMatch(ods))
        {
            problems.Add(FhirProblem.Value(odsPath ?? $"{at}.requester", "The requester's ODS code is not a valid ODS code (3 to 10 letters and digits)."));
        }

        if (problems.Count > 0)
        {
            return (null, problems);
        }

        return (new ReferralFacts(ods!, identifier!.System!, identifier.Value!, nhsNumber!, patient), problems);
    }

    private static bool CarriesAcceptedCode(ServiceRequest sr, IReadOnlyCollection<string> acceptedCodes)
    {
        var concepts = sr.Category.Append(sr.Code).Where(c => c is not null);
        return concepts.SelectMany(c => c!.Coding).Any(c => c.System == FhirCodes.Snomed && c.Code is not null && acceptedCodes.Contains(c.Code));
    }

    private static (string? NhsNumber, Patient? Patient) CheckSubject(ReferralSubmission submission, List<FhirProblem> problems)
    {
        var sr = submission.ServiceRequest;
        var at = submission.ServiceRequestPath;
        if (sr.Subject is null)
        {
            problems.Add(FhirProblem.Required($"{at}.subject", "ServiceRequest.subject is missing: the referral must name the patient."));
            return (null, null);
        }

        var resolved = submission.Resolve(sr.Subject);
        if (resolved is not null and not Patient)
        {
            problems.Add(FhirProblem.Invalid($"{at}.subject.reference", $"ServiceRequest.subject must be a Patient, not a {resolved.TypeName}."));
            return (null, null);
        }

        var patient = resolved as Patient;
        var patientPath = patient is null ? null : submission.PathOf(patient);

        // The NHS number may come on the Patient (bundled or contained), on the subject reference's identifier, or both
        // (then they must agree). A wrong number is named down to its value.
        var onPatient = patient?.Identifier.FindIndex(i => i.System == FhirCodes.NhsNumberSystem) ?? -1;
        var fromReference = sr.Subject.Identifier?.System == FhirCodes.NhsNumberSystem ? sr.Subject.Identifier : null;
        var numbers = new List<(string Value, string Path)>();
        if (onPatient >= 0)
        {
            numbers.Add((patient!.Identifier[onPatient].Value ?? string.Empty, $"{patientPath}.identifier[{onPatient}].value"));
        }

        if (fromReference is not null)
        {
            numbers.Add((fromReference.Value ?? string.Empty, $"{at}.subject.identifier.value"));
        }

        if (numbers.Count == 0)
        {
            problems.Add(FhirProblem.Required(patientPath is null ? $"{at}.subject.identifier" : $"{patientPath}.identifier",
                "The patient's NHS number is missing: give it as an identifier with system https://fhir.nhs.uk/Id/nhs-number on the Patient or on ServiceRequest.subject."));
            return (null, patient);
        }

        var valid = true;
        foreach (var (value, path) in numbers)
        {
            if (!NhsNumber.IsValid(value))
            {
                problems.Add(FhirProblem.Value(path, "The patient's NHS number is not valid: it must be 10 digits with a correct modulus-11 check digit."));
                valid = false;
            }
        }

        if (valid && numbers.Select(n => n.Value).Distinct().Count() > 1)
        {
            problems.Add(FhirProblem.Value($"{at}.subject.identifier.value", "The NHS number on ServiceRequest.subject differs from the one on the Patient."));
            valid = false;
        }

        return (valid ? numbers[0].Value : null, patient);
    }

    /// <summary>The requesting organisation's ODS code: on the requester reference itself, on the Organization it points to,
    /// or on the organisation of the PractitionerRole it is (or that a bundled PractitionerRole gives the Practitioner).</summary>
    private static string? RequesterOds(ReferralSubmission submission, out string? path)
    {
        var sr = submission.ServiceRequest;
        path = null;
        if (sr.Requester is null)
        {
            return null;
        }

        path = $"{submission.ServiceRequestPath}.requester";
        if (Ods(sr.Requester.Identifier) is { } direct)
        {
            path += ".identifier.value";
            return direct;
        }

        var requester = submission.Resolve(sr.Requester);
        string? found = null;
        string? at = null;
        switch (requester)
        {
            case Organization organization:
                found = OdsOf(submission, organization, out at);
                break;
            case PractitionerRole role:
                found = OdsOfRole(submission, role, out at);
                break;
            case Practitioner practitioner:
                foreach (var role in submission.RelatedOf<PractitionerRole>())
                {
                    if (ReferenceEquals(submission.Resolve(role.Practitioner), practitioner) && OdsOfRole(submission, role, out at) is { } ods)
                    {
                        found = ods;
                        break;
                    }
                }

                break;
        }

        path = at ?? path;
        return found;
    }

    private static string? OdsOfRole(ReferralSubmission submission, PractitionerRole role, out string? path)
    {
        if (Ods(role.Organization?.Identifier) is { } direct)
        {
            path = $"{submission.PathOf(role)}.organization.identifier.value";
            return direct;
        }

        path = null;
        return submission.Resolve(role.Organization) is Organization org ? OdsOf(submission, org, out path) : null;
    }

    private static string? OdsOf(ReferralSubmission submission, Organization organization, out string? path)
    {
        var index = organization.Identifier.FindIndex(i => Ods(i) is not null);
        path = index >= 0 ? $"{submission.PathOf(organization)}.identifier[{index}].value" : null;
        return index >= 0 ? Ods(organization.Identifier[index]) : null;
    }

    private static string? Ods(Identifier? identifier) =>
        identifier is not null && FhirCodes.IsOdsSystem(identifier.System) && !string.IsNullOrWhiteSpace(identifier.Value)
            ? identifier.Value.Trim().ToUpperInvariant()
            : null;
}

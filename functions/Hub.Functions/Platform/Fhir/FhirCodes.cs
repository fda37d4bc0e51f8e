namespace Hub.Platform.Fhir;

/// <summary>Identifier systems and codes the hub reads and writes (see shared DESIGN.md, "FHIR conventions").</summary>
public static class FhirCodes
{
    public const string NhsNumberSystem = "https://fhir.nhs.uk/Id/nhs-number";
    public const string OdsSystem = "https://fhir.nhs.uk/Id/ods-organization-code";

    // BaRS writes the ODS system with a lower-case "id"; accept both, write the UK Core form.
    public const string OdsSystemBars = "https://fhir.nhs.uk/id/ods-organization-code";

    public const string Snomed = "http://snomed.info/sct";
    public const string ReferralToSocialPrescribing = "871731000000106";

    public const string NhsHttpErrorCodes = "https://fhir.nhs.uk/CodeSystem/http-error-codes";

    public const string BarsMessageEvents = "https://fhir.nhs.uk/CodeSystem/message-events-bars";
    public const string ServiceRequestRequestEvent = "servicerequest-request";

    /// <summary>The hub's own identifiers and code systems live under this base.</summary>
    public const string HubBase = "https://social-prescribing-hub.nhs.example";
    public const string HubReferralIdSystem = HubBase + "/Id/referral";
    public const string HubTaskBusinessStatus = HubBase + "/CodeSystem/task-business-status";

    public static bool IsOdsSystem(string? system) =>
        string.Equals(system, OdsSystem, StringComparison.Ordinal) ||
        string.Equals(system, OdsSystemBars, StringComparison.Ordinal);
}

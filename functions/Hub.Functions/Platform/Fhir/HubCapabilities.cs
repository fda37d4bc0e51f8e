using Hl7.Fhir.Model;

namespace Hub.Platform.Fhir;

/// <summary>The hub's CapabilityStatement: exactly what its FHIR API implements, no more.</summary>
public static class HubCapabilities
{
    public static CapabilityStatement Build(string baseUrl, DateTimeOffset published)
    {
        var json = new[] { "json", FhirMediaTypes.Json, "xml", FhirMediaTypes.Xml };
        return new CapabilityStatement
        {
            Id = "social-prescribing-hub",
            Url = $"{baseUrl}/metadata",
            Name = "SocialPrescribingReferralHub",
            Title = "Social Prescribing Referral Hub",
            Status = PublicationStatus.Active,
            DateElement = new FhirDateTime(published),
            Kind = CapabilityStatementKind.Instance,
            FhirVersion = FHIRVersion.N4_0_1,
            Format = json,
            Implementation = new CapabilityStatement.ImplementationComponent
            {
                Description = "Takes social prescribing referrals from GP systems and reports their progress.",
                Url = baseUrl,
            },
            Rest =
            [
                new CapabilityStatement.RestComponent
                {
                    Mode = CapabilityStatement.RestfulCapabilityMode.Server,
                    Documentation = "Callers authenticate with an API key issued by the hub (X-API-Key header) and see only their own practices' referrals.",
                    Security = new CapabilityStatement.SecurityComponent
                    {
                        Description = "API key per client, mapped to the ODS codes of the practices it acts for; or, for a provider's own system (role provider), to its own HealthcareService ids: such a key reads no practice's referrals beyond the Tasks offered to or accepted by those services, the offer's minimum of a referral before acceptance and the referral in full after.",
                    },
                    Resource =
                    [
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "ServiceRequest",
                            Documentation = "A referral to social prescribing (SNOMED CT 871731000000106 in code or category). Create is idempotent on ServiceRequest.identifier (system + value) per practice.",
                            Interaction =
                            [
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Create },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
                                new CapabilityStatement.ResourceInteractionComponent
                                {
                                    Code = CapabilityStatement.TypeRestfulInteraction.Vread,
                                    Documentation = "The current version only: the hub keeps no history, so an earlier version is a 404.",
                                },
                                new CapabilityStatement.ResourceInteractionComponent
                                {
                                    Code = CapabilityStatement.TypeRestfulInteraction.Update,
                                    Documentation = "Only to withdraw a referral: status revoked or entered-in-error. If-Match is honoured (412 when it fails).",
                                },
                                new CapabilityStatement.ResourceInteractionComponent
                                {
                                    Code = CapabilityStatement.TypeRestfulInteraction.SearchType,
                                    Documentation = Paging + " Also POST ServiceRequest/_search with a form body.",
                                },
                            ],
                            Versioning = CapabilityStatement.ResourceVersionPolicy.Versioned,
                            ReadHistory = false,
                            ConditionalCreate = true,
                            UpdateCreate = false,
                            SearchParam =
                            [
                                new CapabilityStatement.SearchParamComponent
                                {
                                    Name = "identifier",
                                    Type = SearchParamType.Token,
                                    Definition = "http://hl7.org/fhir/SearchParameter/clinical-identifier",
                                    Documentation = "system|value (both): the GP system's own referral id. Also the one condition If-None-Exist takes.",
                                },
                                new CapabilityStatement.SearchParamComponent
                                {
                                    Name = "based-on",
                                    Type = SearchParamType.Reference,
                                    Definition = "http://hl7.org/fhir/SearchParameter/ServiceRequest-based-on",
                                    Documentation = "ServiceRequest/{id}: the onward connections a link-worker service made from that referral (all on one page).",
                                },
                                new CapabilityStatement.SearchParamComponent
                                {
                                    Name = "_id",
                                    Type = SearchParamType.Token,
                                    Definition = "http://hl7.org/fhir/SearchParameter/Resource-id",
                                    Documentation = "Provider keys: the one referral searched (required), with _include of its bundled resources once the provider's service has accepted it.",
                                },
                                LastUpdated,
                            ],
                            SearchInclude = ["ServiceRequest:subject", "ServiceRequest:requester", "ServiceRequest:supporting-info", "*"],
                        },
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "Task",
                            Documentation = "The progress of a referral (status and businessStatus), one per referral. A provider key reads and searches only the Tasks offered to or accepted by its own HealthcareServices; every other Task is a 404.",
                            Interaction =
                            [
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
                                new CapabilityStatement.ResourceInteractionComponent
                                {
                                    Code = CapabilityStatement.TypeRestfulInteraction.SearchType,
                                    Documentation = Paging + " Also POST Task/_search with a form body. A provider key searches its work by owner=HealthcareService/{id}.",
                                },
                                new CapabilityStatement.ResourceInteractionComponent
                                {
                                    Code = CapabilityStatement.TypeRestfulInteraction.Update,
                                    Documentation = "Provider keys only, If-Match required (428 without, 412 when stale): the performer's transitions. While offered: accepted or rejected (the same answer as the email link; the first wins). Once accepted: in-progress, on-hold, completed, failed, cancelled. statusReason is required on rejected, on-hold, failed and cancelled (422); any other transition is a 409 naming it.",
                                },
                                new CapabilityStatement.ResourceInteractionComponent
                                {
                                    Code = CapabilityStatement.TypeRestfulInteraction.Patch,
                                    Documentation = "As update, with a JSON merge patch (application/merge-patch+json) of status and statusReason.",
                                },
                            ],
                            SearchParam =
                            [
                                new CapabilityStatement.SearchParamComponent
                                {
                                    Name = "focus",
                                    Type = SearchParamType.Reference,
                                    Definition = "http://hl7.org/fhir/SearchParameter/Task-focus",
                                    Documentation = "ServiceRequest/{id}: the Task of that referral.",
                                },
                                new CapabilityStatement.SearchParamComponent
                                {
                                    Name = "part-of",
                                    Type = SearchParamType.Reference,
                                    Definition = "http://hl7.org/fhir/SearchParameter/Task-part-of",
                                    Documentation = "Task/{id}: the Tasks of the onward connections made from that Task's referral (all on one page).",
                                },
                                new CapabilityStatement.SearchParamComponent
                                {
                                    Name = "owner",
                                    Type = SearchParamType.Reference,
                                    Definition = "http://hl7.org/fhir/SearchParameter/Task-owner",
                                    Documentation = "HealthcareService/{provider id}: the provider the referral is with.",
                                },
                                new CapabilityStatement.SearchParamComponent
                                {
                                    Name = "status",
                                    Type = SearchParamType.Token,
                                    Definition = "http://hl7.org/fhir/SearchParameter/Task-status",
                                    Documentation = "One or more Task statuses, comma-separated.",
                                },
                                LastUpdated,
                            ],
                        },
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "HealthcareService",
                            Documentation = "The provider directory: community services that take referrals.",
                            Interaction =
                            [
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
                                new CapabilityStatement.ResourceInteractionComponent
                                {
                                    Code = CapabilityStatement.TypeRestfulInteraction.SearchType,
                                    Documentation = "Every provider in directory order (any key may read it: no patient data). " + PageLinks + " Also POST HealthcareService/_search with a form body.",
                                },
                            ],
                            SearchParam =
                            [
                                new CapabilityStatement.SearchParamComponent { Name = "category", Type = SearchParamType.Token, Definition = "http://hl7.org/fhir/SearchParameter/HealthcareService-service-category" },
                                new CapabilityStatement.SearchParamComponent { Name = "active", Type = SearchParamType.Token, Definition = "http://hl7.org/fhir/SearchParameter/HealthcareService-active" },
                            ],
                        },
                        Outcomes("Observation", "One coded Observation per outcome measure of a referral's survey answers (and totals), basedOn the ServiceRequest.", "http://hl7.org/fhir/SearchParameter/Observation-based-on"),
                        Outcomes("QuestionnaireResponse", "A referral's baseline and follow-up survey answers.", "http://hl7.org/fhir/SearchParameter/QuestionnaireResponse-based-on"),
                        Conformance("Questionnaire", "The outcome instruments the hub asks (public)."),
                        Conformance("CodeSystem", "The hub's own codes for outcome measures with no LOINC or SNOMED CT code (public)."),
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "MeasureReport",
                            Documentation = "Evidence reports (type summary) computed from the nightly snapshot: the funnel, timeliness, paired outcome change, NHS use and cost offset, under NHS England's disclosure control (counts 1-7 suppressed, others rounded to 5). A searchset Bundle of one report for what the key may read.",
                            Interaction =
                            [
                                new CapabilityStatement.ResourceInteractionComponent
                                {
                                    Code = CapabilityStatement.TypeRestfulInteraction.SearchType,
                                    Documentation = PageLinks + " Also POST MeasureReport/_search with a form body.",
                                },
                            ],
                            SearchParam =
                            [
                                new CapabilityStatement.SearchParamComponent
                                {
                                    Name = "subject",
                                    Type = SearchParamType.Reference,
                                    Definition = "http://hl7.org/fhir/SearchParameter/MeasureReport-subject",
                                    Documentation = "Organization/{practice ODS}, Group/{scheme id} or HealthcareService/{provider id}; repeat to combine.",
                                },
                                new CapabilityStatement.SearchParamComponent
                                {
                                    Name = "period",
                                    Type = SearchParamType.Date,
                                    Definition = "http://hl7.org/fhir/SearchParameter/MeasureReport-period",
                                    Documentation = "The date referrals reached the hub, in whole calendar months: YYYY or YYYY-MM, or ge/le dates on the first and last day of a month.",
                                },
                            ],
                        },
                        Outcomes("CarePlan", "A link-worker service's personalised care and support plan for a referral it accepted (one per referral, basedOn the ServiceRequest): for the referring practice and the service; the person's words only with their consent.", "http://hl7.org/fhir/SearchParameter/CarePlan-based-on"),
                        Conformance("Goal", "The goals of a referral's care and support plan, each with its importance to the person and their confidence (1-10, extensions): for the referring practice and the service."),
                    ],
                    Interaction =
                    [
                        new CapabilityStatement.SystemInteractionComponent
                        {
                            Code = CapabilityStatement.SystemRestfulInteraction.Transaction,
                            Documentation = "POST [base] with a transaction Bundle holding one ServiceRequest and the resources it references: all or nothing, answered with a transaction-response Bundle (the ServiceRequest's entry carries the referral; the other resources are kept with it). A collection Bundle is taken the same way and answered with the ServiceRequest.",
                        },
                    ],
                    Operation =
                    [
                        new CapabilityStatement.OperationComponent
                        {
                            Name = "process-message",
                            Definition = "http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message",
                            Documentation = "NHS BaRS message Bundles with MessageHeader event 'servicerequest-request'.",
                        },
                    ],
                },
            ],
        };
    }

    private const string PageLinks = "_count (default 20, at most 100) with self and next links.";

    private const string Paging = "The caller's own practices only; " + PageLinks;

    private static CapabilityStatement.SearchParamComponent LastUpdated => new()
    {
        Name = "_lastUpdated",
        Type = SearchParamType.Date,
        Definition = "http://hl7.org/fhir/SearchParameter/Resource-lastUpdated",
        Documentation = "eq, gt, ge, lt or le with a date or instant; repeat for a range.",
    };

    private static CapabilityStatement.ResourceComponent Outcomes(string type, string documentation, string basedOnDefinition) => new()
    {
        Type = type,
        Documentation = documentation,
        Interaction =
        [
            new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
            new CapabilityStatement.ResourceInteractionComponent
            {
                Code = CapabilityStatement.TypeRestfulInteraction.SearchType,
                Documentation = $"One referral's {type}s, in the order they were recorded: {Paging} Also POST {type}/_search with a form body.",
            },
        ],
        SearchParam = [new CapabilityStatement.SearchParamComponent { Name = "based-on", Type = SearchParamType.Reference, Definition = basedOnDefinition }],
    };

    private static CapabilityStatement.ResourceComponent Conformance(string type, string documentation) => new()
    {
        Type = type,
        Documentation = documentation,
        Interaction = [new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read }],
    };
}

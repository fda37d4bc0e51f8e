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
                        Description = "API key per client, mapped to the ODS codes of the practices it acts for.",
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
                                    Code = CapabilityStatement.TypeRestfulInteraction.Update,
                                    Documentation = "Only to withdraw a referral: status revoked or entered-in-error. If-Match is honoured.",
                                },
                            ],
                            ConditionalCreate = false,
                            UpdateCreate = false,
                        },
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "Task",
                            Documentation = "The progress of a referral (status and businessStatus), one per referral.",
                            Interaction =
                            [
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType },
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
                            ],
                        },
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "HealthcareService",
                            Documentation = "The provider directory: community services that take referrals.",
                            Interaction =
                            [
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType },
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
                            Documentation = "Evidence reports (type summary) computed from the nightly snapshot: the funnel, timeliness, paired outcome change, NHS use and cost offset, with small numbers masked. A searchset Bundle of one report for what the key may read.",
                            Interaction = [new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType }],
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
                                    Documentation = "The date referrals reached the hub: YYYY, YYYY-MM or YYYY-MM-DD with ge, gt, le, lt or eq.",
                                },
                            ],
                        },
                    ],
                    Interaction =
                    [
                        new CapabilityStatement.SystemInteractionComponent
                        {
                            Code = CapabilityStatement.SystemRestfulInteraction.Transaction,
                            Documentation = "POST [base] with a transaction or collection Bundle holding one ServiceRequest and the resources it references.",
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

    private static CapabilityStatement.ResourceComponent Outcomes(string type, string documentation, string basedOnDefinition) => new()
    {
        Type = type,
        Documentation = documentation,
        Interaction =
        [
            new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
            new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType },
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

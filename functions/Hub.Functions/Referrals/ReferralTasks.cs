using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Referrals;

/// <summary>The FHIR Task through which a referrer follows a referral (Gravity SDOH closed-loop pattern):
/// status for the coarse state, businessStatus for the hub's finer step.</summary>
public static class ReferralTasks
{
    public static FhirTask Create(string taskId, string referralId, string practiceOds, string nhsNumber, DateTimeOffset at)
    {
        var focus = new ResourceReference($"ServiceRequest/{referralId}");
        return new FhirTask
        {
            Id = taskId,
            Meta = new Meta { VersionId = "1", LastUpdated = at },
            Status = FhirTask.TaskStatus.Requested,
            BusinessStatus = BusinessStatus(TaskBusinessStatus.Received),
            Intent = FhirTask.TaskIntent.Order,
            Code = new CodeableConcept("http://hl7.org/fhir/CodeSystem/task-code", "fulfill", "Fulfill the focal request"),
            Focus = focus,
            BasedOn = [new ResourceReference($"ServiceRequest/{referralId}")],
            For = new ResourceReference { Identifier = new Identifier(FhirCodes.NhsNumberSystem, nhsNumber), Type = "Patient" },
            Requester = new ResourceReference { Identifier = new Identifier(FhirCodes.OdsSystem, practiceOds), Type = "Organization" },
            AuthoredOnElement = new FhirDateTime(at),
            LastModifiedElement = new FhirDateTime(at),
        };
    }

    public static CodeableConcept BusinessStatus(TaskBusinessStatus code) =>
        new(FhirCodes.HubTaskBusinessStatus, code.Spelling(), code.Display()) { Text = code.Display() };
}

using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;

namespace Hub.Tests.Infrastructure;

/// <summary>The Firely validator against base FHIR R4, offline (the R4 specification package and local terminology).</summary>
public static class FhirValidation
{
    public static Validator NewValidator()
    {
        var resolver = new CachedResolver(ZipSource.CreateValidationSource());
        return new Validator(resolver, LocalTerminologyService.CreateDefaultForCore(resolver));
    }

    public static void AssertValid(Validator validator, Resource resource)
    {
        var outcome = validator.Validate(resource);
        Assert.True(outcome.Success, $"{resource.TypeName}/{resource.Id}: " + string.Join("; ", outcome.Issue
            .Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal)
            .Select(i => $"{i.Details?.Text} @ {string.Join(",", i.Expression)}")));
    }
}

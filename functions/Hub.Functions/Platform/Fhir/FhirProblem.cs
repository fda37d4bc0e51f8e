using Hl7.Fhir.Model;

namespace Hub.Platform.Fhir;

/// <summary>One thing wrong with a request: becomes one OperationOutcome issue.</summary>
/// <param name="Code">The FHIR issue type (invalid, required, value, not-supported...).</param>
/// <param name="Diagnostics">Plain English, safe to show the caller: never echoes clinical free text.</param>
/// <param name="Expressions">The FHIRPath of each element at fault.</param>
public sealed record FhirProblem(OperationOutcome.IssueType Code, string Diagnostics, IReadOnlyList<string> Expressions)
{
    public FhirProblem(OperationOutcome.IssueType code, string diagnostics, string? expression = null)
        : this(code, diagnostics, expression is null ? [] : [expression])
    {
    }

    public static FhirProblem Required(string expression, string diagnostics) =>
        new(OperationOutcome.IssueType.Required, diagnostics, expression);

    public static FhirProblem Value(string expression, string diagnostics) =>
        new(OperationOutcome.IssueType.Value, diagnostics, expression);

    public static FhirProblem Invalid(string? expression, string diagnostics) =>
        new(OperationOutcome.IssueType.Invalid, diagnostics, expression);

    public static FhirProblem NotFound(string expression, string diagnostics) =>
        new(OperationOutcome.IssueType.NotFound, diagnostics, expression);
}

using System.Net;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;

namespace Hub.Intake;

/// <summary>What became of a posted referral: stored (201), already stored (200), or refused with an OperationOutcome.</summary>
public sealed record IntakeResult(HttpStatusCode Status, ServiceRequest? ServiceRequest, OperationOutcome? Outcome)
{
    public string? ReferralId => ServiceRequest?.Id;

    public string? TaskId { get; init; }

    /// <summary>The stored bundle the ServiceRequest lives in, to resolve its references before it is handed out.</summary>
    public Bundle? Document { get; init; }

    /// <summary>The ServiceRequest as the hub hands it out: references into its bundle made resolvable.</summary>
    public ServiceRequest? Served => ServiceRequest is null ? null : Document is null ? ServiceRequest : ServedReferences.Resolve(ServiceRequest, Document);

    /// <summary>The referral's practice, when it could be read (also for most refusals: a queued rejection is filed under it).</summary>
    public string? PracticeOds { get; init; }

    /// <summary>The PRSB mandatory items the stored referral lacks: warnings for the caller, each naming its element.</summary>
    public IReadOnlyList<FhirProblem> Warnings { get; init; } = [];

    public string? IdentifierSystem { get; init; }

    public string? IdentifierValue { get; init; }

    public bool IsStored => Status is HttpStatusCode.Created or HttpStatusCode.OK;

    /// <summary>A refusal that will not change however often the same message is retried.</summary>
    public bool IsPermanentRefusal => !IsStored && Status != HttpStatusCode.ServiceUnavailable;

    public static IntakeResult Refused(HttpStatusCode status, IEnumerable<FhirProblem> problems) =>
        new(status, null, Outcomes.For(status, problems));
}

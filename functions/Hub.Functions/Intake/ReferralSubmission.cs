using Hl7.Fhir.Model;

namespace Hub.Intake;

/// <summary>Which intake endpoint a referral arrived on: each takes its own shape of FHIR.</summary>
public enum IntakeRoute
{
    /// <summary><c>POST /fhir/ServiceRequest</c>: a ServiceRequest on its own.</summary>
    ServiceRequest,

    /// <summary><c>POST /fhir</c>: a transaction or collection Bundle.</summary>
    Bundle,

    /// <summary><c>POST /fhir/$process-message</c>: an NHS BaRS message Bundle.</summary>
    ProcessMessage,
}

/// <summary>A referral as read from what the GP system sent, before any rule is checked:
/// the ServiceRequest and the resources it brought with it.</summary>
public sealed class ReferralSubmission
{
    public required ServiceRequest ServiceRequest { get; init; }

    /// <summary>The FHIRPath prefix for the ServiceRequest's elements in error messages.</summary>
    public string ServiceRequestPath { get; init; } = "ServiceRequest";

    /// <summary>The ServiceRequest entry's fullUrl in the submitted bundle, when it had one.</summary>
    public string? ServiceRequestFullUrl { get; init; }

    /// <summary>Every other resource that came with it (Patient, practitioners, organisations, baseline answers,
    /// consent, risks...), in the order sent, MessageHeader excluded. Empty for a bare ServiceRequest.</summary>
    public IReadOnlyList<BundledResource> Related { get; init; } = [];

    /// <summary>Resolves a reference against the bundle the referral came in (fullUrl, urn:uuid or Type/id);
    /// null when it points outside, or the referral came alone.</summary>
    public Func<ResourceReference?, Resource?> Resolve { get; init; } = _ => null;

    /// <summary>The resources of a type that came with the referral: bundled with it, or contained in it.</summary>
    public IEnumerable<T> RelatedOf<T>() where T : Resource => Related.Select(r => r.Resource).Concat(ServiceRequest.Contained).OfType<T>();

    /// <summary>The FHIRPath of a resource that came with the referral (a bundle entry or a contained resource), for errors.</summary>
    public string PathOf(Resource resource)
    {
        if (Related.FirstOrDefault(r => ReferenceEquals(r.Resource, resource)) is { } bundled)
        {
            return $"{bundled.Path}.ofType({resource.TypeName})";
        }

        var contained = ServiceRequest.Contained.FindIndex(c => ReferenceEquals(c, resource));
        return contained >= 0 ? $"{ServiceRequestPath}.contained[{contained}].ofType({resource.TypeName})" : ServiceRequestPath;
    }
}

/// <summary>A resource from the submitted bundle, with the FHIRPath it was found at (for error messages).</summary>
public sealed record BundledResource(Resource Resource, string Path, string? FullUrl);

using Hl7.Fhir.Model;
using Hub.Platform.Fhir;

namespace Hub.Intake;

/// <summary>Finds the referral in what was posted: a bare ServiceRequest, a transaction/collection Bundle,
/// or a BaRS message Bundle, and checks that every reference inside a bundle resolves.</summary>
public static class ReferralReader
{
    public sealed record Result(ReferralSubmission? Submission, IReadOnlyList<FhirProblem> Problems, bool IsStructural)
    {
        public static Result Structural(FhirProblem problem) => new(null, [problem], IsStructural: true);
    }

    public static Result Read(Resource resource, IntakeRoute route)
    {
        switch (route)
        {
            case IntakeRoute.ServiceRequest:
                return resource is ServiceRequest sr
                    ? new Result(new ReferralSubmission { ServiceRequest = sr, Resolve = BundleReferences.Of(sr).Resolve }, UnresolvedContained(sr), false)
                    : Result.Structural(FhirProblem.Invalid("resourceType",
                        $"This endpoint takes a ServiceRequest, but the body is a {resource.TypeName}."));

            case IntakeRoute.Bundle:
                if (resource is not Bundle bundle)
                {
                    return Result.Structural(FhirProblem.Invalid("resourceType",
                        $"This endpoint takes a transaction or collection Bundle, but the body is a {resource.TypeName}. Post a lone ServiceRequest to /fhir/ServiceRequest."));
                }

                // A readable Bundle of a type the hub does not take breaks a business rule (422), not the syntax (400).
                if (bundle.Type == Bundle.BundleType.Message)
                {
                    return Refused(new FhirProblem(OperationOutcome.IssueType.NotSupported,
                        "A message Bundle goes to /fhir/$process-message, not to the base endpoint.", "Bundle.type"));
                }

                if (bundle.Type is not (Bundle.BundleType.Transaction or Bundle.BundleType.Collection))
                {
                    return Refused(bundle.Type is null
                        ? FhirProblem.Required("Bundle.type", "Bundle.type is missing: use 'transaction' or 'collection'.")
                        : new FhirProblem(OperationOutcome.IssueType.NotSupported, $"Bundle.type must be 'transaction' or 'collection', not '{bundle.TypeElement?.JsonValue}'.", "Bundle.type"));
                }

                return ReadBundle(bundle, focus: null);

            case IntakeRoute.ProcessMessage:
            default:
                if (resource is not Bundle message)
                {
                    return Result.Structural(FhirProblem.Invalid("resourceType",
                        $"$process-message takes a Bundle of type 'message' whose first entry is a MessageHeader, but the body is a {resource.TypeName}."));
                }

                if (message.Type != Bundle.BundleType.Message)
                {
                    return Refused(new FhirProblem(OperationOutcome.IssueType.NotSupported,
                        "$process-message takes a Bundle of type 'message' whose first entry is a MessageHeader.", "Bundle.type"));
                }

                return ReadMessage(message);
        }
    }

    private static Result Refused(FhirProblem problem) => new(null, [problem], IsStructural: false);

    private static Result ReadMessage(Bundle message)
    {
        if (message.Entry.FirstOrDefault()?.Resource is not MessageHeader header)
        {
            return Result.Structural(FhirProblem.Invalid("Bundle.entry[0].resource",
                "The first entry of a message Bundle must be its MessageHeader."));
        }

        var eventCoding = header.Event as Coding;
        if (eventCoding?.Code != FhirCodes.ServiceRequestRequestEvent)
        {
            return new Result(null, [new FhirProblem(OperationOutcome.IssueType.NotSupported,
                $"The hub processes only '{FhirCodes.ServiceRequestRequestEvent}' messages; this one is '{eventCoding?.Code ?? "(no event)"}'.",
                "Bundle.entry[0].resource.ofType(MessageHeader).eventCoding")], false);
        }

        if (header.Id is null && message.Entry[0].FullUrl is null && message.Id is null)
        {
            // The answer names the message it answers (MessageHeader.response.identifier, FHIR R4 messaging): by its
            // MessageHeader's id, that entry's fullUrl, or the Bundle's id.
            return new Result(null, [FhirProblem.Required("Bundle.entry[0].fullUrl",
                "The message cannot be named in the answer: give its MessageHeader an id or a fullUrl (urn:uuid:...), or the Bundle an id.")], false);
        }

        var focus = header.Focus.FirstOrDefault();
        if (focus is null)
        {
            return new Result(null, [FhirProblem.Required("Bundle.entry[0].resource.ofType(MessageHeader).focus",
                "The MessageHeader must have a focus naming the ServiceRequest.")], false);
        }

        return ReadBundle(message, focus);
    }

    private static Result ReadBundle(Bundle bundle, ResourceReference? focus)
    {
        var problems = new List<FhirProblem>();
        var entries = new List<BundledResource>();
        var references = new BundleReferences(bundle);
        Resource? Resolve(ResourceReference? reference) => references.Resolve(reference);

        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            var entry = bundle.Entry[i];
            var path = $"Bundle.entry[{i}].resource";
            if (entry.Resource is null)
            {
                problems.Add(FhirProblem.Required(path, $"Bundle entry {i} has no resource."));
                continue;
            }

            entries.Add(new BundledResource(entry.Resource, path, entry.FullUrl));
        }

        foreach (var i in references.RepeatedFullUrls)
        {
            problems.Add(FhirProblem.Invalid($"Bundle.entry[{i}].fullUrl", $"fullUrl '{bundle.Entry[i].FullUrl}' appears more than once in the Bundle."));
        }

        // Every urn:uuid and relative reference inside the bundle must point at an entry.
        var check = new UnresolvedReferences(Resolve, problems);
        foreach (var item in entries)
        {
            check.Walk(item.Resource, item.Path);
        }

        var serviceRequests = entries.Where(e => e.Resource is ServiceRequest).ToList();
        BundledResource? chosen;
        if (focus is not null)
        {
            var focused = Resolve(focus);
            chosen = entries.FirstOrDefault(e => ReferenceEquals(e.Resource, focused));
            if (chosen?.Resource is not ServiceRequest)
            {
                problems.Add(FhirProblem.Invalid("Bundle.entry[0].resource.ofType(MessageHeader).focus",
                    "The MessageHeader's focus must reference the ServiceRequest entry of the message."));
                return new Result(null, problems, false);
            }
        }
        else if (serviceRequests.Count == 1)
        {
            chosen = serviceRequests[0];
        }
        else
        {
            problems.Add(serviceRequests.Count == 0
                ? FhirProblem.Required("Bundle.entry", "The Bundle holds no ServiceRequest: a referral bundle carries exactly one.")
                : FhirProblem.Invalid("Bundle.entry", $"The Bundle holds {serviceRequests.Count} ServiceRequests: post one referral per Bundle."));
            return new Result(null, problems, false);
        }

        var submission = new ReferralSubmission
        {
            ServiceRequest = (ServiceRequest)chosen.Resource,
            ServiceRequestPath = $"{chosen.Path}.ofType(ServiceRequest)",
            ServiceRequestFullUrl = chosen.FullUrl,
            Related = entries.Where(e => !ReferenceEquals(e, chosen) && e.Resource is not MessageHeader).ToList(),
            Resolve = Resolve,
        };
        return new Result(submission, problems, false);
    }

    /// <summary>A lone ServiceRequest's <c>#id</c> references must name one of its contained resources.</summary>
    private static List<FhirProblem> UnresolvedContained(ServiceRequest sr)
    {
        var problems = new List<FhirProblem>();
        var references = BundleReferences.Of(sr);
        new UnresolvedReferences(r => r?.Reference?.StartsWith('#') == true ? references.Resolve(r) : sr, problems).Walk(sr, "ServiceRequest");
        return problems;
    }

    private static string Shorten(string value) => value.Length <= 120 ? value : value[..120] + "…";

    /// <summary>Reports each bundle-local reference (urn: or relative) that points at no entry.</summary>
    private sealed class UnresolvedReferences(Func<ResourceReference?, Resource?> resolve, List<FhirProblem> problems) : ElementWalk
    {
        protected override bool Enter(string name, Base element, ElementPath path)
        {
            if (element is ResourceReference { Reference: { Length: > 0 } target } reference && target != "#")
            {
                var mustResolve = target.StartsWith('#') || target.StartsWith("urn:", StringComparison.OrdinalIgnoreCase) || !Uri.IsWellFormedUriString(target, UriKind.Absolute);
                if (mustResolve && resolve(reference) is null)
                {
                    problems.Add(FhirProblem.NotFound($"{path}.reference", target.StartsWith('#')
                        ? $"The reference '{Shorten(target)}' names no contained resource."
                        : $"The reference '{Shorten(target)}' does not resolve to any entry in the Bundle."));
                }
            }

            return true;
        }
    }
}

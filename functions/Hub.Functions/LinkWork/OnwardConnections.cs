using System.Net;
using System.Security.Cryptography;
using System.Text;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Chase;
using Hub.Intake;
using Hub.Platform.Fhir;
using Hub.Providers;
using Hub.Referrals;
using Microsoft.DurableTask.Client;

namespace Hub.LinkWork;

/// <summary>Onward connections: a link-worker service that accepted a referral connects the person to a community
/// activity or provider from the directory. Each connection is a child referral, a <c>ServiceRequest</c> <c>basedOn</c>
/// the accepted one, for the same person and practice, requested by the service, performed by the chosen provider (or
/// routed by activity), taken in by the ordinary intake (stored once on its identifier, its own Task <c>partOf</c> the
/// parent's) and chased, accepted, handed over and reported exactly like a GP's referral. Reached by the service's
/// provider key (<c>POST /fhir/ServiceRequest</c>) or by the form its handover link opens (<see cref="OnwardConnectionHttp"/>);
/// either way only the service that accepted the parent, while it holds it, may connect.</summary>
public sealed class OnwardConnections(
    ProviderWork work,
    ProviderDirectory directory,
    ProviderRouting routing,
    ActivityMatcher matcher,
    ReferralIntake intake,
    TimeProvider time) : IOnwardIntake
{
    /// <summary>The identifier system of connections made on the form: a URI identifier (FHIR's
    /// <c>urn:ietf:rfc:3986</c>) whose value is the form's own <c>urn:uuid</c>, so a form sent twice makes one connection.</summary>
    public const string FormIdentifierSystem = "urn:ietf:rfc:3986";

    /// <summary>A provider key's <c>POST /fhir/ServiceRequest</c>: an onward connection <c>basedOn</c> a referral the
    /// key's service accepted and still holds. Anything else is refused with an OperationOutcome naming the element.</summary>
    public async Task<IntakeResult> SubmitAsync(Resource resource, IntakeRoute route, Caller caller, string channel, DurableTaskClient durable, CancellationToken cancellationToken)
    {
        if (route != IntakeRoute.ServiceRequest || resource is not ServiceRequest posted)
        {
            return IntakeResult.Refused(HttpStatusCode.BadRequest, [FhirProblem.Invalid("resourceType",
                "A provider key posts only onward connections: a lone ServiceRequest to /fhir/ServiceRequest, basedOn the referral the service accepted.")]);
        }

        var parentId = ParentId(posted);
        if (parentId is null)
        {
            return IntakeResult.Refused(HttpStatusCode.UnprocessableEntity, [FhirProblem.Required("ServiceRequest.basedOn",
                "An onward connection is basedOn the referral the link-worker service accepted: basedOn ServiceRequest/{id}, one only.")]);
        }

        var seen = await work.FindByReferralAsync(caller, parentId, cancellationToken);
        if (seen is not { Sight: ProviderSight.Owned })
        {
            return IntakeResult.Refused(HttpStatusCode.NotFound, [new FhirProblem(OperationOutcome.IssueType.NotFound,
                $"ServiceRequest/{parentId} is not a referral this service has accepted and holds open.", "ServiceRequest.basedOn")]);
        }

        return await ConnectAsync(posted, seen.ProviderId, new OnwardParent(seen.Record.ReferralId, seen.Record.PracticeOds, seen.Record.TaskId), seen.Document, caller, channel, durable,
            cancellationToken);
    }

    /// <summary>Makes one connection from a ServiceRequest the service wrote (API) or the form built: checks it against the
    /// parent and the directory, completes it from the parent (the person, consent and risks; the service as requester)
    /// and hands it to intake.</summary>
    public async Task<IntakeResult> ConnectAsync(ServiceRequest child, string serviceId, OnwardParent parentRecord, ReferralDocument parent, Caller caller, string channel,
        DurableTaskClient durable, CancellationToken cancellationToken = default)
    {
        var service = await directory.GetAsync(serviceId, cancellationToken);
        if (service is null || !service.Categories.Contains(ActivityCategories.LinkWorker))
        {
            return IntakeResult.Refused(HttpStatusCode.Forbidden, [new FhirProblem(OperationOutcome.IssueType.Forbidden,
                "Only a link-worker service (a provider carrying the link-worker category) makes onward connections.", "ServiceRequest.basedOn")]);
        }

        var nhsNumber = parent.NhsNumber;
        if (child.Subject?.Identifier is { System: FhirCodes.NhsNumberSystem } named && named.Value != nhsNumber)
        {
            return IntakeResult.Refused(HttpStatusCode.UnprocessableEntity, [FhirProblem.Value("ServiceRequest.subject.identifier.value",
                "An onward connection is for the person of the referral it is basedOn: this NHS number is not theirs.")]);
        }

        var routed = await RouteAsync(child, serviceId, parentRecord.PracticeOds, parent, cancellationToken);
        if (routed is not null)
        {
            return routed;
        }

        return await intake.SubmitOnwardAsync(Complete(child, service, parentRecord, parent), parentRecord, serviceId, caller, channel, durable, cancellationToken);
    }

    /// <summary>The refusal when nobody could be offered the connection: a performer that is not an active community
    /// provider, or an activity no provider offers in the person's area with room. Null when someone can.</summary>
    private async Task<IntakeResult?> RouteAsync(ServiceRequest child, string serviceId, string practiceOds, ReferralDocument parent, CancellationToken cancellationToken)
    {
        var request = RoutingRequest.From(child, parent.Patient, matcher, practiceOds);
        if (request.PerformerProviderId is { } performerId)
        {
            var performer = await directory.GetAsync(performerId, cancellationToken);
            if (performer is not { Status: ProviderStatus.Active } || performer.Id == serviceId || performer.Categories.Contains(ActivityCategories.LinkWorker))
            {
                return IntakeResult.Refused(HttpStatusCode.UnprocessableEntity, [FhirProblem.Value("ServiceRequest.performer",
                    $"The performer '{Shorten(performerId)}' is not an active community provider in the directory: name one (HealthcareService/{{id}}), or leave the performer out and name the activity.")]);
            }

            return null;
        }

        var decision = await routing.DecideAsync(request, time.GetUtcNow(), cancellationToken);
        return decision.Basis == RouteBasis.Activity
            ? null
            : IntakeResult.Refused(HttpStatusCode.UnprocessableEntity, [new FhirProblem(OperationOutcome.IssueType.BusinessRule,
                request.ActivityCategories.Count == 0
                    ? "The connection names no activity the directory knows and no performer: name a provider (performer HealthcareService/{id}) or an activity (code with the hub's activity-category system)."
                    : $"No active provider offers {string.Join(", ", request.ActivityCategories)} in the person's area with room this week: name a provider as the performer, or another activity.",
                ["ServiceRequest.code", "ServiceRequest.performer"])]);
    }

    /// <summary>The connection as intake takes it: the person (the parent's Patient), their consent and risks, and the
    /// service as requester (an Organization with the service's id and address, so the chase's news reaches the link
    /// worker, not the GP). Every reference the hub adds is a urn:uuid derived from ids, so a repeat hashes the same.</summary>
    private static ReferralSubmission Complete(ServiceRequest child, Provider service, OnwardParent parentRecord, ReferralDocument parent)
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Collection };
        bundle.Entry.Add(new Bundle.EntryComponent { Resource = child });
        var related = new List<BundledResource>();
        void Add(Resource resource, string fullUrl)
        {
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = fullUrl, Resource = resource });
            related.Add(new BundledResource(resource, $"Bundle.entry[{related.Count + 1}]", fullUrl));
        }

        var requesterUrl = Urn($"requester|{service.Id}");
        var requester = new Organization
        {
            Identifier = [new Identifier(ActivityCategories.ProviderIdSystem, service.Id)],
            Name = service.OrganizationName is { } organisation && organisation != service.Name ? $"{service.Name} ({organisation})" : service.Name,
        };
        foreach (var address in service.Emails.Take(1))
        {
            requester.Telecom.Add(new ContactPoint(ContactPoint.ContactPointSystem.Email, ContactPoint.ContactPointUse.Work, address));
        }

        Add(requester, requesterUrl);
        child.Requester = new ResourceReference(requesterUrl) { Display = service.Name };
        child.BasedOn = [new ResourceReference($"ServiceRequest/{parentRecord.ReferralId}")];

        var parentEntries = parent.Bundle.Entry.Where(e => e.Resource is not null && !ReferenceEquals(e.Resource, parent.ServiceRequest)).ToList();
        var subject = (ResourceReference)parent.ServiceRequest.Subject.DeepCopy();
        if (parent.Patient is { } patient)
        {
            var patientUrl = parentEntries.FirstOrDefault(e => ReferenceEquals(e.Resource, patient))?.FullUrl ?? Urn($"patient|{parentRecord.ReferralId}");
            Add((Patient)patient.DeepCopy(), patientUrl);
            subject.Reference = patientUrl;
        }

        child.Subject = subject;
        foreach (var entry in parentEntries)
        {
            if (entry is { Resource: Consent or Flag or RiskAssessment, FullUrl: { } fullUrl })
            {
                Add((Resource)entry.Resource!.DeepCopy(), fullUrl);
            }
        }

        var references = new BundleReferences(bundle);
        return new ReferralSubmission { ServiceRequest = child, Related = related, Resolve = references.Resolve };
    }

    /// <summary>The one parent referral a ServiceRequest is basedOn (relative, absolute or bare id); null for none or several.</summary>
    public static string? ParentId(ServiceRequest serviceRequest)
    {
        var ids = serviceRequest.BasedOn.Select(b => b?.Reference).Where(r => !string.IsNullOrWhiteSpace(r))
            .Select(r => r!.Split('?', '#')[0].Split('/', StringSplitOptions.RemoveEmptyEntries))
            .Select(parts => parts.Length >= 2 && parts[^2] == "ServiceRequest" ? parts[^1] : parts.Length >= 4 && parts[^4] == "ServiceRequest" && parts[^2] == "_history" ? parts[^3] : null)
            .Distinct(StringComparer.Ordinal).ToList();
        return ids is [{ } one] ? one : null;
    }

    private static string Urn(string seed)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(seed))[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return $"urn:uuid:{new Guid(bytes, bigEndian: true)}";
    }

    private static string Shorten(string value) => value.Length <= 60 ? value : value[..60] + "…";
}

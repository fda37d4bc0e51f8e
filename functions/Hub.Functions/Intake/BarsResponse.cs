using System.Globalization;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Microsoft.AspNetCore.Http;

namespace Hub.Intake;

/// <summary>The hub's synchronous answer to a BaRS <c>POST [base]/$process-message</c>, as the sources say:
/// <list type="bullet">
/// <item>Accepted: <c>200 OK</c> (BaRS Core, "Standard Pattern for Composites": the receiver "send[s] http response message
/// back to the sender", its pseudo code ending in <c>return HTTP.ResponseCode 200 'OK'</c>;
/// https://simplifier.net/guide/nhsbookingandreferralstandard, Core 1.1.3), with the response message FHIR R4 requires of
/// a synchronous <c>$process-message</c> (OperationDefinition MessageHeader-process-message: "return: a response message,
/// if synchronous messaging is being used (mandatory in this case)"; messaging.html): a <c>message</c> Bundle whose
/// MessageHeader has <c>response.identifier</c> = the request's MessageHeader id, <c>response.code</c> <c>ok</c> and
/// <c>focus</c> = the stored ServiceRequest, which is in the Bundle. BaRS adds that senders "should not expect or require
/// anymore than" the HTTP and transaction-integrity headers (Core 1.0.4, "HTTP Response Headers"), so the body is for FHIR
/// clients and costs a BaRS sender nothing.</item>
/// <item>The same message again, already processed: <c>409</c>, OperationOutcome <c>issue.code</c> <c>duplicate</c>,
/// <c>REC_CONFLICT</c> (BaRS Core, "Transactional integrity: Receiver responsibilities": "in the event that a duplicate
/// message that has already been correctly processed is received, return a response with REC_CONFLICT (409) and an
/// operationOutcome.issue.code of 'duplicate'"; Failure Scenarios, "Bundle processing POST /$process-message").</item>
/// <item>Refusals: an OperationOutcome with the HTTP status and the NHS http-error-codes concept (<c>REC_BAD_REQUEST</c>,
/// <c>REC_UNPROCESSABLE_ENTITY</c>, ...), as every intake refusal already is (BaRS Core, "Error Handling: Receiver
/// responsibilities").</item>
/// <item>Every answer carries back the sender's <c>X-Request-ID</c> and <c>X-Correlation-ID</c> ("return the X-Request-ID and
/// X-Correlation-ID in responses at ALL times, where possible").</item>
/// </list></summary>
public static class BarsResponse
{
    public const string RequestIdHeader = "X-Request-ID";
    public const string CorrelationIdHeader = "X-Correlation-ID";

    /// <summary>Echoes the transaction-integrity headers on the answer. BaRS says they are GUIDs: anything else (a proxy's
    /// own request id, say) is not echoed, and their absence is not refused (the hub is posted to directly, not only
    /// through the BaRS proxy; a repeat is recognised by the referral's identifier instead).</summary>
    public static void EchoTransactionHeaders(HttpRequest request)
    {
        foreach (var name in (string[])[RequestIdHeader, CorrelationIdHeader])
        {
            if (request.Headers.TryGetValue(name, out var value) && Guid.TryParse(value.ToString(), out var id))
            {
                request.HttpContext.Response.Headers[name] = id.ToString("D", CultureInfo.InvariantCulture);
            }
        }
    }

    /// <summary>The response message for an accepted referral message.</summary>
    public static Bundle Accepted(Bundle request, ServiceRequest served, string baseUrl, OperationOutcome? warnings, DateTimeOffset now)
    {
        var header = request.Entry.FirstOrDefault()?.Resource as MessageHeader;
        var requestHeaderEntry = request.Entry.FirstOrDefault();
        var servedUrl = $"{baseUrl}/ServiceRequest/{served.Id}";
        var answer = new MessageHeader
        {
            Id = Guid.NewGuid().ToString(),
            Event = (header?.Event as Coding) is { } coding ? new Coding(coding.System, coding.Code) : new Coding(FhirCodes.BarsMessageEvents, FhirCodes.ServiceRequestRequestEvent),
            Source = new MessageHeader.MessageSourceComponent { Name = "Social Prescribing Referral Hub", Endpoint = $"{baseUrl}/$process-message" },
            Response = new MessageHeader.ResponseComponent
            {
                Identifier = RequestMessageId(request, requestHeaderEntry),
                Code = MessageHeader.ResponseType.Ok,
            },
            Focus = [new ResourceReference(servedUrl)],
        };
        if (header?.Source?.Endpoint is { Length: > 0 } replyTo)
        {
            answer.Destination.Add(new MessageHeader.MessageDestinationComponent { Endpoint = replyTo });
        }

        var bundle = new Bundle
        {
            Id = Guid.NewGuid().ToString(),
            Type = Bundle.BundleType.Message,
            Timestamp = now,
            Identifier = new Identifier("urn:ietf:rfc:3986", $"urn:uuid:{Guid.NewGuid()}"),
        };
        bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"urn:uuid:{answer.Id}", Resource = answer });
        bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = servedUrl, Resource = served });
        if (warnings is not null)
        {
            // MessageHeader.response.details: "hints/warnings/errors" (the PRSB mandatory items the referral lacks).
            warnings.Id ??= Guid.NewGuid().ToString();
            var detailsUrl = $"urn:uuid:{warnings.Id}";
            answer.Response.Details = new ResourceReference(detailsUrl);
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = detailsUrl, Resource = warnings });
        }

        return bundle;
    }

    /// <summary>The refusal of a message the hub already processed: it names what that message made.</summary>
    public static FhirProblem AlreadyProcessed(string referralId, string? taskId) => new(OperationOutcome.IssueType.Duplicate,
        string.Create(CultureInfo.InvariantCulture,
            $"This message was already processed: its referral is ServiceRequest/{referralId}{(taskId is null ? string.Empty : $", followed by Task/{taskId}")}. Nothing new was stored."));

    /// <summary>The id of the message answered: its MessageHeader's id (FHIR R4 MessageHeader.response.identifier), or,
    /// as BaRS examples give the MessageHeader only a <c>urn:uuid:</c> fullUrl, that uuid; the Bundle's id as a last resort.</summary>
    private static string? RequestMessageId(Bundle request, Bundle.EntryComponent? headerEntry)
    {
        if (headerEntry?.Resource?.Id is { Length: > 0 } id)
        {
            return id;
        }

        if (headerEntry?.FullUrl is { Length: > 0 } fullUrl)
        {
            // urn:uuid:{uuid}, or a URL ending in the id.
            var last = fullUrl[(fullUrl.LastIndexOfAny([':', '/']) + 1)..];
            if (last.Length > 0)
            {
                return last;
            }
        }

        // ReferralReader refuses a message with none of the three.
        return request.Id;
    }
}

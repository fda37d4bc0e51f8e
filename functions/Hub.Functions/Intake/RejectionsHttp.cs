using System.Net;
using System.Text;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Platform.Fhir;
using Hub.Platform.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Hub.Intake;

/// <summary>What happened to queued referrals the hub refused: a searchset Bundle of OperationOutcomes, one per message,
/// each with the message id as its id and a first issue saying which message and which referral identifier it was.</summary>
public sealed class RejectionsHttp(ApiKeys keys, RejectionStore rejections, FhirSerializer fhir, FhirHttp http)
{
    [Function("ListRejections")]
    public async Task<IActionResult> ListRejections(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "intake/rejections")] HttpRequest request)
    {
        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is not { } caller)
        {
            return http.Unauthorized(request);
        }

        var count = int.TryParse(request.Query["_count"], out var c) ? Math.Clamp(c, 1, 500) : 100;
        var found = await rejections.ListAsync(caller.PracticeOdsCodes, count, request.HttpContext.RequestAborted);
        var bundle = new Bundle { Id = Guid.NewGuid().ToString(), Type = Bundle.BundleType.Searchset, Total = found.Count };
        foreach (var rejection in found)
        {
            if (fhir.ParseJson(Encoding.UTF8.GetBytes(rejection.OutcomeJson)).Resource is not OperationOutcome outcome)
            {
                continue;
            }

            outcome.Id = TableSafeId(rejection.MessageId);
            outcome.Meta = new Meta { LastUpdated = rejection.At };
            var identifier = rejection.IdentifierValue is null ? "no readable identifier" : $"identifier {rejection.IdentifierSystem}|{rejection.IdentifierValue}";
            outcome.Issue.Insert(0, new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Information,
                Code = OperationOutcome.IssueType.Informational,
                Diagnostics = $"Queued message {rejection.MessageId} was rejected at {rejection.At:O} ({identifier}).",
            });
            bundle.Entry.Add(new Bundle.EntryComponent { Resource = outcome, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
        }

        return http.Resource(request, bundle, HttpStatusCode.OK);
    }

    // FHIR ids allow letters, digits, '-' and '.' up to 64 characters; queue message ids are GUIDs, but say so.
    private static string TableSafeId(string messageId) =>
        new string(messageId.Where(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '.').Take(64).ToArray());
}

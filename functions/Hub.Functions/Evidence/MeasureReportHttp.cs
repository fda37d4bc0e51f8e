using System.Net;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Platform.Fhir;
using Hub.Platform.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Hub.Evidence;

/// <summary>The evidence as FHIR: <c>GET /api/fhir/MeasureReport?subject=…&amp;period=…</c> answers a searchset Bundle
/// holding one summary MeasureReport, computed from the latest evidence snapshot for what the caller may see.</summary>
public sealed class MeasureReportHttp(ApiKeys keys, EvidenceReports reports, FhirHttp http)
{
    [Function("SearchMeasureReport")]
    public async Task<IActionResult> Search([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/MeasureReport")] HttpRequest request)
    {
        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is not { } caller)
        {
            return http.Unauthorized(request);
        }

        var unknown = request.Query.Keys.Where(k => k is not ("subject" or "period" or "_format")).ToList();
        var (query, problems) = ReportQuery.Parse(request.Query["subject"], request.Query["period"]);
        if (unknown.Count > 0 || query is null)
        {
            var all = problems.Concat(unknown.Select(k => new FhirProblem(OperationOutcome.IssueType.NotSupported,
                $"The search parameter '{k}' is not supported on MeasureReport: use subject and period.", k))).ToArray();
            return http.Outcome(request, HttpStatusCode.BadRequest, all);
        }

        var answer = await reports.ForAsync(caller, query, cancellationToken: request.HttpContext.RequestAborted);
        if (answer.Report is null)
        {
            return http.Outcome(request, HttpStatusCode.Forbidden, new FhirProblem(OperationOutcome.IssueType.Forbidden, answer.Forbidden!, "subject"));
        }

        var report = EvidenceMeasureReport.From(answer.Report, query, answer.SnapshotId!, caller.ClientId);
        var baseUrl = FhirHttp.BaseUrl(request);
        var search = query.ToSearch();
        var bundle = new Bundle { Id = report.Id, Type = Bundle.BundleType.Searchset, Total = 1 };
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = $"{baseUrl}/MeasureReport" + (search.Length > 0 ? "?" + search : string.Empty) });
        bundle.Entry.Add(new Bundle.EntryComponent
        {
            FullUrl = $"{baseUrl}/MeasureReport/{report.Id}",
            Resource = report,
            Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match },
        });
        return http.Resource(request, bundle, HttpStatusCode.OK);
    }
}

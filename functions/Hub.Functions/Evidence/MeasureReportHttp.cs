using System.Net;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Platform.Fhir;
using Hub.Platform.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Primitives;

namespace Hub.Evidence;

/// <summary>The evidence as FHIR: <c>GET /api/fhir/MeasureReport?subject=…&amp;period=…</c> answers a searchset Bundle
/// holding one summary MeasureReport, computed from the latest evidence snapshot for what the caller may see.</summary>
public sealed class MeasureReportHttp(ApiKeys keys, EvidenceReports reports, SearchPages pages, FhirHttp http)
{
    [Function("SearchMeasureReport")]
    public Task<IActionResult> Search([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fhir/MeasureReport")] HttpRequest request) =>
        SearchAsync(request);

    [Function("SearchMeasureReportForm")]
    public Task<IActionResult> SearchForm([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "fhir/MeasureReport/_search")] HttpRequest request) =>
        SearchAsync(request);

    /// <summary>By <c>GET</c> or by <c>POST MeasureReport/_search</c> with a form body; <c>_count</c> and the page links as
    /// every hub search has them (one report fits any page).</summary>
    private async Task<IActionResult> SearchAsync(HttpRequest request)
    {
        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is not { } caller)
        {
            return http.Unauthorized(request);
        }

        var (search, refusal) = await pages.BeginAsync(request, caller, "MeasureReport");
        if (refusal is not null)
        {
            return refusal;
        }

        var parameters = search!.Parameters;
        var unknown = parameters.Names.Where(k => k is not ("subject" or "period" or "_count" or SearchPages.TokenParameter)).ToList();
        var (query, problems) = ReportQuery.Parse(new StringValues([.. parameters.Values("subject")]), new StringValues([.. parameters.Values("period")]));
        if (unknown.Count > 0 || query is null)
        {
            var all = problems.Concat(unknown.Select(k => new FhirProblem(OperationOutcome.IssueType.NotSupported,
                $"The search parameter '{k}' is not supported on MeasureReport: use subject and period.", k))).ToArray();
            return http.Outcome(request, HttpStatusCode.BadRequest, all);
        }

        search.Applied.AddRange(QueryHelpers.ParseQuery(query.ToSearch()).SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string>(p.Key, v ?? string.Empty))));
        if (search.Start() is { } badToken)
        {
            return pages.Refuse(search, badToken);
        }

        var answer = await reports.ForAsync(caller, query, cancellationToken: search.Aborted);
        if (answer.Report is null)
        {
            return http.Outcome(request, HttpStatusCode.Forbidden, new FhirProblem(OperationOutcome.IssueType.Forbidden, answer.Forbidden!, "subject"));
        }

        var report = EvidenceMeasureReport.From(answer.Report, query, answer.SnapshotId!, caller.ClientId);
        var (page, next) = SearchPages.Slice<Resource>([report], search);
        return pages.Answer(search, page, next, 1, report.Id);
    }
}

using System.Net;
using System.Text;
using Hub.Access;
using Hub.Platform.Http;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Primitives;

namespace Hub.Evidence;

/// <summary>The evidence report for people and analysts: a form where a person enters their key (it travels in the
/// body, never a URL), the HTML report, and the CSV of de-identified rows. Integrations send the key in X-API-Key and
/// the same subject and period parameters as the FHIR MeasureReport search. The CSV is for analyst keys only, each
/// export audited with its purpose.</summary>
public sealed class ReportHttp(ApiKeys keys, EvidenceReports reports, EvidenceCsv rowsCsv, AuditTrail audit)
{
    [Function("ReportForm")]
    public static IActionResult Form([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports")] HttpRequest request) =>
        HtmlPage.Render(200, "Evidence report", ReportPage.Form(HtmlPage.IssueCsrf(request)));

    [Function("ReportFromForm")]
    public async Task<IActionResult> FromForm([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "reports")] HttpRequest request)
    {
        var (form, refusal) = await HtmlPage.ReadTrustedFormAsync(request, "the report page");
        if (form is null)
        {
            return refusal!;
        }

        string Field(string name) => form[name].ToString().Trim();
        var subjects = new List<string>();
        AddSubject(subjects, "Group", Field("scheme"));
        AddSubject(subjects, "Organization", Field("practice"));
        AddSubject(subjects, "HealthcareService", Field("provider"));
        var periods = new List<string>();
        if (Field("from") is { Length: > 0 } from)
        {
            periods.Add("ge" + from);
        }

        if (Field("to") is { Length: > 0 } to)
        {
            periods.Add("le" + to);
        }

        return await RespondAsync(request, Field("key"), new StringValues([.. subjects]), new StringValues([.. periods]), Field("format") == "csv", Field("purpose"));
    }

    [Function("ReportPage")]
    public Task<IActionResult> Page([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/evidence")] HttpRequest request) =>
        RespondAsync(request, ApiKeyHeader.From(request), request.Query["subject"], request.Query["period"], csv: false);

    [Function("ReportCsv")]
    public Task<IActionResult> Csv([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/referrals.csv")] HttpRequest request) =>
        RespondAsync(request, ApiKeyHeader.From(request), request.Query["subject"], request.Query["period"], csv: true, request.Query["purpose"].ToString().Trim());

    /// <summary>The longest purpose recorded with an export.</summary>
    public const int PurposeLength = 200;

    private async Task<IActionResult> RespondAsync(HttpRequest request, string? key, StringValues subjects, StringValues periods, bool csv, string? purpose = null)
    {
        if (await keys.AuthenticateAsync(key, request.HttpContext.RequestAborted) is not { } caller)
        {
            return HtmlPage.Message(401, "API key not recognised", "Check the API key your scheme or practice was given, then open the report page again.");
        }

        if (csv && caller.Role != KeyRole.Analyst)
        {
            return HtmlPage.Message(403, "Per-person rows are for analysts",
                "This key reads reports. The de-identified per-person CSV needs an analyst key, which a hub administrator issues for a named purpose; ask your hub's administrator if you need one.");
        }

        if (csv && (string.IsNullOrWhiteSpace(purpose) || purpose.Length > PurposeLength))
        {
            return HtmlPage.Message(400, "Say what the export is for",
                $"Each export is recorded with its purpose: send purpose (up to {PurposeLength} characters), for example the project or data-sharing agreement the rows are for.");
        }

        var (query, problems) = ReportQuery.Parse(subjects, periods);
        if (query is null)
        {
            return HtmlPage.Render(400, "Check the report's filters",
                HtmlPage.ErrorSummary(problems.Select(p => (p.Expressions.Count > 0 ? p.Expressions[0] : "subject", p.Diagnostics)).ToList()) + "<p class=\"nhsuk-body\"><a href=\"/api/reports\">Back to the report form</a></p>");
        }

        var answer = await reports.ForAsync(caller, query, withRows: csv, request.HttpContext.RequestAborted);
        if (answer.Report is null)
        {
            return HtmlPage.Message(403, "You cannot see this report", answer.Forbidden!);
        }

        if (csv)
        {
            // Recorded before the rows leave: who, what and why, never the rows themselves.
            await audit.AppendAsync($"client-{caller.ClientId}", "evidence-exported", $"client:{caller.ClientId}",
                $"key {caller.KeyId}; {answer.Rows.Count} rows; {(query.ToSearch() is { Length: > 0 } search ? search : "all")}; purpose: {purpose}", cancellationToken: request.HttpContext.RequestAborted);
            var headers = new Dictionary<string, string> { ["Content-Disposition"] = "attachment; filename=\"social-prescribing-referrals.csv\"" };
            return new BodyResult((int)HttpStatusCode.OK, "text/csv; charset=utf-8", Encoding.UTF8.GetBytes(rowsCsv.Write(answer.Rows, answer.Report.Rule)), headers);
        }

        return HtmlPage.Render(200, "Evidence report", ReportPage.Render(answer.Report), wide: true);
    }

    private static void AddSubject(List<string> subjects, string type, string value)
    {
        if (value.Length > 0)
        {
            subjects.Add($"{type}/{value}");
        }
    }
}

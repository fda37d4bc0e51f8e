using System.Globalization;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using static Hub.Platform.Http.HtmlPage;

namespace Hub.Chase;

/// <summary>The page a provider reaches from the accept or decline link in their email. GET shows the referral and a
/// confirm button (mail scanners follow links, so a GET never acts); POST, from that page only, acts.</summary>
public sealed class ProviderResponseHttp(ProviderResponses responses)
{
    public const string Route = "provider/respond";

    [Function("ShowProviderResponse")]
    public async Task<IActionResult> Show(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest request)
    {
        var view = await responses.ViewAsync(request.Query["t"].ToString(), request.HttpContext.RequestAborted);
        return view.State == ResponseState.Ready ? ProviderResponsePage.Confirm(request, view, errors: null) : ProviderResponsePage.Outcome(view);
    }

    [Function("SubmitProviderResponse")]
    public async Task<IActionResult> Submit(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route)] HttpRequest request,
        [DurableClient] DurableTaskClient durable)
    {
        var (form, refusal) = await ReadTrustedFormAsync(request);
        if (form is null)
        {
            return refusal!;
        }

        var token = form["t"].ToString();
        var view = await responses.ViewAsync(token, request.HttpContext.RequestAborted);
        if (view.State != ResponseState.Ready)
        {
            return ProviderResponsePage.Outcome(view);
        }

        var errors = new List<(string Field, string Message)>();
        DeclineReason? reason = null;
        string? note = null;
        DateOnly? firstSession = null;
        if (view.Claims!.Action == "decline")
        {
            note = form["note"].ToString().Trim();
            if (StoredSpelling.TryParse<DeclineReason>(form["reason"].ToString(), out var chosen))
            {
                reason = chosen;
            }
            else
            {
                errors.Add(("reason", "Select why you cannot take this referral"));
            }

            if (note.Length > 500)
            {
                errors.Add(("note", "The note must be 500 characters or fewer"));
            }
        }
        else
        {
            var (day, month, year) = (form["day"].ToString().Trim(), form["month"].ToString().Trim(), form["year"].ToString().Trim());
            if (day.Length + month.Length + year.Length > 0)
            {
                if (DateOnly.TryParseExact($"{year}-{month.PadLeft(2, '0')}-{day.PadLeft(2, '0')}", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    firstSession = date;
                }
                else
                {
                    errors.Add(("day", "The first session date must be a real date, like 27 3 2027, or left empty"));
                }
            }
        }

        if (errors.Count > 0)
        {
            return ProviderResponsePage.Confirm(request, view, errors);
        }

        var done = await responses.RespondAsync(token, reason, string.IsNullOrEmpty(note) ? null : note, firstSession, durable, request.HttpContext.RequestAborted);
        return ProviderResponsePage.Outcome(done);
    }
}

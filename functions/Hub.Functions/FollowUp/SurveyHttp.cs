using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using static Hub.Platform.Http.HtmlPage;

namespace Hub.FollowUp;

/// <summary>The pages a patient (or the provider going through it with them) reaches from a survey email: the survey form
/// and the opt-out. GET only shows (mail scanners follow links); POST, from the page, acts.</summary>
public sealed class SurveyHttp(Surveys surveys)
{
    public const string Route = "survey";
    public const string OptOutRoute = "survey/opt-out";

    [Function("ShowSurvey")]
    public async Task<IActionResult> Show([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest request)
    {
        var token = request.Query["t"].ToString();
        var view = await surveys.ViewAsync(token, "survey", request.HttpContext.RequestAborted);
        return view.State == SurveyState.Ready ? SurveyPage.Form(request, token, view, _ => null, []) : SurveyPage.Outcome(view);
    }

    [Function("SubmitSurvey")]
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
        string? Field(string name) => form.TryGetValue(name, out var value) ? value.ToString() : null;
        var (view, answers) = await surveys.SubmitAsync(token, Field, durable, request.HttpContext.RequestAborted);
        return answers is { Errors.Count: > 0 } ? SurveyPage.Form(request, token, view, Field, answers.Errors) : SurveyPage.Outcome(view);
    }

    [Function("ShowOptOut")]
    public async Task<IActionResult> ShowOptOut([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = OptOutRoute)] HttpRequest request)
    {
        var token = request.Query["t"].ToString();
        var view = await surveys.ViewAsync(token, "opt-out", request.HttpContext.RequestAborted);
        return view.State == SurveyState.Ready ? SurveyPage.OptOut(request, token, view) : SurveyPage.Outcome(view);
    }

    [Function("SubmitOptOut")]
    public async Task<IActionResult> SubmitOptOut(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = OptOutRoute)] HttpRequest request,
        [DurableClient] DurableTaskClient durable)
    {
        var (form, refusal) = await ReadTrustedFormAsync(request);
        if (form is null)
        {
            return refusal!;
        }

        return SurveyPage.Outcome(await surveys.OptOutAsync(form["t"].ToString(), durable, request.HttpContext.RequestAborted));
    }
}

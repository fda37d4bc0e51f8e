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
        return view.State == SurveyState.Ready ? SurveyPage.Form(request, token, view, _ => null, []) : Outcome(view);
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
        return answers is { Errors.Count: > 0 } ? SurveyPage.Form(request, token, view, Field, answers.Errors) : Outcome(view);
    }

    [Function("ShowOptOut")]
    public async Task<IActionResult> ShowOptOut([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = OptOutRoute)] HttpRequest request)
    {
        var token = request.Query["t"].ToString();
        var view = await surveys.ViewAsync(token, "opt-out", request.HttpContext.RequestAborted);
        if (view.State != SurveyState.Ready)
        {
            return Outcome(view);
        }

        var csrf = IssueCsrf(request);
        var who = view.Administered ? $"{E(view.Referral?.PatientFirstName ?? "The person")} does" : "You do";
        var html = $"<h1>Stop follow-up emails?</h1><p class=\"nhsuk-body\">{who} not have to answer any questions. If you stop, nobody will be asked about this referral again, and that is recorded.</p>" +
                   $"<form method=\"post\" action=\"/api/{OptOutRoute}\" novalidate><input type=\"hidden\" name=\"t\" value=\"{E(token)}\"><input type=\"hidden\" name=\"{CsrfField}\" value=\"{csrf}\">" +
                   "<button class=\"nhsuk-button nhsuk-button--secondary\" type=\"submit\">Stop follow-up emails</button></form>";
        return Render(200, "Stop follow-up emails?", html);
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

        return Outcome(await surveys.OptOutAsync(form["t"].ToString(), durable, request.HttpContext.RequestAborted));
    }

    private static IActionResult Outcome(SurveyView view) => view.State switch
    {
        SurveyState.Invalid => Message(400, "This link does not work", "The link is incomplete or has been changed. Please use the link exactly as it is in your email."),
        SurveyState.Expired => Message(410, "This link has expired", "The time for answering these questions has passed. Thank you all the same."),
        SurveyState.Closed => Message(410, "These questions have closed", "The time for answering these questions has passed, or a newer set of questions has replaced them. Thank you all the same."),
        SurveyState.Withdrawn => Message(410, "These questions are no longer needed", "The referral these questions were about has been withdrawn. You do not need to do anything."),
        SurveyState.OptedOut => Message(200, "You will not be contacted again", "Nobody will be asked about this referral again. This has been recorded. Thank you for letting us know."),
        SurveyState.AlreadyReceived => Message(200, "Thank you: your answers have been received", "Your answers will be added to your GP record. You do not need to do anything else."),
        _ => Message(500, "Something went wrong", "Please try again later."),
    };
}

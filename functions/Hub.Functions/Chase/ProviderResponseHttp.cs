using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using static Hub.Platform.Http.HtmlPage;

namespace Hub.Chase;

/// <summary>The page a provider reaches from the accept or decline link in their email. GET shows the referral and a
/// confirm button (mail scanners follow links, so a GET never acts); POST, from that page only, acts. Once accepted, the
/// pages link to the further pages of the accepting provider's kind of service (<see cref="IHandoverLinks"/>: a
/// link-worker service's episode and onward connections), as the handover page does.</summary>
public sealed class ProviderResponseHttp(ProviderResponses responses, ProviderHandovers handovers, IEnumerable<IHandoverLinks> pageLinks)
{
    public const string Route = "provider/respond";

    [Function("ShowProviderResponse")]
    public async Task<IActionResult> Show(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest request)
    {
        var token = request.Query["t"].ToString();
        var view = await responses.ViewAsync(token, request.HttpContext.RequestAborted);
        if (view is { State: ResponseState.AlreadyDecided, Delivered: true, Decision.Action: "accept", Claims.Action: "accept" })
        {
            // Once accepted, the accept link opens the referral in full for the provider that accepted it.
            var handover = await handovers.OpenAsync(token, request.HttpContext.RequestAborted);
            if (handover.State != HandoverState.Recording)
            {
                return ProviderHandoverPage.Show(request, handover,
                    links: handover.State == HandoverState.Open ? await LinksAsync(handover.Claims!.SubjectId, token, request.HttpContext.RequestAborted) : null);
            }
        }

        return view.State == ResponseState.Ready ? ProviderResponsePage.Confirm(request, view, errors: null) : ProviderResponsePage.Outcome(request, view);
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
        if (view is { State: ResponseState.AlreadyDecided, Delivered: false })
        {
            // The same decision again (the page's "Try again", a second click): delivered if it still has not been.
            return ProviderResponsePage.Outcome(request, await responses.RespondAsync(token, null, null, null, durable, request.HttpContext.RequestAborted));
        }

        if (view.State != ResponseState.Ready)
        {
            return ProviderResponsePage.Outcome(view);
        }

        var answer = ProviderAnswerForm.Read(view.Claims!.Action, name => form[name].ToString());
        if (answer.Errors.Count > 0)
        {
            return ProviderResponsePage.Confirm(request, view, answer.Errors);
        }

        var done = await responses.RespondAsync(token, answer.Reason, answer.Note, answer.FirstSession, durable, request.HttpContext.RequestAborted);
        var links = done is { State: ResponseState.AlreadyDecided, Delivered: true, Decision.Action: "accept", Claims: { } claims }
            ? await LinksAsync(claims.SubjectId, token, request.HttpContext.RequestAborted)
            : null;
        return ProviderResponsePage.Outcome(request, done, links);
    }

    private async Task<IReadOnlyList<HandoverLink>> LinksAsync(string providerId, string token, CancellationToken cancellationToken)
    {
        var links = new List<HandoverLink>();
        foreach (var source in pageLinks)
        {
            links.AddRange(await source.ForAsync(providerId, token, cancellationToken));
        }

        return links;
    }
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using static Hub.Platform.Http.HtmlPage;

namespace Hub.Chase;

/// <summary>The handover page a fresh handover link opens (the accept link opens the same page on
/// <see cref="ProviderResponseHttp"/> once the acceptance is recorded). GET shows it to the accepting provider;
/// POST, from the expired-link page, emails that provider a fresh link.</summary>
public sealed class ProviderHandoverHttp(ProviderHandovers handovers, IEnumerable<IHandoverLinks> pageLinks)
{
    public const string Route = "provider/handover";

    [Function("ShowProviderHandover")]
    public async Task<IActionResult> Show(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest request)
    {
        var token = request.Query["t"].ToString();
        var view = await handovers.OpenAsync(token, request.HttpContext.RequestAborted);
        var links = new List<HandoverLink>();
        if (view.State == HandoverState.Open)
        {
            foreach (var source in pageLinks)
            {
                links.AddRange(await source.ForAsync(view.Claims!.SubjectId, token, request.HttpContext.RequestAborted));
            }
        }

        return ProviderHandoverPage.Show(request, view, links: links);
    }

    [Function("RequestProviderHandoverLink")]
    public async Task<IActionResult> RequestLink(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route)] HttpRequest request)
    {
        var (form, refusal) = await ReadTrustedFormAsync(request);
        if (form is null)
        {
            return refusal!;
        }

        var view = await handovers.SendFreshLinkAsync(form["t"].ToString(), request.HttpContext.RequestAborted);
        return view.State == HandoverState.Open ? ProviderHandoverPage.LinkSent() : ProviderHandoverPage.Refused(request, view);
    }
}

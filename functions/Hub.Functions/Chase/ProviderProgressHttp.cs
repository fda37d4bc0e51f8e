using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using static Hub.Platform.Http.HtmlPage;

namespace Hub.Chase;

/// <summary>The progress form on the handover page: POST only, from that page (anti-forgery), by the accepting
/// provider's link. A report moves the Task once; the same form again changes nothing.</summary>
public sealed class ProviderProgressHttp(ProviderProgress progress, ProviderHandovers handovers, TimeProvider time)
{
    public const string Route = "provider/progress";

    [Function("ReportProviderProgress")]
    public async Task<IActionResult> Report(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route)] HttpRequest request)
    {
        var (form, refusal) = await ReadTrustedFormAsync(request);
        if (form is null)
        {
            return refusal!;
        }

        var token = form["t"].ToString();
        var read = ProgressForm.Read(name => form[name].ToString(), DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime));
        if (read.Entry is null)
        {
            var view = await handovers.ReadAsync(token, cancellationToken: request.HttpContext.RequestAborted);
            return ProviderHandoverPage.Show(request, view, read.Errors);
        }

        var (result, shown, state) = await progress.ReportAsync(token, read.Sequence, read.Entry, request.HttpContext.RequestAborted);
        return ProviderHandoverPage.Reported(request, result, shown, state, read.Entry.Report);
    }
}

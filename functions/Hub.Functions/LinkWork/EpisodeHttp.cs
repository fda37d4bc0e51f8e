using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using static Hub.Platform.Http.HtmlPage;

namespace Hub.LinkWork;

/// <summary>The episode page under the handover: GET shows it to the accepting link-worker service (its accept or
/// handover link); POST, from the page (anti-forgery), records one change.</summary>
public sealed class EpisodeHttp(EpisodeBook book, TimeProvider time)
{
    public const string Route = "provider/episode";

    [Function("ShowEpisode")]
    public async Task<IActionResult> Show(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest request) =>
        EpisodePage.Show(request, await book.OpenAsync(request.Query["t"].ToString(), request.HttpContext.RequestAborted));

    [Function("RecordEpisode")]
    public async Task<IActionResult> Record(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route)] HttpRequest request)
    {
        var (form, refusal) = await ReadTrustedFormAsync(request);
        if (form is null)
        {
            return refusal!;
        }

        var token = form["t"].ToString();
        var cancellationToken = request.HttpContext.RequestAborted;
        var read = EpisodeForm.Read(name => form[name].ToString(), DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime), book.AssessmentQuestions);
        if (read.Entry is null)
        {
            return EpisodePage.Show(request, await book.ReadAsync(token, cancellationToken), read.Errors);
        }

        var (result, access, error) = await book.RecordAsync(token, read.Sequence, read.Entry, cancellationToken);
        return result switch
        {
            EpisodeResult.Recorded => EpisodePage.Show(request, access, notice: "Recorded. Thank you: the episode is up to date."),
            EpisodeResult.Invalid => EpisodePage.Show(request, access, [error!.Value]),
            _ => EpisodePage.NotRecorded(request, result, access),
        };
    }
}

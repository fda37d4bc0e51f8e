using Hub.Platform.Http;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Hub.WriteBack;

/// <summary>The operators' one surface for GP-record writes that need them (admin level): every parked write of every
/// kind (survey answers, a provider's progress points, the link worker's discharge and its amendments), and a retry of
/// every parked write of one referral whatever its kind, once the cause is fixed (the practice's endpoint back, its
/// configuration or credentials corrected). The older per-kind routes (<c>manage/write-backs/progress</c>,
/// <c>…/progress/{point}/retry</c>, <c>manage/episodes/{id}/write-back/retry</c>) go through the same code.</summary>
public sealed class WriteBackRetryHttp(GpWriteRetries retries)
{
    /// <summary>Ids, kinds and states only: the server's reasons stay with each kind's rows.</summary>
    [Function("ParkedWriteBacks")]
    public async Task<IActionResult> List(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "manage/write-backs")] HttpRequest request)
    {
        var parked = await retries.ParkedAsync(cancellationToken: request.HttpContext.RequestAborted);
        return JsonBody.Result(200, new
        {
            count = parked.Count,
            parked = parked.Select(p => new { referralId = p.ReferralId, kind = p.Kind.Spelling(), item = p.Item, practiceOds = p.PracticeOds, state = p.State, parkedAt = p.ParkedAt, retries = p.Retries }),
        });
    }

    /// <summary><c>202</c> naming what was queued again, per kind; <c>409</c> when nothing of the referral is parked (or
    /// it is unknown), as this route always answered. A retry sent twice queues nothing twice.</summary>
    [Function("RetryWriteBack")]
    public async Task<IActionResult> Retry(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/write-backs/{id}/retry")] HttpRequest request, string id,
        [DurableClient] DurableTaskClient durable)
    {
        var requeued = await retries.RetryAsync(id, new GpWriteRetryScope(durable), request.HttpContext.RequestAborted);
        return Answer(id, requeued, $"Referral '{id}' has no parked write-back.");
    }

    /// <summary>The retry's answer, the same for the older per-kind routes.</summary>
    public static IActionResult Answer(string referralId, IReadOnlyList<RequeuedGpWrite> requeued, string nothingParked)
    {
        if (requeued.Count == 0)
        {
            return JsonBody.Problem(409, nothingParked);
        }

        var kinds = requeued.GroupBy(r => r.Kind).OrderBy(g => g.Key).ToDictionary(g => g.Key.Spelling(), g => g.Select(r => new { item = r.Item, state = r.State }).ToList());
        return JsonBody.Result(202, new { referralId, retrying = true, delivered = requeued.All(r => r.Delivered), requeued = kinds });
    }
}

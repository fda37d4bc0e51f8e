using Hub.Platform.Http;
using Hub.Referrals;
using Hub.WriteBack;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Hub.Operations;

/// <summary>The operators' view of the provider's progress points the GP record did not take (admin level): the parked
/// ones (refused by the practice's server, or unreachable for the whole retry period), and a retry of one once its cause
/// is fixed (<see cref="GpProgressWrites.RetryAsync"/>), as for a parked outcome write-back.</summary>
public sealed class ProgressWriteBackHttp(GpProgressWrites writes)
{
    [Function("ParkedProgressWriteBacks")]
    public async Task<IActionResult> List(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "manage/write-backs/progress")] HttpRequest request)
    {
        var parked = await writes.ParkedAsync(request.HttpContext.RequestAborted);
        return JsonBody.Result(200, new { count = parked.Count, parked });
    }

    [Function("RetryProgressWriteBack")]
    public async Task<IActionResult> Retry(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/write-backs/{id}/progress/{point}/retry")] HttpRequest request, string id, string point)
    {
        if (StoredSpelling.ParseOrNull<GpProgressPoint>(point) is not { } p)
        {
            return JsonBody.Problem(400, $"'{point}' is not a progress point: use declined, started or finished.");
        }

        var (result, state) = await writes.RetryAsync(id, p, request.HttpContext.RequestAborted);
        return result switch
        {
            ProgressRetryResult.NotFound => JsonBody.Problem(404, $"Referral '{id}' has no {p.Spelling()} point for the GP record."),
            ProgressRetryResult.NotParked => JsonBody.Problem(409, $"The {p.Spelling()} point of referral '{id}' is not parked ({state?.Spelling()}): nothing to retry."),
            _ => JsonBody.Result(202, new { referralId = id, point = p.Spelling(), retrying = true, state = state?.Spelling() }),
        };
    }
}

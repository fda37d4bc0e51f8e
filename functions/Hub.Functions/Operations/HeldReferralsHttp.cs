using Hub.Platform.Http;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Hub.Operations;

/// <summary>The operators' view of referrals needing attention (admin level): the steps held after running out of
/// retries, and the actions that move them on.</summary>
public sealed class HeldReferralsHttp(ReferralHolds holds)
{
    [Function("HeldReferrals")]
    public async Task<IActionResult> List(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "manage/referrals/held")] HttpRequest request)
    {
        var held = await holds.ListAsync(request.HttpContext.RequestAborted);
        return JsonBody.Result(200, new { count = held.Count, held });
    }

    /// <summary>Resumes a held step now, or recovers a referral whose instance failed under an earlier deployment.</summary>
    [Function("ResumeHeldReferral")]
    public static async Task<IActionResult> Resume(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/referrals/{id}/resume")] HttpRequest request, string id,
        [DurableClient] DurableTaskClient durable)
    {
        var (result, instances) = await new ReferralRecovery(durable).ResumeOrRecoverAsync(id, request.HttpContext.RequestAborted);
        return result switch
        {
            ReferralRecovery.Result.NotFound => JsonBody.Problem(404, $"No orchestration for referral '{id}'."),
            ReferralRecovery.Result.NothingToDo => JsonBody.Problem(409, $"Referral '{id}' has no held step and did not fail: nothing to resume."),
            _ => JsonBody.Result(202, new { referralId = id, action = result == ReferralRecovery.Result.Recovered ? "recovered" : "resumed", instances }),
        };
    }

    /// <summary>Recovers every referral whose chase or follow-up ended Failed (instances from before steps were held).</summary>
    [Function("RecoverFailedReferrals")]
    public static async Task<IActionResult> RecoverAll(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/referrals/recover-failed")] HttpRequest request,
        [DurableClient] DurableTaskClient durable)
    {
        var recovered = await new ReferralRecovery(durable).RecoverAllFailedAsync(request.HttpContext.RequestAborted);
        return JsonBody.Result(202, new { count = recovered.Count, recovered });
    }
}

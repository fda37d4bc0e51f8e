using Hub.FollowUp;
using Hub.Platform.Http;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Hub.Operations;

/// <summary>Where any referral is, for operators (admin level): the orchestration's state, its current step and
/// when its next timer fires, from the follow-up once there is one.</summary>
public static class ReferralStatusHttp
{
    [Function("ReferralStatus")]
    public static async Task<IActionResult> Status(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "referrals/{id}/status")] HttpRequest request, string id,
        [DurableClient] DurableTaskClient durable)
    {
        var instance = await durable.GetInstanceAsync(id, getInputsAndOutputs: true, request.HttpContext.RequestAborted);
        if (instance is null)
        {
            return JsonBody.Problem(404, $"No orchestration for referral '{id}'.");
        }

        // Once a provider accepts, the follow-up runs as its own instance and has the newer news.
        var followUp = await durable.GetInstanceAsync(FollowUpOrchestration.InstanceId(id), getInputsAndOutputs: true, request.HttpContext.RequestAborted);
        var progress = ReferralInstances.ProgressOf(followUp) ?? ReferralInstances.ProgressOf(instance);

        return JsonBody.Result(200, new
        {
            referralId = id,
            runtimeStatus = instance.RuntimeStatus.ToString(),
            step = progress?.Step.Spelling(),
            detail = progress?.Detail,
            providerId = progress?.ProviderId,
            nextTimerAt = progress?.NextTimerAt,
            createdAt = instance.CreatedAt,
            lastUpdatedAt = instance.LastUpdatedAt,
            output = instance.IsCompleted ? instance.ReadOutputAs<string>() : null,
            followUpStatus = followUp?.RuntimeStatus.ToString(),
        });
    }
}

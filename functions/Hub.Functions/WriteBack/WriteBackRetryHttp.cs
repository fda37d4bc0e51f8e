using Hub.FollowUp;
using Hub.Platform.Http;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Hub.WriteBack;

/// <summary>An operator retries a parked write-back (admin level) once its cause is fixed: the practice's endpoint is back,
/// or its configuration or credentials were corrected.</summary>
public static class WriteBackRetryHttp
{
    [Function("RetryWriteBack")]
    public static async Task<IActionResult> Retry(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/write-backs/{id}/retry")] HttpRequest request, string id,
        [DurableClient] DurableTaskClient durable)
    {
        var instance = await durable.GetInstanceAsync(FollowUpOrchestration.InstanceId(id), getInputsAndOutputs: true, request.HttpContext.RequestAborted);
        var progress = ReferralInstances.ProgressOf(instance);
        if (instance is not { RuntimeStatus: OrchestrationRuntimeStatus.Running } || progress?.Step != ProgressStep.WriteBackParked)
        {
            return JsonBody.Problem(409, $"Referral '{id}' has no parked write-back.");
        }

        await durable.RaiseEventAsync(instance.InstanceId, FollowUpOrchestration.RetryWriteBackEvent, new WriteBackRetry("operator"), request.HttpContext.RequestAborted);
        return JsonBody.Result(202, new { referralId = id, retrying = true });
    }
}

using Hub.FollowUp;
using Hub.Platform.Durable;
using Hub.Platform.Http;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Hub.WriteBack;

/// <summary>An operator retries a parked write-back (admin level) once its cause is fixed: the practice's endpoint is back,
/// or its configuration or credentials were corrected. The retry is a pending event, once per parking (counted in the
/// audit trail): a repeated POST for the same parking sends it again only if it was not delivered. Whether anything is
/// parked is read from the stored answers, not the instance's status: a follow-up goes on beside a parked write-back.</summary>
public sealed class WriteBackRetryHttp(PendingEvents pendingEvents, FollowUpStore followUps, AuditTrail audit)
{
    [Function("RetryWriteBack")]
    public async Task<IActionResult> Retry(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/write-backs/{id}/retry")] HttpRequest request, string id,
        [DurableClient] DurableTaskClient durable)
    {
        var instance = await durable.GetInstanceAsync(FollowUpOrchestration.InstanceId(id), getInputsAndOutputs: true, request.HttpContext.RequestAborted);
        var input = instance is { RuntimeStatus: OrchestrationRuntimeStatus.Running } ? instance.ReadInputAs<FollowUpInput>() : null;
        var parked = input is null ? [] : (await followUps.ResponsesAsync(input.Referral.PracticeOds, id, request.HttpContext.RequestAborted)).Where(r => r.WriteBack == WriteBackState.Parked).ToList();
        if (parked.Count == 0)
        {
            return JsonBody.Problem(409, $"Referral '{id}' has no parked write-back.");
        }

        var parkings = (await audit.ReadAsync(id, request.HttpContext.RequestAborted)).Count(e => e.Is(AuditEventName.WriteBackParked));
        var key = $"{FollowUpOrchestration.RetryWriteBackEvent}-{parkings}";
        var delivery = await pendingEvents.TrySendAsync(durable, instance!.InstanceId, FollowUpOrchestration.RetryWriteBackEvent, key, new WriteBackRetry("operator"), request.HttpContext.RequestAborted);
        // Not delivered yet (the task hub unreachable): recorded, so the reconciler, or this request again, delivers it.
        return JsonBody.Result(202, new { referralId = id, retrying = true, delivered = delivery != EventDelivery.Pending });
    }
}

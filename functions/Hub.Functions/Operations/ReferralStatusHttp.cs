using System.Text;
using Hub.FollowUp;
using Hub.Platform.Fhir;
using Hub.Platform.Http;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Hub.Operations;

/// <summary>Where any referral is, for operators (admin level): the orchestration's state, its current step and
/// when its next timer fires, from the follow-up once there is one; and the referral's Task as the referrer sees it
/// (<c>taskStatus</c>, <c>businessStatus</c>), read from the Task itself. The steps write the Task as they act, while an
/// instance's step is published only when the orchestration next checkpoints, so the Task is the one to trust: the
/// endpoint never says less than the Task already does.</summary>
public sealed class ReferralStatusHttp(TaskStore tasks, FhirSerializer fhir)
{
    [Function("ReferralStatus")]
    public async Task<IActionResult> Status(
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
        var input = instance.SerializedInput is null ? null : instance.ReadInputAs<ReferralOrchestrationInput>();
        var stored = input is null ? null : await tasks.GetAsync(input.PracticeOds, input.TaskId, request.HttpContext.RequestAborted);
        var task = stored is null ? null : fhir.ParseJson(Encoding.UTF8.GetBytes(stored.Json)).Resource as Hl7.Fhir.Model.Task;

        return JsonBody.Result(200, new
        {
            referralId = id,
            runtimeStatus = instance.RuntimeStatus.ToString(),
            taskId = input?.TaskId,
            taskStatus = task?.Status is { } status ? Hl7.Fhir.Utility.EnumUtility.GetLiteral(status) : null,
            businessStatus = task?.BusinessStatus?.Coding.FirstOrDefault()?.Code,
            taskLastModified = task?.LastModifiedElement?.Value,
            step = progress?.Step.Spelling(),
            detail = progress?.Detail,
            providerId = progress?.ProviderId,
            nextTimerAt = progress?.NextTimerAt,
            createdAt = instance.CreatedAt,
            lastUpdatedAt = instance.LastUpdatedAt,
            // A failed instance's output is its failure, not JSON: only a completed one has an end to read.
            output = instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? instance.ReadOutputAs<string>() : null,
            failure = instance.FailureDetails?.ErrorType,
            needsRecovery = instance.RuntimeStatus == OrchestrationRuntimeStatus.Failed,
            followUpStatus = followUp?.RuntimeStatus.ToString(),
        });
    }
}

using Hub.Chase;
using Hub.FollowUp;
using Hub.Referrals;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Hub.Operations;

/// <summary>What an operator can do for a referral that needs attention: resume a held step now, or recover an
/// instance that ended <c>Failed</c> under an earlier deployment (before steps were held). Recovery starts the chase
/// again under the same id; its plan reads from the audit trail and the follow-up's tables how far it had got, so it
/// carries on from there, and every email it already sent is recorded as sent and does not go again.</summary>
public sealed class ReferralRecovery(DurableTaskClient durable)
{
    public enum Result
    {
        Resumed,
        Recovered,
        NothingToDo,
        NotFound,
    }

    public async Task<(Result Result, IReadOnlyList<string> Instances)> ResumeOrRecoverAsync(string referralId, CancellationToken cancellationToken = default)
    {
        var chase = await durable.GetInstanceAsync(referralId, getInputsAndOutputs: true, cancellationToken);
        if (chase is null)
        {
            return (Result.NotFound, []);
        }

        var followUp = await durable.GetInstanceAsync(ReferralInstances.FollowUpInstanceId(referralId), getInputsAndOutputs: false, cancellationToken);
        if (chase.RuntimeStatus == OrchestrationRuntimeStatus.Failed || followUp?.RuntimeStatus == OrchestrationRuntimeStatus.Failed && chase.IsCompleted)
        {
            await RecoverAsync(chase, cancellationToken);
            return (Result.Recovered, [referralId]);
        }

        var resumed = new List<string>();
        foreach (var instance in new[] { chase, followUp })
        {
            if (instance is { RuntimeStatus: OrchestrationRuntimeStatus.Running } && ReferralInstances.ProgressOf(instance)?.Step == ProgressStep.Held)
            {
                await durable.RaiseEventAsync(instance.InstanceId, ReferralInstances.ResumeEvent, new ResumeRequest("operator"), cancellationToken);
                resumed.Add(instance.InstanceId);
            }
        }

        return (resumed.Count > 0 ? Result.Resumed : Result.NothingToDo, resumed);
    }

    /// <summary>Recovers every referral whose chase or follow-up ended Failed.</summary>
    public async Task<IReadOnlyList<string>> RecoverAllFailedAsync(CancellationToken cancellationToken = default)
    {
        var referralIds = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var instance in durable.GetAllInstancesAsync(new OrchestrationQuery { Statuses = [OrchestrationRuntimeStatus.Failed] }).WithCancellation(cancellationToken))
        {
            var suffix = ReferralInstances.FollowUpInstanceId(string.Empty);
            referralIds.Add(instance.InstanceId.EndsWith(suffix, StringComparison.Ordinal) ? instance.InstanceId[..^suffix.Length] : instance.InstanceId);
        }

        var recovered = new List<string>();
        foreach (var referralId in referralIds)
        {
            if ((await ResumeOrRecoverAsync(referralId, cancellationToken)).Result == Result.Recovered)
            {
                recovered.Add(referralId);
            }
        }

        return recovered;
    }

    private async Task RecoverAsync(OrchestrationMetadata chase, CancellationToken cancellationToken)
    {
        var input = chase.ReadInputAs<ReferralOrchestrationInput>()
                    ?? throw new InvalidOperationException($"The chase of referral {chase.InstanceId} has no input to start again from.");
        // Only a failed (or, for a failed follow-up, completed) instance is replaced; a running one never is.
        var options = new StartOrchestrationOptions(chase.InstanceId) { Version = ReferralOrchestration.CurrentVersion }.WithDedupeStatuses(
            OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended);
        await durable.ScheduleNewOrchestrationInstanceAsync(ReferralOrchestration.Name, input, options, cancellationToken);
    }
}

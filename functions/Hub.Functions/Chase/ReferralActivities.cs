using Hub.Referrals;
using Microsoft.Azure.Functions.Worker;

namespace Hub.Chase;

/// <summary>The referral orchestration's I/O. Each activity is safe to run twice.</summary>
public sealed class ReferralActivities(AuditTrail audit)
{
    [Function(ChaseActivityNames.RecordReferralReceived)]
    public async Task RecordReferralReceived([ActivityTrigger] ReferralOrchestrationInput input)
    {
        await audit.AppendAsync(input.ReferralId, LifecycleEvent.OrchestrationStarted());
    }
}

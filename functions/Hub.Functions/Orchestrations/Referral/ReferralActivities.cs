using Hub.Storage;
using Microsoft.Azure.Functions.Worker;

namespace Hub.Orchestrations.Referral;

/// <summary>The referral orchestration's I/O. Each activity is safe to run twice.</summary>
public sealed class ReferralActivities(AuditTrail audit)
{
    [Function(nameof(RecordReferralReceived))]
    public async Task RecordReferralReceived([ActivityTrigger] ReferralOrchestrationInput input)
    {
        await audit.AppendAsync(input.ReferralId, "orchestration-started", "hub", "received", onceKey: "orchestration-started");
    }
}

using Hub.Orchestrations.Referral;
using Hub.Storage;
using Hub.Tests.Infrastructure;
using Microsoft.DurableTask.Client;

namespace Hub.Tests.Orchestrations;

/// <summary>The referral orchestration, run by the in-process Durable Task engine (a real replaying engine).</summary>
public sealed class ReferralOrchestrationTests(TestHub hub) : IClassFixture<TestHub>
{
    [Fact]
    public async Task It_records_the_referral_then_waits_until_the_referral_is_withdrawn()
    {
        var referralId = Guid.NewGuid().ToString();
        await hub.Durable.ScheduleNewOrchestrationInstanceAsync(ReferralOrchestration.Name,
            new ReferralOrchestrationInput(referralId, "A81001", Guid.NewGuid().ToString()),
            new Microsoft.DurableTask.StartOrchestrationOptions(referralId));

        var audit = await Eventually.ValueAsync(() => hub.Get<AuditTrail>().ReadAsync(referralId), a => a.Count > 0);
        Assert.Equal("orchestration-started", Assert.Single(audit).Event);
        // The custom status is saved when the orchestrator's episode ends, just after the activity's audit row.
        var waiting = await Eventually.ValueAsync(() => hub.Durable.GetInstanceAsync(referralId, getInputsAndOutputs: true), i => i?.SerializedCustomStatus is not null);
        Assert.Equal(OrchestrationRuntimeStatus.Running, waiting!.RuntimeStatus);
        Assert.Equal("received", waiting.ReadCustomStatusAs<ReferralProgress>()!.Step);
        // The orchestration's own input holds ids only.
        Assert.DoesNotContain("nhs", waiting.SerializedInput!, StringComparison.OrdinalIgnoreCase);

        await hub.Durable.RaiseEventAsync(referralId, ReferralOrchestration.ReferralWithdrawnEvent, "revoked by practice");
        var done = await hub.Durable.WaitForInstanceCompletionAsync(referralId, getInputsAndOutputs: true);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("withdrawn", done.ReadOutputAs<string>());
    }
}

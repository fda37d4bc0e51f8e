using Hub.Chase;
using Hub.FollowUp;
using Hub.Referrals;
using Hub.Tests.Chase;
using Hub.Tests.Infrastructure;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.FollowUp;

/// <summary>A follow-up hub whose provider links last a minute, so an offer outlives an instance being replaced.</summary>
public sealed class SlowLinkHub : FollowUpHub
{
    protected override void Configure(IDictionary<string, string?> settings)
    {
        base.Configure(settings);
        settings["Links:Lifetime"] = "00:01:00";
    }
}

/// <summary>Referrals whose orchestration started under version 2 (the chase, before the follow-up existed) keep that
/// version's shape under the new code: accepted, they wait for a withdrawal and never start a follow-up.</summary>
public sealed class VersionTwoInstanceTests(SlowLinkHub hub) : IClassFixture<SlowLinkHub>
{
    [Fact]
    public async System.Threading.Tasks.Task A_version_two_instance_accepted_after_the_deployment_does_not_start_a_follow_up()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        var offer = await hub.OfferAsync("alpha", referralId);

        // Replace the instance intake started with one as version 2 would have started it (same input, same id); the old
        // one is purged first, so the status read below is the new instance's.
        var started = await hub.Durable.GetInstanceAsync(referralId, getInputsAndOutputs: true);
        var input = started!.ReadInputAs<ReferralOrchestrationInput>()!;
        await hub.Durable.TerminateInstanceAsync(referralId);
        await hub.Durable.WaitForInstanceCompletionAsync(referralId, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        await hub.Durable.PurgeInstanceAsync(referralId);
        await hub.Durable.ScheduleNewOrchestrationInstanceAsync(ReferralOrchestration.Name, input, new StartOrchestrationOptions(referralId) { Version = "2" });

        // The restarted chase offers to Alpha again (the email itself was sent once already), then Alpha accepts.
        await Eventually.ValueAsync(() => hub.Durable.GetInstanceAsync(referralId, getInputsAndOutputs: true), i => i?.SerializedCustomStatus is not null
            && i.RuntimeStatus == OrchestrationRuntimeStatus.Running && i.ReadCustomStatusAs<ReferralProgress>()?.Step.Spelling() == "awaiting-provider", 30);
        Assert.Contains("Referral accepted", (await hub.ConfirmAsync(ProviderLinks.Find(offer, "Accept")!)).Body, StringComparison.Ordinal);
        await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.InProgress);
        await System.Threading.Tasks.Task.Delay(TimeSpan.FromSeconds(6));   // past when a version 3 follow-up would have surveyed
        Assert.Null(await hub.Durable.GetInstanceAsync(FollowUpOrchestration.InstanceId(referralId)));
        Assert.Empty(hub.SurveyEmails(referralId));

        await hub.WithdrawAsync(referralId);
        var done = await hub.Durable.WaitForInstanceCompletionAsync(referralId, getInputsAndOutputs: true, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.Equal("withdrawn", done.ReadOutputAs<string>());
    }
}

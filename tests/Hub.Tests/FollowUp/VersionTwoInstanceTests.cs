using Hub.Chase;
using Hub.FollowUp;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.FollowUp;

/// <summary>A follow-up hub whose provider links last a minute, so an offer outlives an instance being replaced.</summary>
public sealed class SlowLinkHub : TestHub
{
    protected override void Setup(HubSetup hub) => hub.FastChase().FastFollowUp().Set("Links:Lifetime", "00:01:00");
}

/// <summary>Referrals whose orchestration started under version 2 (the chase, before the follow-up existed) keep that
/// version's shape under the new code: accepted, they wait for a withdrawal and never start a follow-up.</summary>
public sealed class VersionTwoInstanceTests(SlowLinkHub hub) : IClassFixture<SlowLinkHub>
{
    [Fact]
    public async System.Threading.Tasks.Task A_version_two_instance_accepted_after_the_deployment_does_not_start_a_follow_up()
    {
        // Intake starts the instance as it did under version 2 (same input, same id): never a replaced instance, whose
        // old execution's timers and activities would still be in flight under the same id.
        var (referralId, taskId, _) = await hub.ReferAsync(durable: new StartingAsVersionClient(hub.Durable, "2"));
        var offer = await hub.OfferAsync("alpha", referralId);

        // The chase offers to Alpha, then Alpha accepts.
        await Eventually.StepAsync(hub.Durable, referralId, "awaiting-provider");
        Assert.Contains("Referral accepted", (await hub.ConfirmAsync(ProviderLinks.Find(offer, "Accept")!)).Body, StringComparison.Ordinal);
        await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.InProgress);
        // Version 2's step after acceptance: waiting for a withdrawal. Version 3 would have started its follow-up in the
        // same episode (step "following-up"), so from here a follow-up either exists or never will.
        await Eventually.StepAsync(hub.Durable, referralId, "accepted");
        Assert.Null(await hub.Durable.GetInstanceAsync(FollowUpOrchestration.InstanceId(referralId)));
        Assert.Empty(hub.SurveyEmails(referralId));

        await hub.WithdrawAsync(referralId);
        var done = await hub.Durable.WaitForInstanceCompletionAsync(referralId, getInputsAndOutputs: true, new CancellationTokenSource(TimeSpan.FromSeconds(Eventually.DefaultTimeoutSeconds)).Token);
        Assert.Equal("withdrawn", done.ReadOutputAs<string>());
    }
}

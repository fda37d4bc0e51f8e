using Hub.Chase;
using Hub.Operations;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.Chase;

/// <summary>Instances that ended Failed under an earlier deployment (before steps were held) are recovered by an
/// operator without losing their place or sending an email twice.</summary>
public sealed class RecoveryTests(DeploymentHub hub) : IClassFixture<DeploymentHub>
{
    /// <summary>The chase as an earlier deployment ran it, up to a step that ran out of retries while accepting (an
    /// activity the engine cannot run stands for the outage): nothing caught the failure, so the instance ended Failed.</summary>
    private static async Task<string> FailingWhileAccepting(TaskOrchestrationContext context)
    {
        var input = context.GetInput<ReferralOrchestrationInput>()!;
        await context.CallActivityAsync(ChaseActivityNames.RecordReferralReceived, input);
        var plan = await context.CallActivityAsync<ChasePlan>(ChaseActivityNames.PlanChase, input);
        await context.CallActivityAsync<OfferOutcome>(ChaseActivityNames.OfferToProvider, new ChaseStep(input, plan.ProviderIds[0], 1, ChaseStepName.Offer));
        context.SetCustomStatus(new ReferralProgress(ProgressStep.AwaitingProvider, "Offered", null, plan.ProviderIds[0]));
        await context.WaitForExternalEvent<ProviderAnswer>(ReferralOrchestration.ProviderRespondedEvent);
        await context.CallActivityAsync("AcceptReferralDuringAnOutage", input);
        return "unreachable";
    }

    [Fact]
    public async System.Threading.Tasks.Task A_referral_that_failed_while_accepting_is_recovered_accepted_and_followed_up_with_no_second_offer()
    {
        await using var engine = await RestartableEngine.StartAsync();
        await engine.DeployAsync(r => DurableFunctionsRegistry.Register(r, () => hub.Services, FailingWhileAccepting));
        var (referralId, taskId, _) = await hub.ReferAsync(durable: engine.Client);
        var offer = await hub.OfferAsync("alpha", referralId);
        await Eventually.StepAsync(engine.Client, referralId, "awaiting-provider");
        var accept = ProviderLinks.Find(offer, "Accept")!;
        var (_, cookie, csrf) = await ProviderLinks.OpenFormAsync(hub, accept);
        await ProviderLinks.PostAsync(hub, engine.Client, ProviderLinks.Token(accept), csrf, cookie);
        var failed = await engine.Client.WaitForInstanceCompletionAsync(referralId, new CancellationTokenSource(TimeSpan.FromSeconds(Eventually.DefaultTimeoutSeconds)).Token);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, failed.RuntimeStatus);
        // Operators can read a failed referral's status (it answered 500 before).
        var status = await TestHub.CallAsync(HttpCall.Request("GET", $"/api/referrals/{referralId}/status"), r => hub.Function<ReferralStatusHttp>().Status(r, referralId, engine.Client));
        Assert.True(status.Status == 200, status.ToString());
        Assert.Contains("\"runtimeStatus\": \"Failed\"", status.Body, StringComparison.Ordinal);

        // Today's deployment: the operator recovers every failed referral.
        await engine.DeployAsync(r => DurableFunctionsRegistry.Register(r, () => hub.Services));
        var recovered = await TestHub.CallAsync(HttpCall.Request("POST", "/api/manage/referrals/recover-failed"), r => HeldReferralsHttp.RecoverAll(r, engine.Client));

        Assert.Equal(202, recovered.Status);
        Assert.Contains(referralId, recovered.Body, StringComparison.Ordinal);
        var task = await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.InProgress);
        Assert.Equal("HealthcareService/alpha", task.Owner.Reference);
        await Eventually.ValueAsync(() => engine.Client.GetInstanceAsync(ReferralInstances.FollowUpInstanceId(referralId)),
            i => i?.RuntimeStatus == OrchestrationRuntimeStatus.Running, what: "the follow-up of the recovered referral runs");
        Assert.Single(hub.EmailsTo("alpha", referralId));
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await engine.Client.GetInstanceAsync(referralId))!.RuntimeStatus);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_running_referral_is_never_replaced_by_a_recovery()
    {
        await using var engine = await RestartableEngine.StartAsync();
        await engine.DeployAsync(r => DurableFunctionsRegistry.Register(r, () => hub.Services));
        var (referralId, _, _) = await hub.ReferAsync(durable: engine.Client);
        await Eventually.StepAsync(engine.Client, referralId, "awaiting-provider");
        var before = (await engine.Client.GetInstanceAsync(referralId))!.CreatedAt;

        var resume = await TestHub.CallAsync(HttpCall.Request("POST", $"/api/manage/referrals/{referralId}/resume"), r => HeldReferralsHttp.Resume(r, referralId, engine.Client));

        Assert.Equal(409, resume.Status);
        Assert.Equal(before, (await engine.Client.GetInstanceAsync(referralId))!.CreatedAt);
        Assert.Equal(404, (await TestHub.CallAsync(HttpCall.Request("POST", "/api/manage/referrals/nope/resume"), r => HeldReferralsHttp.Resume(r, "nope", engine.Client))).Status);
    }
}

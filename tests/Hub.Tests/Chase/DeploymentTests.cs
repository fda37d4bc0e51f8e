using Hl7.Fhir.Model;
using Hub.Chase;
using Hub.Intake;
using Hub.Platform.Fhir;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.Chase;

/// <summary>A chase whose timers are hours away, so a worker is only ever stopped while its instance waits with nothing in
/// flight: the in-memory engine never re-runs an activity whose worker went away, where a real host would after its lock
/// expired.</summary>
public sealed class DeploymentHub : TestHub
{
    protected override void Setup(HubSetup hub) =>
        hub.FastChase()
            .Set("Chase:Reminders:0", "01:00:00")
            .Set("Chase:Reminders:1", "02:00:00")
            .Set("Chase:EscalateAfter", "03:00:00")
            .Set("Links:Lifetime", "04:00:00");
}

/// <summary>In-flight referrals survive a new deployment: the worker stops mid-wait and a new one, possibly with newer
/// code, carries on from the history.</summary>
public sealed class DeploymentTests(DeploymentHub hub) : IClassFixture<DeploymentHub>
{
    /// <summary>The referral orchestrator as version 1 shipped it (intake only), kept here verbatim so a test can start
    /// instances the way the old deployment did.</summary>
    private static async Task<string> VersionOneAsShipped(TaskOrchestrationContext context)
    {
        var input = context.GetInput<ReferralOrchestrationInput>()!;
        await context.CallActivityAsync(nameof(ReferralActivities.RecordReferralReceived), input);
        context.SetCustomStatus(new ReferralProgress(ProgressStep.Received, "Waiting for the provider chase to start."));
        await context.WaitForExternalEvent<string>(ReferralInstances.WithdrawnEvent);
        context.SetCustomStatus(new ReferralProgress(ProgressStep.Withdrawn, "revoked"));
        return "withdrawn";
    }

    private static CancellationToken Within(int seconds) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    private async Task<(string ReferralId, string TaskId)> ReferThroughAsync(DurableTaskClient durable, string activity)
    {
        await hub.SeedProvidersAsync();
        var key = await hub.KeyForAsync("deploy-practice", ReferralExamples.Practice);
        var bundle = ReferralExamples.ReferralBundle($"deploy-{Guid.NewGuid():N}");
        ((ServiceRequest)bundle.Entry[0].Resource!).Code = new CodeableConcept { Text = activity };
        var request = HttpCall.Request("POST", "/api/fhir", ReferralExamples.Json(bundle), FhirMediaTypes.Json, key);
        var answer = await TestHub.CallAsync(request, r => hub.Function<ReferralIntakeHttp>().PostBundle(r, durable));
        Assert.True(answer.Created, answer.ToString());
        return (answer.Referral.Id!, answer.Headers["X-Task-Id"].ToString());
    }

    [Fact]
    public async System.Threading.Tasks.Task A_chase_waiting_for_the_provider_carries_on_after_the_worker_restarts()
    {
        await using var engine = await RestartableEngine.StartAsync();
        await engine.DeployAsync(r => DurableFunctionsRegistry.Register(r, () => hub.Services));
        var (referralId, taskId) = await ReferThroughAsync(engine.Client, "Befriending");
        var offer = await hub.OfferAsync("alpha", referralId);
        // The offer's activity has finished (its email went first): the instance waits, and nothing of it is in flight.
        await Eventually.StepAsync(engine.Client, referralId, "awaiting-provider");

        await engine.StopWorkerAsync();
        await engine.DeployAsync(r => DurableFunctionsRegistry.Register(r, () => hub.Services));

        var accept = ProviderLinks.Find(offer, "Accept")!;
        var (_, cookie, csrf) = await ProviderLinks.OpenFormAsync(hub, accept);
        var done = await ProviderLinks.PostAsync(hub, engine.Client, ProviderLinks.Token(accept), csrf, cookie);
        Assert.Contains("Referral accepted", done.Body, StringComparison.Ordinal);

        var task = await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.InProgress);
        Assert.Equal("HealthcareService/alpha", task.Owner.Reference);
    }

    [Fact]
    public async System.Threading.Tasks.Task An_instance_started_by_version_one_finishes_under_the_new_code()
    {
        await using var engine = await RestartableEngine.StartAsync();
        // The old deployment: its orchestrator, and an instance it started (no chase; version 1). Intake starts it as
        // version 1 did, so the instance is never replaced: replacing one (terminate, purge, start again under the same
        // id) leaves the old execution's activity in flight, and the engine's sidecar matches activity results by
        // instance id and task number only, so that result could land on the new execution.
        await engine.DeployAsync(r => DurableFunctionsRegistry.Register(r, () => hub.Services, VersionOneAsShipped));
        var versionOne = new StartingAsVersionClient(engine.Client, "1");
        var (referralId, taskId) = await ReferThroughAsync(versionOne, "Befriending");
        await Eventually.StepAsync(engine.Client, referralId, "received");

        // The new deployment replays that history with today's code, and the practice withdraws the referral.
        await engine.DeployAsync(r => DurableFunctionsRegistry.Register(r, () => hub.Services));
        var withdrawn = await hub.WithdrawAsync(referralId, engine.Client);
        Assert.Equal(200, withdrawn.Status);

        var done = await engine.Client.WaitForInstanceCompletionAsync(referralId, getInputsAndOutputs: true, Within(Eventually.DefaultTimeoutSeconds));
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("withdrawn", done.ReadOutputAs<string>());
        Assert.Equal(FhirTask.TaskStatus.Cancelled, (await hub.TaskAsync(taskId)).Status);
        // Version 1 never chased, and its instance keeps that shape under the new code: no provider heard of this referral.
        Assert.All(Journey.Providers, p => Assert.Empty(hub.EmailsTo(p, referralId)));
    }
}

using Hub.Intake;
using Hub.Platform.Fhir;
using Hub.Tests.Infrastructure;
using Microsoft.DurableTask.Client;
using static Hub.Tests.Infrastructure.ReferralExamples;

namespace Hub.Tests.Intake;

/// <summary>Intake marks a referral's reservation stored side by side with scheduling its orchestration, so a referral can
/// be marked stored while its orchestration never got scheduled (the start failed after the mark, and the sender was told
/// 500). The sender's retry, as a plain repeat or a conditional create, must then get the referral chased: the answer it
/// gets is only true if the orchestration runs. Simulated here by removing the referral's instance after intake.</summary>
public sealed class StartEnsuredTests(TestHub hub) : IClassFixture<TestHub>
{
    private async System.Threading.Tasks.Task<string> StoredWithoutOrchestrationAsync(string key, string identifier)
    {
        var created = await hub.PostAsync(IntakeClient.ServiceRequestPath, Json(ServiceRequest(identifier)), FhirMediaTypes.Json, key);
        Assert.Equal(201, created.Status);
        var id = created.Referral.Id!;
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(Eventually.DefaultTimeoutSeconds));
        await hub.Durable.WaitForInstanceStartAsync(id, wait.Token);
        await hub.Durable.TerminateInstanceAsync(id, wait.Token);
        await hub.Durable.WaitForInstanceCompletionAsync(id, wait.Token);
        // A purge may not take on the first try while the engine is still writing the termination: try until it has.
        await Eventually.ValueAsync(async () =>
        {
            await hub.Durable.PurgeInstanceAsync(id, cancellation: wait.Token);
            return await hub.Durable.GetInstanceAsync(id, wait.Token);
        }, instance => instance is null, what: "the referral's instance to be purged");
        return id;
    }

    [Fact]
    public async System.Threading.Tasks.Task A_repeat_of_a_referral_whose_orchestration_is_missing_starts_it()
    {
        var key = await hub.KeyForAsync("ensure-client", Practice);
        var id = await StoredWithoutOrchestrationAsync(key, "ensure-repeat");

        var again = await hub.PostAsync(IntakeClient.ServiceRequestPath, Json(ServiceRequest("ensure-repeat")), FhirMediaTypes.Json, key);

        Assert.Equal(200, again.Status);
        Assert.Equal(id, again.Referral.Id);
        // Scheduled before the answer was given.
        Assert.NotNull(await hub.Durable.GetInstanceAsync(id));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_conditional_create_matching_a_referral_whose_orchestration_is_missing_starts_it()
    {
        var key = await hub.KeyForAsync("ensure-client", Practice);
        var id = await StoredWithoutOrchestrationAsync(key, "ensure-conditional");
        var request = HttpCall.Request("POST", IntakeClient.ServiceRequestPath, Json(ServiceRequest("ensure-conditional-other")), FhirMediaTypes.Json, key);
        request.Headers["If-None-Exist"] = $"identifier={GpSystem}|ensure-conditional";

        var matched = await TestHub.CallAsync(request, r => hub.Function<ReferralIntakeHttp>().PostServiceRequest(r, hub.Durable));

        Assert.Equal(200, matched.Status);
        Assert.Equal(id, matched.Referral.Id);
        // Scheduled before the answer was given.
        Assert.NotNull(await hub.Durable.GetInstanceAsync(id));
    }
}

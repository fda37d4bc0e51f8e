using System.Text.Json;
using Hub.Operations;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.Chase;

/// <summary>A chase whose retries run out in seconds, and whose held steps are tried again every few seconds.</summary>
public sealed class QuickHoldHub : TestHub
{
    protected override void Setup(HubSetup hub) =>
        hub.FastChase().Set("Chase:RetryFirstInterval", "00:00:00.200").Set("Hold:RetryEvery", "00:00:03");
}

/// <summary>The same, but a held step waits an hour for its slow retry: only an operator moves it on within a test.</summary>
public sealed class OperatorHoldHub : TestHub
{
    protected override void Setup(HubSetup hub) =>
        hub.FastChase().Set("Chase:RetryFirstInterval", "00:00:00.200").Set("Hold:RetryEvery", "01:00:00");
}

/// <summary>SendGrid failing (503) for longer than the activity retry budget: the referral is held, not failed; the Task
/// says so; operators see it; it resumes by itself or when told, and the offer is sent exactly once.</summary>
public sealed class HeldStepTests(QuickHoldHub hub) : IClassFixture<QuickHoldHub>
{
    [Fact]
    public async System.Threading.Tasks.Task An_outage_longer_than_the_retries_holds_the_offer_and_it_goes_out_once_when_email_works_again()
    {
        hub.Mail.RespondNext(503, 503, 503, 503, 503, 503);
        var (referralId, taskId, _) = await hub.ReferAsync();

        var held = await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.OnHold);
        Assert.Equal("step-held", held.BusinessStatus.Coding[0].Code);
        Assert.Equal(ReferralHolds.HeldReason, held.StatusReason.Text);
        var list = await HeldListAsync(hub);
        Assert.Contains(referralId, list, StringComparison.Ordinal);
        Assert.Contains("OfferToProvider", list, StringComparison.Ordinal);

        // The slow retry finds email working again: the offer goes out once, and the Task says what it said before.
        var task = await hub.TaskWhenAsync(taskId, t => t.BusinessStatus?.Coding[0].Code == "awaiting-provider");
        Assert.NotEqual(FhirTask.TaskStatus.OnHold, task.Status);
        await hub.AuditWhenAsync(referralId, a => a.Any(e => e.Is(AuditEventName.StepHeld)) && a.Any(e => e.Is(AuditEventName.StepResumed)));
        Assert.Equal([503, 503, 503, 503, 503, 503, 202], hub.EmailsTo("alpha", referralId).Select(e => e.RespondedWith));
        Assert.DoesNotContain(referralId, await HeldListAsync(hub), StringComparison.Ordinal);
        Assert.Equal("Running", (await hub.Durable.GetInstanceAsync(referralId))!.RuntimeStatus.ToString());
    }

    internal static async Task<string> HeldListAsync(TestHub hub) =>
        (await TestHub.CallAsync(HttpCall.Request("GET", "/api/manage/referrals/held"), r => new HeldReferralsHttp(hub.Get<ReferralHolds>()).List(r))).Body;
}

public sealed class OperatorResumeTests(OperatorHoldHub hub) : IClassFixture<OperatorHoldHub>
{
    [Fact]
    public async System.Threading.Tasks.Task An_operator_resumes_a_held_referral_and_it_carries_on_from_the_step_that_failed()
    {
        hub.Mail.RespondNext(503, 503, 503, 503, 503, 503);
        var (referralId, taskId, _) = await hub.ReferAsync();
        await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.OnHold);
        var status = await Eventually.ValueAsync(() => hub.Durable.GetInstanceAsync(referralId, getInputsAndOutputs: true),
            i => ReferralInstances.ProgressOf(i)?.Step == ProgressStep.Held, what: "the chase's status says held");
        Assert.Equal("Running", status!.RuntimeStatus.ToString());

        var resume = await TestHub.CallAsync(HttpCall.Request("POST", $"/api/manage/referrals/{referralId}/resume"), r => HeldReferralsHttp.Resume(r, referralId, hub.Durable));

        Assert.Equal(202, resume.Status);
        Assert.Equal("resumed", JsonDocument.Parse(resume.Body).RootElement.GetProperty("action").GetString());
        await hub.TaskWhenAsync(taskId, t => t.BusinessStatus?.Coding[0].Code == "awaiting-provider");
        Assert.Single(hub.EmailsTo("alpha", referralId), e => e.RespondedWith == 202);

        // Nothing held now: a second resume says so.
        await Eventually.ValueAsync(() => hub.Durable.GetInstanceAsync(referralId, getInputsAndOutputs: true),
            i => ReferralInstances.ProgressOf(i)?.Step == ProgressStep.AwaitingProvider, what: "the chase waits for the provider again");
        var again = await TestHub.CallAsync(HttpCall.Request("POST", $"/api/manage/referrals/{referralId}/resume"), r => HeldReferralsHttp.Resume(r, referralId, hub.Durable));
        Assert.Equal(409, again.Status);
    }
}

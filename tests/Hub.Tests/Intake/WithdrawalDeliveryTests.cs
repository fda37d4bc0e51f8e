using Hl7.Fhir.Model;
using Hub.FollowUp;
using Hub.Intake;
using Hub.Platform;
using Hub.Platform.Durable;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Microsoft.DurableTask.Client;
using Moq;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.Intake;

/// <summary>A withdrawal recorded is a withdrawal delivered: when the practice's first PUT dies after the referral was saved
/// as revoked but before its orchestration heard, the practice's retry of the same PUT delivers it.</summary>
public sealed class WithdrawalHub : TestHub
{
    protected override void Setup(HubSetup hub) => hub.FastChase().Set("PendingEvents:GracePeriod", "00:00:00");
}

public sealed class WithdrawalDeliveryTests(WithdrawalHub hub) : IClassFixture<WithdrawalHub>
{
    [Fact]
    public async System.Threading.Tasks.Task Withdrawals_sent_at_once_all_answer_as_withdrawn_and_the_referral_is_withdrawn_once()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        await hub.OfferAsync("alpha", referralId);

        // An integration engine retrying before its first answer came back: the saves race, and the losers read again.
        var answers = await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 4).Select(_ => hub.WithdrawAsync(referralId)));

        Assert.All(answers, a => Assert.True(a.Status == 200, a.ToString()));
        Assert.All(answers, a => Assert.Equal(RequestStatus.Revoked, a.As<ServiceRequest>().Status));
        await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.Cancelled);
        Assert.Single(await hub.Get<AuditTrail>().ReadAsync(referralId), e => e.Is(AuditEventName.WithdrawnByPractice));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_repeated_withdrawal_after_a_failed_first_one_stops_the_chase()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        await hub.OfferAsync("alpha", referralId);

        // The task hub's queues are unreachable for the first PUT: the referral is saved as revoked, the event never sent.
        await Assert.ThrowsAsync<TimeoutException>(() => hub.WithdrawAsync(referralId, Unreachable()));
        Assert.NotEqual(FhirTask.TaskStatus.Cancelled, (await hub.TaskAsync(taskId)).Status);

        var again = await hub.WithdrawAsync(referralId);
        Assert.Equal(200, again.Status);
        Assert.Equal(RequestStatus.Revoked, again.As<ServiceRequest>().Status);

        var task = await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.Cancelled);
        Assert.Equal("withdrawn", task.BusinessStatus.Coding[0].Code);
        await hub.Mail.WaitForEmailAsync(e => e.To.Contains("alpha@providers.example.org") && e.Subject?.StartsWith("Referral withdrawn", StringComparison.Ordinal) == true);
        // The audit trail records the practice's withdrawal once, however often it was sent.
        Assert.Single(await hub.Get<AuditTrail>().ReadAsync(referralId), a => a.Event == "withdrawn-by-practice");
    }

    [Fact]
    public async System.Threading.Tasks.Task A_withdrawal_whose_PUT_failed_and_was_not_repeated_is_delivered_by_the_reconciler()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        await hub.OfferAsync("alpha", referralId);
        await Assert.ThrowsAsync<TimeoutException>(() => hub.WithdrawAsync(referralId, Unreachable()));

        await hub.Get<PendingEventsReconciler>().ReconcileAsync(hub.Durable);

        var task = await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.Cancelled);
        Assert.Equal("withdrawn", task.BusinessStatus.Coding[0].Code);
        Assert.Single(await hub.Get<AuditTrail>().ReadAsync(referralId), a => a.Event == "withdrawn-by-practice");
        Assert.Equal(EventDelivery.Delivered, (await hub.Get<PendingEvents>().GetAsync(referralId, ReferralWithdrawal.WithdrawnKey))!.Delivery);
        // The follow-up never started, so none was sent there (one starting later finds the referral withdrawn).
        Assert.Null(await hub.Get<PendingEvents>().GetAsync(ReferralInstances.FollowUpInstanceId(referralId), ReferralWithdrawal.WithdrawnKey));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_withdrawal_the_chase_never_heard_stops_every_contact_and_ends_the_referral_withdrawn()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        await hub.OfferAsync("alpha", referralId);
        var sent = hub.Mail.Emails.Count;
        await Assert.ThrowsAsync<TimeoutException>(() => hub.WithdrawAsync(referralId, Unreachable()));

        // The chase has not heard: its reminders and escalation still fall due, and each finds the referral withdrawn.
        await hub.AuditWhenAsync(referralId, a => a.Count(e => e.Event == "contact-withheld") >= 3, "the two reminders and the escalation withheld");
        Assert.Equal(sent, hub.Mail.Emails.Count);
        var audit = await hub.Get<AuditTrail>().ReadAsync(referralId);
        Assert.DoesNotContain(audit, e => e.Event is "reminded" or "escalated");
        Assert.Equal(["reminder-1-alpha", "reminder-2-alpha", "referrer-escalation-alpha"],
            audit.Where(e => e.Event == "contact-withheld").Select(e => e.Outcome).Take(3));

        // Each provider's turn runs out unanswered (their offers withheld too); out of providers, the chase ends the
        // referral as the practice asked: withdrawn, not rejected, and still nobody emailed.
        var task = await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.Cancelled);
        Assert.Equal("withdrawn", task.BusinessStatus.Coding[0].Code);
        Assert.Equal(sent, hub.Mail.Emails.Count);
        audit = await hub.Get<AuditTrail>().ReadAsync(referralId);
        Assert.DoesNotContain(audit, e => e.Event is "offered" && e.Actor != "provider:alpha");
        Assert.DoesNotContain(audit, e => e.Event is "rejected");
    }

    [Fact]
    public async System.Threading.Tasks.Task A_follow_up_planned_after_the_referral_was_withdrawn_plans_nothing_and_says_so()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        await hub.OfferAsync("alpha", referralId);
        await Assert.ThrowsAsync<TimeoutException>(() => hub.WithdrawAsync(referralId, Unreachable()));

        // As when the practice withdraws between a provider's acceptance and the follow-up's start.
        var plan = await hub.Function<FollowUpActivities>().PlanFollowUp(new FollowUpInput(new ReferralOrchestrationInput(referralId, ReferralExamples.Practice, taskId), "alpha"));

        Assert.True(plan.AlreadyWithdrawn);
        Assert.False(plan.SendBaselineSurvey);
        Assert.Null(await hub.Get<FollowUpStore>().GetAsync(referralId));
    }

    private DurableTaskClient Unreachable()
    {
        var unreachable = new Mock<DurableTaskClient>("unreachable") { CallBase = true };
        unreachable.Setup(c => c.GetInstanceAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .Returns((string id, bool inputs, CancellationToken ct) => hub.Durable.GetInstanceAsync(id, inputs, ct));
        unreachable.Setup(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new TimeoutException("The task hub could not be reached."));
        return unreachable.Object;
    }
}

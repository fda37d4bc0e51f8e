using Hub.Chase;
using Hub.FollowUp;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Microsoft.DurableTask;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.Referrals;

/// <summary>A step that runs out of retries is held, never failed: the chase and the follow-up over a mocked context,
/// with the activity failing as the engine reports it once its retry policy gives up.</summary>
[Trait("Category", "Unit")]
public sealed class ReferralStepsTests
{
    private static readonly ReferralOrchestrationInput Referral = new("ref-1", "A81001", "task-1");
    private static readonly DateTime Start = new(2026, 3, 3, 10, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan HoldEvery = TimeSpan.FromHours(2);

    private static TaskFailedException OutOfRetries(string activity) =>
        new(activity, 9, new TaskFailureDetails("Hub.Email.TransientEmailException", "SendGrid answered 503 for referral ref-1 step offer-alpha.", null, null, null));

    private static ChasePlan Plan() =>
        new(["alpha", "beta"], [TimeSpan.FromDays(1)], TimeSpan.FromDays(3), TimeSpan.FromDays(5), WorkingHoursOnly: false, TimeSpan.FromMinutes(2), HoldEvery);

    private static OrchestrationContextMock Chase(params object?[] offers) =>
        new OrchestrationContextMock(Referral, Start, ReferralOrchestration.CurrentVersion)
            .Returns(ChaseActivityNames.PlanChase, Plan())
            .ReturnsInOrder(ChaseActivityNames.OfferToProvider, offers);

    [Fact]
    public void An_offer_that_runs_out_of_retries_is_held_then_tried_again_on_the_slow_schedule_and_the_chase_goes_on()
    {
        var chase = Chase(OutOfRetries(ChaseActivityNames.OfferToProvider), OfferOutcome.Sent).Start(ReferralOrchestration.RunAsync);

        Assert.True(chase.IsRunning);
        Assert.Equal([ChaseActivityNames.RecordReferralReceived, ChaseActivityNames.PlanChase, ChaseActivityNames.OfferToProvider, ReferralInstances.HoldStep], chase.ActivityNames);
        var held = chase.Activities[^1].InputAs<HeldStep>();
        Assert.Equal(new HeldStep(Referral, "referral-1", ChaseActivityNames.OfferToProvider, "Hub.Email.TransientEmailException", 1, Start), held);
        var status = Assert.IsType<ReferralProgress>(chase.CustomStatus);
        Assert.Equal((ProgressStep.Held, Start + HoldEvery), (status.Step, status.NextTimerAt));
        Assert.DoesNotContain("ref-1", status.Detail, StringComparison.Ordinal);
        Assert.Equal([Start + HoldEvery], chase.PendingTimers.Select(t => t.FireAt));
        Assert.Contains(ReferralInstances.ResumeEvent, chase.WaitingFor);

        chase.FireTimer();

        Assert.Equal([ChaseActivityNames.OfferToProvider, ReferralInstances.HoldStep, ReferralInstances.ReleaseHold, ChaseActivityNames.OfferToProvider], chase.ActivityNames.Skip(2));
        Assert.Equal(held with { At = Start + HoldEvery }, chase.Activities[4].Input);
        Assert.Equal(new ChaseStep(Referral, "alpha", 1, ChaseStepName.Offer), chase.Activities[^1].Input);
        Assert.Equal(ProgressStep.AwaitingProvider, Assert.IsType<ReferralProgress>(chase.CustomStatus).Step);

        chase.Raise(ReferralOrchestration.ProviderRespondedEvent, new ProviderAnswer("alpha", true, null, null, null));

        Assert.Equal(ChaseActivityNames.AcceptReferral, chase.ActivityNames[^1]);
    }

    [Fact]
    public void An_operator_resume_tries_the_held_step_at_once_and_each_new_failure_holds_it_again()
    {
        var failure = OutOfRetries(ChaseActivityNames.OfferToProvider);
        var chase = Chase(failure, failure, OfferOutcome.Sent).Start(ReferralOrchestration.RunAsync);
        var heldAt = chase.Now;

        chase.Now = heldAt.AddMinutes(10);
        chase.Raise(ReferralInstances.ResumeEvent, new ResumeRequest("operator"));

        Assert.Equal([ReferralInstances.HoldStep, ReferralInstances.ReleaseHold, ChaseActivityNames.OfferToProvider, ReferralInstances.HoldStep], chase.ActivityNames.Skip(3));
        Assert.Equal(2, chase.Activities[^1].InputAs<HeldStep>().Holds);
        Assert.Equal([heldAt.AddMinutes(10) + HoldEvery], chase.PendingTimers.Select(t => t.FireAt));

        chase.Raise(ReferralInstances.ResumeEvent, new ResumeRequest("operator"));

        Assert.Equal([ReferralInstances.ReleaseHold, ChaseActivityNames.OfferToProvider], chase.ActivityNames.TakeLast(2));
        Assert.Equal(ProgressStep.AwaitingProvider, Assert.IsType<ReferralProgress>(chase.CustomStatus).Step);
        Assert.True(chase.IsRunning);
    }

    [Fact]
    public void A_withdrawal_during_a_hold_tries_the_step_at_once_and_once_it_completes_the_referral_is_cancelled()
    {
        var chase = Chase(OutOfRetries(ChaseActivityNames.OfferToProvider), OfferOutcome.Sent).Start(ReferralOrchestration.RunAsync);

        chase.Raise(ReferralInstances.WithdrawnEvent, new Withdrawal(WithdrawalStatus.Revoked, new DateTimeOffset(Start.AddHours(1))));

        // The retried offer finds the referral withdrawn (it withholds contact) and the chase cancels.
        Assert.Equal([ReferralInstances.ReleaseHold, ChaseActivityNames.OfferToProvider, ReferralInstances.CancelReferral], chase.ActivityNames.TakeLast(3));
        Assert.Equal(ProgressStep.Withdrawn.Spelling(), chase.Result);
    }

    [Fact]
    public void A_withdrawal_does_not_spin_a_step_that_keeps_failing_it_waits_for_the_slow_retry()
    {
        var failure = OutOfRetries(ChaseActivityNames.OfferToProvider);
        var chase = Chase(failure, failure, OfferOutcome.Sent).Start(ReferralOrchestration.RunAsync);

        chase.Raise(ReferralInstances.WithdrawnEvent, new Withdrawal(WithdrawalStatus.Revoked, new DateTimeOffset(Start.AddHours(1))));

        Assert.Equal(2, chase.ActivityNames.Count(n => n == ChaseActivityNames.OfferToProvider));
        Assert.Single(chase.PendingTimers);
        Assert.True(chase.IsRunning);

        chase.FireTimer();

        Assert.Equal([ChaseActivityNames.OfferToProvider, ReferralInstances.CancelReferral], chase.ActivityNames.TakeLast(2));
        Assert.Equal(ProgressStep.Withdrawn.Spelling(), chase.Result);
    }

    [Fact]
    public void When_storage_is_down_too_the_hold_itself_cannot_be_recorded_and_the_step_is_still_retried()
    {
        var chase = Chase(OutOfRetries(ChaseActivityNames.OfferToProvider), OfferOutcome.Sent)
            .Returns(ReferralInstances.HoldStep, OutOfRetries(ReferralInstances.HoldStep))
            .Start(ReferralOrchestration.RunAsync);

        Assert.Equal(ProgressStep.Held, Assert.IsType<ReferralProgress>(chase.CustomStatus).Step);

        chase.FireTimer();

        // Nothing was recorded, so there is nothing to release.
        Assert.DoesNotContain(ReferralInstances.ReleaseHold, chase.ActivityNames);
        Assert.Equal(ChaseActivityNames.OfferToProvider, chase.ActivityNames[^1]);
        Assert.True(chase.IsRunning);
    }

    [Fact]
    public void A_plan_written_before_holds_existed_retries_held_steps_hourly()
    {
        var oldPlan = Plan() with { HoldRetryEvery = TimeSpan.Zero };
        var chase = new OrchestrationContextMock(Referral, Start, ReferralOrchestration.CurrentVersion)
            .Returns(ChaseActivityNames.PlanChase, oldPlan)
            .ReturnsInOrder(ChaseActivityNames.OfferToProvider, OutOfRetries(ChaseActivityNames.OfferToProvider), OfferOutcome.Sent)
            .Start(ReferralOrchestration.RunAsync);

        Assert.Equal([Start + HoldOptions.DefaultRetryEvery], chase.PendingTimers.Select(t => t.FireAt));
    }

    [Fact]
    public void A_follow_up_survey_that_runs_out_of_retries_is_held_and_sent_on_the_next_try()
    {
        var input = new FollowUpInput(Referral, "alpha", WriteBackBeside: true);
        var plan = new FollowUpPlan(false, TimeSpan.FromDays(84), [TimeSpan.FromDays(7)], TimeSpan.FromDays(28), TimeSpan.FromMinutes(5), TimeSpan.FromDays(3), HoldRetryEvery: HoldEvery);
        var followUp = new OrchestrationContextMock(input, Start, "3") { InstanceId = "ref-1-follow-up" }
            .Returns(FollowUpActivityNames.PlanFollowUp, plan)
            .ReturnsInOrder(FollowUpActivityNames.SendSurvey, OutOfRetries(FollowUpActivityNames.SendSurvey), null)
            .Start(FollowUpOrchestration.RunAsync);
        followUp.FireTimer();

        Assert.Equal(new HeldStep(Referral, "ref-1-follow-up", FollowUpActivityNames.SendSurvey, "Hub.Email.TransientEmailException", 1, Start.AddDays(84)),
            followUp.Activities[^1].Input);

        followUp.FireTimer();

        Assert.Equal([ReferralInstances.ReleaseHold, FollowUpActivityNames.SendSurvey], followUp.ActivityNames.TakeLast(2));
        Assert.Equal(ProgressStep.SurveySent, Assert.IsType<ReferralProgress>(followUp.CustomStatus).Step);
    }

    [Fact]
    public void The_held_step_puts_the_task_on_hold_with_a_reason_the_practice_understands()
    {
        var task = new FhirTask { Status = FhirTask.TaskStatus.Requested };
        ReferralTaskProgress.Step(task, FhirTask.TaskStatus.OnHold, TaskBusinessStatus.StepHeld, ReferralHolds.HeldReason);

        Assert.Equal(FhirTask.TaskStatus.OnHold, task.Status);
        Assert.Equal("step-held", task.BusinessStatus.Coding[0].Code);
        Assert.Contains("retries by itself", task.StatusReason.Text, StringComparison.Ordinal);
    }
}

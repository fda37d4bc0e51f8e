using Hub.FollowUp;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Microsoft.DurableTask;

namespace Hub.Tests.FollowUp;

/// <summary>The follow-up orchestrator alone, over a mocked <see cref="TaskOrchestrationContext"/>: the surveys it sends
/// and when, what it writes back, what it parks, what operators see as its custom status, and how it ends.
/// Longer than most classes on purpose: one test per branch of one orchestrator, so every branch is in one place.</summary>
[Trait("Category", "Unit")]
public sealed class FollowUpOrchestrationTests
{
    private static readonly ReferralOrchestrationInput Referral = new("ref-1", "A81001", "task-1");
    private static readonly FollowUpInput Input = new(Referral, "alpha");
    private static readonly DateTime Accepted = new(2026, 3, 10, 12, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Due = Accepted.AddDays(84);
    private static readonly WriteBackOutcome Written = new(WriteBackState.Written, null);
    private static readonly WriteBackOutcome Refused = new(WriteBackState.Refused, "403 from the practice's server");
    private static readonly Withdrawal Withdrawn = new(WithdrawalStatus.Revoked, new DateTimeOffset(2026, 4, 1, 9, 0, 0, TimeSpan.Zero));

    private static FollowUpPlan Plan(bool baseline = true, params TimeSpan[] reminders) =>
        new(baseline, TimeSpan.FromDays(84), reminders.Length == 0 ? [TimeSpan.FromDays(7), TimeSpan.FromDays(14)] : reminders, TimeSpan.FromDays(28), TimeSpan.FromMinutes(5), TimeSpan.FromDays(3));

    private static OrchestrationContextMock FollowUp(FollowUpPlan? plan = null) =>
        new OrchestrationContextMock(Input, Accepted, "3")
            .Returns(FollowUpActivityNames.PlanFollowUp, plan ?? Plan())
            .Returns(FollowUpActivityNames.WriteBack, Written);

    private static ReferralProgress SurveySent(string next, DateTime due) => new(ProgressStep.SurveySent, $"Survey sent; next: {next}.", due, "alpha");

    private static ReferralProgress Ended(ProgressStep step) => new(step, "The follow-up has ended.", null, "alpha");

    private static ReferralProgress Parked(SurveyKind kind, WriteBackState state) =>
        new(ProgressStep.WriteBackParked, $"Writing the {kind.Spelling()} answers to the practice failed: {state.Spelling()}. Waiting for an operator.", null, "alpha");

    private static IEnumerable<string> SurveySteps(OrchestrationContextMock followUp) =>
        followUp.Activities.Where(a => a.Name == FollowUpActivityNames.SendSurvey).Select(a => $"{a.InputAs<SurveyStep>().Kind.Spelling()}:{a.InputAs<SurveyStep>().Step}");

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_baseline_survey_goes_out_only_when_the_plan_says_then_the_follow_up_waits_for_its_date(bool sendBaseline)
    {
        var followUp = FollowUp(Plan(sendBaseline)).Start(FollowUpOrchestration.RunAsync);

        Assert.Equal(FollowUpActivityNames.PlanFollowUp, followUp.ActivityNames[0]);
        Assert.Equal(Input, followUp.Activities[0].Input);
        if (sendBaseline)
        {
            Assert.Equal([FollowUpActivityNames.PlanFollowUp, FollowUpActivityNames.SendSurvey], followUp.ActivityNames);
            Assert.Equal(new SurveyStep(Input, SurveyKind.Baseline, SurveyStepName.FirstSend), followUp.Activities[1].Input);
        }
        else
        {
            Assert.Equal([FollowUpActivityNames.PlanFollowUp], followUp.ActivityNames);
        }

        Assert.Equal(new ReferralProgress(ProgressStep.AwaitingFollowUp, "Waiting for the follow-up date.", Due, "alpha"), followUp.CustomStatus);
        Assert.Equal([Due], followUp.PendingTimers.Select(t => t.FireAt));
        Assert.Equal([ReferralInstances.WithdrawnEvent, FollowUpOrchestration.OptedOutEvent, FollowUpOrchestration.SurveySubmittedEvent], followUp.WaitingFor);
        Assert.True(followUp.IsRunning);
    }

    [Fact]
    public void A_follow_up_started_without_input_fails()
    {
        var followUp = new OrchestrationContextMock(null, Accepted, "3").Start(FollowUpOrchestration.RunAsync);

        Assert.Throws<InvalidOperationException>(() => followUp.Result);
        Assert.Empty(followUp.Activities);
    }

    [Fact]
    public void Withdrawn_before_the_follow_up_date_the_referral_is_cancelled_then_the_follow_up_ends_as_withdrawn()
    {
        var followUp = FollowUp().Start(FollowUpOrchestration.RunAsync);

        followUp.Raise(ReferralInstances.WithdrawnEvent, Withdrawn);

        Assert.Equal([FollowUpActivityNames.PlanFollowUp, FollowUpActivityNames.SendSurvey, ReferralInstances.CancelReferral, FollowUpActivityNames.EndFollowUp], followUp.ActivityNames);
        Assert.Equal(new Cancellation(Referral, "alpha"), followUp.Activities[2].Input);
        Assert.Equal(new FollowUpEnd(Input, FollowUpOutcome.Withdrawn), followUp.Activities[3].Input);
        Assert.True(followUp.Timers.Single().Cancelled);
        Assert.Equal(Ended(ProgressStep.Withdrawn), followUp.CustomStatus);
        Assert.Equal(FollowUpOutcome.Withdrawn.Spelling(), followUp.Result);
    }

    [Fact]
    public void Withdrawn_before_the_follow_up_started_it_cancels_the_referral_and_ends_without_a_survey_or_a_wait()
    {
        // The withdrawal was raised between the acceptance and the follow-up's start, on no instance: the plan found it.
        var followUp = FollowUp(Plan() with { AlreadyWithdrawn = true }).Start(FollowUpOrchestration.RunAsync);

        Assert.Equal([FollowUpActivityNames.PlanFollowUp, ReferralInstances.CancelReferral, FollowUpActivityNames.EndFollowUp], followUp.ActivityNames);
        Assert.Equal(new Cancellation(Referral, "alpha"), followUp.Activities[1].Input);
        Assert.Equal(new FollowUpEnd(Input, FollowUpOutcome.Withdrawn), followUp.Activities[2].Input);
        Assert.Empty(followUp.Timers);
        Assert.Equal(Ended(ProgressStep.Withdrawn), followUp.CustomStatus);
        Assert.Equal(FollowUpOutcome.Withdrawn.Spelling(), followUp.Result);
    }

    [Fact]
    public void A_plan_of_an_instance_in_flight_reads_as_not_withdrawn_and_a_plain_plan_writes_as_before()
    {
        var plan = Plan();
        var json = System.Text.Json.JsonSerializer.Serialize(plan);
        Assert.DoesNotContain("AlreadyWithdrawn", json, StringComparison.Ordinal);
        Assert.False(System.Text.Json.JsonSerializer.Deserialize<FollowUpPlan>(json)!.AlreadyWithdrawn);
        Assert.Contains("\"AlreadyWithdrawn\":true", System.Text.Json.JsonSerializer.Serialize(plan with { AlreadyWithdrawn = true }), StringComparison.Ordinal);
    }

    [Fact]
    public void Opted_out_before_the_follow_up_date_the_follow_up_ends_as_opted_out_and_nothing_is_cancelled()
    {
        var followUp = FollowUp().Start(FollowUpOrchestration.RunAsync);

        followUp.Raise(FollowUpOrchestration.OptedOutEvent, new OptedOut(new DateTimeOffset(2026, 4, 2, 8, 0, 0, TimeSpan.Zero)));

        Assert.Equal([FollowUpActivityNames.PlanFollowUp, FollowUpActivityNames.SendSurvey, FollowUpActivityNames.EndFollowUp], followUp.ActivityNames);
        Assert.Equal(new FollowUpEnd(Input, FollowUpOutcome.OptedOut), followUp.Activities[2].Input);
        Assert.Equal(Ended(ProgressStep.OptedOut), followUp.CustomStatus);
        Assert.Equal(FollowUpOutcome.OptedOut.Spelling(), followUp.Result);
    }

    [Fact]
    public void A_baseline_answered_while_waiting_is_written_back_and_the_wait_for_the_follow_up_date_goes_on()
    {
        var followUp = FollowUp().Start(FollowUpOrchestration.RunAsync);

        followUp.Raise(FollowUpOrchestration.SurveySubmittedEvent, new SurveySubmitted(SurveyKind.Baseline));

        Assert.Equal([FollowUpActivityNames.PlanFollowUp, FollowUpActivityNames.SendSurvey, FollowUpActivityNames.WriteBack], followUp.ActivityNames);
        Assert.Equal(new WriteBackStep(Input, SurveyKind.Baseline), followUp.Activities[2].Input);
        Assert.True(followUp.Timers[0].Cancelled);
        Assert.Equal([Due], followUp.PendingTimers.Select(t => t.FireAt));
        Assert.Equal(new ReferralProgress(ProgressStep.AwaitingFollowUp, "Waiting for the follow-up date.", Due, "alpha"), followUp.CustomStatus);
        Assert.Contains(FollowUpOrchestration.SurveySubmittedEvent, followUp.WaitingFor);
        Assert.True(followUp.IsRunning);

        followUp.FireTimer();

        Assert.Equal(["baseline:survey", "follow-up:survey"], SurveySteps(followUp));
    }

    [Fact]
    public void The_survey_goes_out_on_the_follow_up_date_with_reminders_and_an_answer_is_written_back_before_it_ends_as_answered()
    {
        var followUp = FollowUp().Start(FollowUpOrchestration.RunAsync);

        Assert.Equal(Due, followUp.FireTimer());
        Assert.Equal(new SurveyStep(Input, SurveyKind.FollowUp, SurveyStepName.FirstSend), followUp.Activities[^1].Input);
        Assert.Equal(SurveySent("reminder-1", Due.AddDays(7)), followUp.CustomStatus);

        Assert.Equal(Due.AddDays(7), followUp.FireTimer());
        Assert.Equal(new SurveyStep(Input, SurveyKind.FollowUp, SurveyStepName.Reminder(1)), followUp.Activities[^1].Input);
        Assert.Equal(SurveySent("reminder-2", Due.AddDays(14)), followUp.CustomStatus);

        Assert.Equal(Due.AddDays(14), followUp.FireTimer());
        Assert.Equal(new SurveyStep(Input, SurveyKind.FollowUp, SurveyStepName.Reminder(2)), followUp.Activities[^1].Input);
        Assert.Equal(SurveySent("closed", Due.AddDays(28)), followUp.CustomStatus);

        followUp.Raise(FollowUpOrchestration.SurveySubmittedEvent, new SurveySubmitted(SurveyKind.FollowUp));

        Assert.Equal(
            [
                FollowUpActivityNames.PlanFollowUp, FollowUpActivityNames.SendSurvey,
                FollowUpActivityNames.SendSurvey, FollowUpActivityNames.SendSurvey, FollowUpActivityNames.SendSurvey,
                FollowUpActivityNames.WriteBack, FollowUpActivityNames.EndFollowUp,
            ],
            followUp.ActivityNames);
        Assert.Equal(["baseline:survey", "follow-up:survey", "follow-up:reminder-1", "follow-up:reminder-2"], SurveySteps(followUp));
        Assert.Equal(new WriteBackStep(Input, SurveyKind.FollowUp), followUp.Activities[^2].Input);
        Assert.Equal(new FollowUpEnd(Input, FollowUpOutcome.Answered), followUp.Activities[^1].Input);
        Assert.DoesNotContain(FollowUpActivityNames.ParkWriteBack, followUp.ActivityNames);
        Assert.Empty(followUp.PendingTimers);
        Assert.Equal(
            [
                new ReferralProgress(ProgressStep.AwaitingFollowUp, "Waiting for the follow-up date.", Due, "alpha"),
                SurveySent("reminder-1", Due.AddDays(7)), SurveySent("reminder-2", Due.AddDays(14)), SurveySent("closed", Due.AddDays(28)),
                Ended(ProgressStep.Answered),
            ],
            followUp.Statuses<ReferralProgress>());
        Assert.Equal(FollowUpOutcome.Answered.Spelling(), followUp.Result);
    }

    [Fact]
    public void An_answer_right_after_the_survey_goes_out_needs_no_reminder()
    {
        var followUp = FollowUp().Start(FollowUpOrchestration.RunAsync);
        followUp.FireTimer();

        followUp.Raise(FollowUpOrchestration.SurveySubmittedEvent, new SurveySubmitted(SurveyKind.FollowUp));

        Assert.Equal(["baseline:survey", "follow-up:survey"], SurveySteps(followUp));
        Assert.Equal([FollowUpActivityNames.WriteBack, FollowUpActivityNames.EndFollowUp], followUp.ActivityNames.TakeLast(2));
        Assert.Equal(FollowUpOutcome.Answered.Spelling(), followUp.Result);
    }

    [Fact]
    public void When_the_survey_window_closes_unanswered_the_follow_up_ends_as_no_response()
    {
        var followUp = FollowUp().Start(FollowUpOrchestration.RunAsync);
        followUp.FireTimer();
        followUp.FireTimer();
        followUp.FireTimer();

        Assert.Equal(Due.AddDays(28), followUp.FireTimer());

        Assert.Equal(FollowUpActivityNames.EndFollowUp, followUp.ActivityNames[^1]);
        Assert.Equal(new FollowUpEnd(Input, FollowUpOutcome.NoResponse), followUp.Activities[^1].Input);
        Assert.DoesNotContain(FollowUpActivityNames.WriteBack, followUp.ActivityNames);
        Assert.Equal([Due, Due.AddDays(7), Due.AddDays(14), Due.AddDays(28)], followUp.Timers.Select(t => t.FireAt));
        Assert.Equal(Ended(ProgressStep.NoResponse), followUp.CustomStatus);
        Assert.Equal(FollowUpOutcome.NoResponse.Spelling(), followUp.Result);
    }

    [Fact]
    public void A_reminder_planned_after_the_window_closes_is_never_sent()
    {
        var followUp = FollowUp(Plan(true, TimeSpan.FromDays(35))).Start(FollowUpOrchestration.RunAsync);
        followUp.FireTimer();

        Assert.Equal(SurveySent("closed", Due.AddDays(28)), followUp.CustomStatus);
        followUp.FireTimer();

        Assert.Equal(["baseline:survey", "follow-up:survey"], SurveySteps(followUp));
        Assert.Equal(FollowUpOutcome.NoResponse.Spelling(), followUp.Result);
    }

    [Theory]
    [InlineData(ReferralInstances.WithdrawnEvent, FollowUpOutcome.Withdrawn, ProgressStep.Withdrawn)]
    [InlineData(FollowUpOrchestration.OptedOutEvent, FollowUpOutcome.OptedOut, ProgressStep.OptedOut)]
    public void A_withdrawal_or_opt_out_during_the_survey_window_ends_the_follow_up(string eventName, FollowUpOutcome outcome, ProgressStep step)
    {
        var followUp = FollowUp().Start(FollowUpOrchestration.RunAsync);
        followUp.FireTimer();
        followUp.FireTimer();

        object payload = eventName == ReferralInstances.WithdrawnEvent ? Withdrawn : new OptedOut(new DateTimeOffset(2026, 6, 10, 8, 0, 0, TimeSpan.Zero));
        followUp.Raise(eventName, payload);

        var expected = outcome == FollowUpOutcome.Withdrawn
            ? new[] { FollowUpActivityNames.SendSurvey, ReferralInstances.CancelReferral, FollowUpActivityNames.EndFollowUp }
            : [FollowUpActivityNames.SendSurvey, FollowUpActivityNames.SendSurvey, FollowUpActivityNames.EndFollowUp];
        Assert.Equal(expected, followUp.ActivityNames.TakeLast(3));
        if (outcome == FollowUpOutcome.Withdrawn)
        {
            Assert.Equal(new Cancellation(Referral, "alpha"), followUp.Activities[^2].Input);
        }

        Assert.Equal(new FollowUpEnd(Input, outcome), followUp.Activities[^1].Input);
        Assert.DoesNotContain(FollowUpActivityNames.WriteBack, followUp.ActivityNames);
        Assert.True(followUp.Timers[^1].Cancelled);
        Assert.Empty(followUp.PendingTimers);
        Assert.Equal(Ended(step), followUp.CustomStatus);
        Assert.Equal(outcome.Spelling(), followUp.Result);
    }

    [Fact]
    public void A_baseline_answered_during_the_survey_window_is_written_back_and_the_window_stays_open()
    {
        var followUp = FollowUp().Start(FollowUpOrchestration.RunAsync);
        followUp.FireTimer();

        followUp.Raise(FollowUpOrchestration.SurveySubmittedEvent, new SurveySubmitted(SurveyKind.Baseline));

        Assert.Equal(new WriteBackStep(Input, SurveyKind.Baseline), followUp.Activities[^1].Input);
        Assert.Equal([Due.AddDays(7)], followUp.PendingTimers.Select(t => t.FireAt));
        Assert.True(followUp.IsRunning);

        followUp.Raise(FollowUpOrchestration.SurveySubmittedEvent, new SurveySubmitted(SurveyKind.FollowUp));

        Assert.Equal([SurveyKind.Baseline, SurveyKind.FollowUp], followUp.Activities.Where(a => a.Name == FollowUpActivityNames.WriteBack).Select(a => a.InputAs<WriteBackStep>().Kind));
        Assert.Equal(FollowUpOutcome.Answered.Spelling(), followUp.Result);
    }

    [Fact]
    public void A_follow_up_answer_before_the_follow_up_date_is_written_back_and_the_survey_still_goes_out_on_the_date()
    {
        var followUp = FollowUp().Start(FollowUpOrchestration.RunAsync);

        followUp.Raise(FollowUpOrchestration.SurveySubmittedEvent, new SurveySubmitted(SurveyKind.FollowUp));

        Assert.Equal(new WriteBackStep(Input, SurveyKind.FollowUp), followUp.Activities[^1].Input);
        Assert.True(followUp.IsRunning);
        followUp.FireTimer();
        Assert.Equal(["baseline:survey", "follow-up:survey"], SurveySteps(followUp));
    }

    [Theory]
    [InlineData(WriteBackState.Written)]
    [InlineData(WriteBackState.NoEndpoint)]
    public void A_write_back_that_is_written_or_has_no_endpoint_ends_the_follow_up_without_parking(WriteBackState state)
    {
        var followUp = FollowUp()
            .Returns(FollowUpActivityNames.WriteBack, new WriteBackOutcome(state, null))
            .Start(FollowUpOrchestration.RunAsync);
        followUp.FireTimer();

        followUp.Raise(FollowUpOrchestration.SurveySubmittedEvent, new SurveySubmitted(SurveyKind.FollowUp));

        Assert.Equal([FollowUpActivityNames.WriteBack, FollowUpActivityNames.EndFollowUp], followUp.ActivityNames.TakeLast(2));
        Assert.DoesNotContain(FollowUpActivityNames.ParkWriteBack, followUp.ActivityNames);
        Assert.Equal(FollowUpOutcome.Answered.Spelling(), followUp.Result);
    }

    [Fact]
    public void The_write_back_is_retried_for_the_plans_period_from_the_plans_first_interval()
    {
        var followUp = FollowUp().Start(FollowUpOrchestration.RunAsync);
        followUp.FireTimer();

        followUp.Raise(FollowUpOrchestration.SurveySubmittedEvent, new SurveySubmitted(SurveyKind.FollowUp));

        var retry = followUp.Activities.Single(a => a.Name == FollowUpActivityNames.WriteBack).Retry!;
        Assert.Equal(TimeSpan.FromMinutes(5), retry.FirstRetryInterval);
        Assert.Equal(TimeSpan.FromDays(3), retry.RetryTimeout);
        Assert.Equal(int.MaxValue, retry.MaxNumberOfAttempts);
        Assert.All(followUp.Activities.Where(a => a.Name != FollowUpActivityNames.WriteBack), a => Assert.Equal(TimeSpan.FromSeconds(30), a.Retry!.FirstRetryInterval));
    }

    [Fact]
    public void A_refused_write_back_is_parked_until_an_operator_asks_for_a_retry_then_retried()
    {
        var followUp = FollowUp()
            .ReturnsInOrder(FollowUpActivityNames.WriteBack, Refused, Refused, Written)
            .Start(FollowUpOrchestration.RunAsync);
        followUp.FireTimer();

        followUp.Raise(FollowUpOrchestration.SurveySubmittedEvent, new SurveySubmitted(SurveyKind.FollowUp));

        Assert.Equal([FollowUpActivityNames.WriteBack, FollowUpActivityNames.ParkWriteBack], followUp.ActivityNames.TakeLast(2));
        Assert.Equal(new ParkedWriteBack(Input, SurveyKind.FollowUp, Refused with { Detail = null }), followUp.Activities[^1].Input);
        Assert.Equal(Parked(SurveyKind.FollowUp, WriteBackState.Refused), followUp.CustomStatus);
        Assert.Contains(FollowUpOrchestration.RetryWriteBackEvent, followUp.WaitingFor);
        Assert.Empty(followUp.PendingTimers);
        Assert.True(followUp.IsRunning);

        followUp.Raise(FollowUpOrchestration.RetryWriteBackEvent, new WriteBackRetry("operator@hub"));

        Assert.Equal([FollowUpActivityNames.WriteBack, FollowUpActivityNames.ParkWriteBack, FollowUpActivityNames.WriteBack, FollowUpActivityNames.ParkWriteBack], followUp.ActivityNames.TakeLast(4));
        Assert.True(followUp.IsRunning);

        followUp.Raise(FollowUpOrchestration.RetryWriteBackEvent, new WriteBackRetry("operator@hub"));

        Assert.Equal(
            [FollowUpActivityNames.WriteBack, FollowUpActivityNames.ParkWriteBack, FollowUpActivityNames.WriteBack, FollowUpActivityNames.ParkWriteBack, FollowUpActivityNames.WriteBack, FollowUpActivityNames.EndFollowUp],
            followUp.ActivityNames.TakeLast(6));
        Assert.All(followUp.Activities.Where(a => a.Name == FollowUpActivityNames.WriteBack), a => Assert.Equal(new WriteBackStep(Input, SurveyKind.FollowUp), a.Input));
        Assert.Equal(new FollowUpEnd(Input, FollowUpOutcome.Answered), followUp.Activities[^1].Input);
        Assert.Equal(Ended(ProgressStep.Answered), followUp.CustomStatus);
        Assert.Equal(FollowUpOutcome.Answered.Spelling(), followUp.Result);
    }

    [Fact]
    public void A_write_back_that_fails_for_its_whole_retry_period_is_parked_as_unreachable()
    {
        var failure = new TaskFailedException(FollowUpActivityNames.WriteBack, 7, new TaskFailureDetails("System.Net.Http.HttpRequestException", "Connection refused (practice.example:443)", null, null, null));
        var followUp = FollowUp()
            .ReturnsInOrder(FollowUpActivityNames.WriteBack, failure, Written)
            .Start(FollowUpOrchestration.RunAsync);
        followUp.FireTimer();

        followUp.Raise(FollowUpOrchestration.SurveySubmittedEvent, new SurveySubmitted(SurveyKind.FollowUp));

        Assert.Equal(FollowUpActivityNames.ParkWriteBack, followUp.ActivityNames[^1]);
        Assert.Equal(new ParkedWriteBack(Input, SurveyKind.FollowUp, new WriteBackOutcome(WriteBackState.Unreachable, null)), followUp.Activities[^1].Input);
        Assert.Equal(Parked(SurveyKind.FollowUp, WriteBackState.Unreachable), followUp.CustomStatus);
        Assert.True(followUp.IsRunning);

        followUp.Raise(FollowUpOrchestration.RetryWriteBackEvent, new WriteBackRetry("operator@hub"));

        Assert.Equal([FollowUpActivityNames.WriteBack, FollowUpActivityNames.EndFollowUp], followUp.ActivityNames.TakeLast(2));
        Assert.Equal(FollowUpOutcome.Answered.Spelling(), followUp.Result);
    }

    [Fact]
    public void A_parked_baseline_write_back_holds_up_the_follow_up_date_and_its_status_outlives_the_retry()
    {
        var followUp = FollowUp()
            .ReturnsInOrder(FollowUpActivityNames.WriteBack, Refused, Written)
            .Start(FollowUpOrchestration.RunAsync);

        followUp.Raise(FollowUpOrchestration.SurveySubmittedEvent, new SurveySubmitted(SurveyKind.Baseline));

        Assert.Equal(new ParkedWriteBack(Input, SurveyKind.Baseline, Refused with { Detail = null }), followUp.Activities[^1].Input);
        Assert.Equal(Parked(SurveyKind.Baseline, WriteBackState.Refused), followUp.CustomStatus);
        // While parked no timer runs: the follow-up date waits for the operator.
        Assert.Empty(followUp.PendingTimers);

        followUp.Now = Due.AddDays(2);
        followUp.Raise(FollowUpOrchestration.RetryWriteBackEvent, new WriteBackRetry("operator@hub"));

        Assert.Equal(FollowUpActivityNames.WriteBack, followUp.ActivityNames[^1]);
        Assert.Equal([Due], followUp.PendingTimers.Select(t => t.FireAt));
        // Written now, but operators still see it parked until the next step sets a status.
        Assert.Equal(Parked(SurveyKind.Baseline, WriteBackState.Refused), followUp.CustomStatus);

        followUp.FireTimer();

        Assert.Equal(new SurveyStep(Input, SurveyKind.FollowUp, SurveyStepName.FirstSend), followUp.Activities[^1].Input);
        Assert.Equal(SurveySent("reminder-1", Due.AddDays(2).AddDays(7)), followUp.CustomStatus);
    }

    [Fact]
    public void A_withdrawal_while_the_follow_up_answers_are_parked_is_not_acted_on()
    {
        var followUp = FollowUp()
            .ReturnsInOrder(FollowUpActivityNames.WriteBack, Refused, Written)
            .Start(FollowUpOrchestration.RunAsync);
        followUp.FireTimer();
        followUp.Raise(FollowUpOrchestration.SurveySubmittedEvent, new SurveySubmitted(SurveyKind.FollowUp));

        followUp.Raise(ReferralInstances.WithdrawnEvent, Withdrawn);

        Assert.Equal(FollowUpActivityNames.ParkWriteBack, followUp.ActivityNames[^1]);
        Assert.True(followUp.IsRunning);

        followUp.Raise(FollowUpOrchestration.RetryWriteBackEvent, new WriteBackRetry("operator@hub"));

        Assert.DoesNotContain(ReferralInstances.CancelReferral, followUp.ActivityNames);
        Assert.Equal(new FollowUpEnd(Input, FollowUpOutcome.Answered), followUp.Activities[^1].Input);
        Assert.Equal(FollowUpOutcome.Answered.Spelling(), followUp.Result);
    }

    [Fact]
    public void A_withdrawal_while_the_baseline_answers_are_parked_ends_the_follow_up_once_the_retry_is_written()
    {
        var followUp = FollowUp()
            .ReturnsInOrder(FollowUpActivityNames.WriteBack, Refused, Written)
            .Start(FollowUpOrchestration.RunAsync);
        followUp.Raise(FollowUpOrchestration.SurveySubmittedEvent, new SurveySubmitted(SurveyKind.Baseline));
        followUp.Raise(ReferralInstances.WithdrawnEvent, Withdrawn);

        Assert.Equal(FollowUpActivityNames.ParkWriteBack, followUp.ActivityNames[^1]);

        followUp.Raise(FollowUpOrchestration.RetryWriteBackEvent, new WriteBackRetry("operator@hub"));

        Assert.Equal([FollowUpActivityNames.WriteBack, ReferralInstances.CancelReferral, FollowUpActivityNames.EndFollowUp], followUp.ActivityNames.TakeLast(3));
        Assert.Equal(FollowUpOutcome.Withdrawn.Spelling(), followUp.Result);
    }
}

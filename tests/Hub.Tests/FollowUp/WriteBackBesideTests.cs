using Hub.FollowUp;
using Hub.Referrals;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.FollowUp;

/// <summary>Follow-ups started by this version write back beside their waits: a parked write-back no longer holds up
/// the follow-up date, the survey, an opt-out or a withdrawal (the old shape, kept for instances in flight, is pinned in
/// <see cref="FollowUpOrchestrationTests"/>).</summary>
[Trait("Category", "Unit")]
public sealed class WriteBackBesideTests
{
    private static readonly ReferralOrchestrationInput Referral = new("ref-1", "A81001", "task-1");
    private static readonly FollowUpInput Input = new(Referral, "alpha", WriteBackBeside: true);
    private static readonly DateTime Accepted = new(2026, 3, 10, 12, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Due = Accepted.AddDays(84);
    private static readonly WriteBackOutcome Written = new(WriteBackState.Written, null);
    private static readonly WriteBackOutcome Refused = new(WriteBackState.Refused, null);
    private static readonly FollowUpPlan Plan = new(true, TimeSpan.FromDays(84), [TimeSpan.FromDays(7)], TimeSpan.FromDays(28), TimeSpan.FromMinutes(5), TimeSpan.FromDays(3));

    private static OrchestrationContextMock FollowUp(params object?[] writeBacks) =>
        new OrchestrationContextMock(Input, Accepted, "3")
            .Returns(FollowUpActivityNames.PlanFollowUp, Plan)
            .ReturnsInOrder(FollowUpActivityNames.WriteBack, writeBacks)
            .Start(FollowUpOrchestration.RunAsync);

    private static int Count(OrchestrationContextMock followUp, string activity) => followUp.ActivityNames.Count(n => n == activity);

    [Fact]
    public void A_parked_baseline_write_back_leaves_the_follow_up_date_and_the_survey_on_time()
    {
        var followUp = FollowUp(Refused, Written);

        followUp.Raise(FollowUpOrchestration.SurveySubmittedEvent, new SurveySubmitted(SurveyKind.Baseline));

        Assert.Equal([FollowUpActivityNames.WriteBack, FollowUpActivityNames.ParkWriteBack], followUp.ActivityNames.TakeLast(2));
        Assert.Equal([Due], followUp.PendingTimers.Select(t => t.FireAt));

        followUp.FireTimer();

        Assert.Equal(new SurveyStep(Input, SurveyKind.FollowUp, SurveyStepName.FirstSend), followUp.Activities[^1].Input);

        followUp.Raise(FollowUpOrchestration.RetryWriteBackEvent, new WriteBackRetry("operator"));

        Assert.Equal(new WriteBackStep(Input, SurveyKind.Baseline), followUp.Activities[^1].Input);
        Assert.Equal([Due.AddDays(7)], followUp.PendingTimers.Select(t => t.FireAt));
        Assert.True(followUp.IsRunning);
    }

    [Fact]
    public void A_withdrawal_while_the_follow_up_answers_are_parked_ends_the_follow_up_at_once()
    {
        var followUp = FollowUp(Refused);
        followUp.FireTimer();
        followUp.Raise(FollowUpOrchestration.SurveySubmittedEvent, new SurveySubmitted(SurveyKind.FollowUp));
        Assert.Equal(FollowUpActivityNames.ParkWriteBack, followUp.ActivityNames[^1]);

        followUp.Raise(ReferralInstances.WithdrawnEvent, new Withdrawal(WithdrawalStatus.Revoked, DateTimeOffset.UnixEpoch));

        Assert.Equal([ReferralInstances.CancelReferral, FollowUpActivityNames.EndFollowUp], followUp.ActivityNames.TakeLast(2));
        Assert.Equal(FollowUpOutcome.Withdrawn.Spelling(), followUp.Result);
    }

    [Fact]
    public void An_opt_out_while_a_baseline_is_parked_stops_the_surveys_and_the_follow_up_ends_once_the_write_back_settles()
    {
        var followUp = FollowUp(Refused, Written);
        followUp.Raise(FollowUpOrchestration.SurveySubmittedEvent, new SurveySubmitted(SurveyKind.Baseline));

        followUp.Raise(FollowUpOrchestration.OptedOutEvent, new OptedOut(DateTimeOffset.UnixEpoch));

        Assert.Empty(followUp.PendingTimers);
        Assert.Equal(1, Count(followUp, FollowUpActivityNames.SendSurvey));   // the baseline only
        Assert.True(followUp.IsRunning);

        followUp.Raise(FollowUpOrchestration.RetryWriteBackEvent, new WriteBackRetry("operator"));

        Assert.Equal(new FollowUpEnd(Input, FollowUpOutcome.OptedOut), followUp.Activities[^1].Input);
        Assert.Equal(FollowUpOutcome.OptedOut.Spelling(), followUp.Result);
    }

    [Fact]
    public void Answers_delivered_twice_are_written_back_once()
    {
        var followUp = FollowUp(Written);

        followUp.Raise(FollowUpOrchestration.SurveySubmittedEvent, new SurveySubmitted(SurveyKind.Baseline));
        followUp.Raise(FollowUpOrchestration.SurveySubmittedEvent, new SurveySubmitted(SurveyKind.Baseline));

        Assert.Equal(1, Count(followUp, FollowUpActivityNames.WriteBack));
        Assert.Equal([Due], followUp.PendingTimers.Select(t => t.FireAt));
    }

    [Fact]
    public void A_write_back_still_retrying_does_not_hold_up_the_follow_up_date()
    {
        // The activity is still inside its retry policy (its task never completes here): the follow-up goes on beside it.
        var followUp = new OrchestrationContextMock(Input, Accepted, "3")
            .Returns(FollowUpActivityNames.PlanFollowUp, Plan)
            .OnActivity(FollowUpActivityNames.WriteBack, _ => OrchestrationContextMock.StillRunning)
            .Start(FollowUpOrchestration.RunAsync);
        followUp.Raise(FollowUpOrchestration.SurveySubmittedEvent, new SurveySubmitted(SurveyKind.Baseline));
        Assert.Equal(FollowUpActivityNames.WriteBack, followUp.ActivityNames[^1]);

        followUp.FireTimer();

        Assert.Equal(new SurveyStep(Input, SurveyKind.FollowUp, SurveyStepName.FirstSend), followUp.Activities[^1].Input);
    }
}

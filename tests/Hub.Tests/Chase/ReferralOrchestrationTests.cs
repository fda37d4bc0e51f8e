using Hub.Chase;
using Hub.FollowUp;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Microsoft.DurableTask;

namespace Hub.Tests.Chase;

/// <summary>The chase orchestrator alone, over a mocked <see cref="TaskOrchestrationContext"/>: which activities it calls,
/// with what, in which order, which timers it sets, what operators see as its custom status, and what it returns.
/// Longer than most classes on purpose: one test per branch of one orchestrator, so every branch is in one place.</summary>
[Trait("Category", "Unit")]
public sealed class ReferralOrchestrationTests
{
    private static readonly ReferralOrchestrationInput Referral = new("ref-1", "A81001", "task-1", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

    // A Tuesday in March (London on GMT), inside working hours.
    private static readonly DateTime Offered = new(2026, 3, 3, 10, 0, 0, DateTimeKind.Utc);

    private static readonly TimeSpan PlanRetry = TimeSpan.FromMinutes(2);

    private static ChasePlan Plan(params string[] providers) =>
        new(providers, [TimeSpan.FromDays(1), TimeSpan.FromDays(2)], TimeSpan.FromDays(3), TimeSpan.FromDays(5), WorkingHoursOnly: false, PlanRetry);

    private static OrchestrationContextMock Chase(ChasePlan plan, string? version = ReferralOrchestration.CurrentVersion, DateTime? start = null) =>
        new OrchestrationContextMock(Referral, start ?? Offered, version)
            .Returns(ChaseActivityNames.PlanChase, plan)
            .Returns(ChaseActivityNames.OfferToProvider, OfferOutcome.Sent);

    private static ReferralProgress Awaiting(int attempt, ChaseStepName next, DateTime due, string providerId) =>
        new(ProgressStep.AwaitingProvider, $"Offered to provider (attempt {attempt}); next: {next}.", due, providerId);

    private static ProviderAnswer Accept(string providerId) => new(providerId, true, null, null, new DateOnly(2026, 3, 20));

    private static ProviderAnswer Decline(string providerId) => Decline(providerId, DeclineCode.Of(DeclineReason.NoCapacity), "Full until May");

    private static ProviderAnswer Decline(string providerId, DeclineCode? reason, string? note) => new(providerId, false, reason, note, null);

    private static readonly Withdrawal Withdrawn = new(WithdrawalStatus.Revoked, new DateTimeOffset(2026, 3, 4, 9, 0, 0, TimeSpan.Zero));

    /// <summary>Lets reminder-1, reminder-2, the escalation and the expiry pass for the provider being chased.</summary>
    private static void LetTheOfferExpire(OrchestrationContextMock chase)
    {
        for (var i = 0; i < 4; i++)
        {
            chase.FireTimer();
        }
    }

    [Theory]
    [InlineData("1")]
    [InlineData("")]
    [InlineData(null)]
    public void A_version_one_instance_records_the_referral_and_cancels_it_only_when_withdrawn(string? version)
    {
        var chase = new OrchestrationContextMock(Referral, Offered, version).Start(ReferralOrchestration.RunAsync);

        Assert.Equal([ChaseActivityNames.RecordReferralReceived], chase.ActivityNames);
        Assert.Equal(Referral, chase.Activities[0].Input);
        Assert.Equal(new ReferralProgress(ProgressStep.Received, "Waiting for the provider chase to start."), chase.CustomStatus);
        Assert.Equal([ReferralInstances.WithdrawnEvent], chase.WaitingFor);
        Assert.Empty(chase.Timers);
        Assert.True(chase.IsRunning);

        // Version 1 raised the withdrawal as a plain string.
        chase.Raise(ReferralInstances.WithdrawnEvent, "revoked");

        Assert.Equal([ChaseActivityNames.RecordReferralReceived, ReferralInstances.CancelReferral], chase.ActivityNames);
        Assert.Equal(new Cancellation(Referral, null), chase.Activities[1].Input);
        Assert.Equal(TimeSpan.FromSeconds(30), chase.Activities[1].Retry!.FirstRetryInterval);
        Assert.Equal(new ReferralProgress(ProgressStep.Withdrawn, "The practice withdrew the referral."), chase.CustomStatus);
        Assert.Equal(ProgressStep.Withdrawn.Spelling(), chase.Result);
    }

    [Fact]
    public void A_version_one_instance_also_ends_on_a_version_two_withdrawal()
    {
        var chase = new OrchestrationContextMock(Referral, Offered, "1").Start(ReferralOrchestration.RunAsync);

        chase.Raise(ReferralInstances.WithdrawnEvent, Withdrawn);

        Assert.Equal([ChaseActivityNames.RecordReferralReceived, ReferralInstances.CancelReferral], chase.ActivityNames);
        Assert.Equal(ProgressStep.Withdrawn.Spelling(), chase.Result);
    }

    [Fact]
    public void A_chase_started_without_input_fails()
    {
        var chase = new OrchestrationContextMock(null, Offered, "3").Start(ReferralOrchestration.RunAsync);

        Assert.Throws<InvalidOperationException>(() => chase.Result);
        Assert.Empty(chase.Activities);
    }

    [Fact]
    public void With_no_provider_matched_the_referrer_is_told_and_the_chase_waits_for_a_withdrawal_to_cancel()
    {
        var chase = Chase(Plan()).Start(ReferralOrchestration.RunAsync);

        Assert.Equal([ChaseActivityNames.RecordReferralReceived, ChaseActivityNames.PlanChase, ChaseActivityNames.EscalateNoProvider], chase.ActivityNames);
        var end = chase.Activities[2].InputAs<ChaseEnd>();
        Assert.Equal(Referral, end.Referral);
        Assert.Null(end.ProviderId);
        Assert.Empty(end.Declines);
        Assert.Null(end.Answer);
        Assert.Equal(ChaseEndReason.NoProvider, end.Reason);
        Assert.Equal(new ReferralProgress(ProgressStep.Escalated, "No provider with capacity matches this referral; the referrer was told."), chase.CustomStatus);
        Assert.Equal([ReferralInstances.WithdrawnEvent], chase.WaitingFor);
        Assert.Empty(chase.Timers);
        Assert.True(chase.IsRunning);

        chase.Raise(ReferralInstances.WithdrawnEvent, Withdrawn);

        Assert.Equal(ReferralInstances.CancelReferral, chase.ActivityNames[^1]);
        Assert.Equal(new Cancellation(Referral, null), chase.Activities[^1].Input);
        Assert.Equal(new ReferralProgress(ProgressStep.Withdrawn, "The practice withdrew the referral."), chase.CustomStatus);
        Assert.Equal(ProgressStep.Withdrawn.Spelling(), chase.Result);
    }

    [Fact]
    public void The_referral_is_offered_to_the_first_provider_and_operators_see_when_the_first_reminder_is_due()
    {
        var chase = Chase(Plan("alpha", "beta")).Start(ReferralOrchestration.RunAsync);

        Assert.Equal([ChaseActivityNames.RecordReferralReceived, ChaseActivityNames.PlanChase, ChaseActivityNames.OfferToProvider], chase.ActivityNames);
        Assert.Equal(Referral, chase.Activities[0].Input);
        Assert.Equal(Referral, chase.Activities[1].Input);
        Assert.Equal(new ChaseStep(Referral, "alpha", 1, ChaseStepName.Offer), chase.Activities[2].Input);
        Assert.Equal(Awaiting(1, ChaseStepName.Reminder(1), Offered.AddDays(1), "alpha"), chase.CustomStatus);
        Assert.Equal([Offered.AddDays(1)], chase.PendingTimers.Select(t => t.FireAt));
        Assert.Equal([ReferralInstances.WithdrawnEvent, ReferralOrchestration.ProviderRespondedEvent], chase.WaitingFor);
        Assert.True(chase.IsRunning);
    }

    [Fact]
    public void Activities_are_retried_from_the_plans_first_interval_once_the_plan_is_read()
    {
        var chase = Chase(Plan("alpha")).Start(ReferralOrchestration.RunAsync);
        chase.FireTimer();

        // Before the plan is read, the first steps retry from 30 s.
        Assert.Equal(TimeSpan.FromSeconds(30), chase.Activities[0].Retry!.FirstRetryInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), chase.Activities[1].Retry!.FirstRetryInterval);
        Assert.All(chase.Activities.Skip(2), a => Assert.Equal(PlanRetry, a.Retry!.FirstRetryInterval));
        Assert.All(chase.Activities, a => Assert.Equal(6, a.Retry!.MaxNumberOfAttempts));
    }

    [Fact]
    public void Reminders_escalation_and_expiry_come_at_the_plans_times_then_the_next_provider_is_offered()
    {
        var chase = Chase(Plan("alpha", "beta")).Start(ReferralOrchestration.RunAsync);

        Assert.Equal(Offered.AddDays(1), chase.FireTimer());
        Assert.Equal(ChaseActivityNames.RemindProvider, chase.ActivityNames[^1]);
        Assert.Equal(new ChaseStep(Referral, "alpha", 1, ChaseStepName.Reminder(1)), chase.Activities[^1].Input);
        Assert.Equal(Awaiting(1, ChaseStepName.Reminder(2), Offered.AddDays(2), "alpha"), chase.CustomStatus);

        Assert.Equal(Offered.AddDays(2), chase.FireTimer());
        Assert.Equal(ChaseActivityNames.RemindProvider, chase.ActivityNames[^1]);
        Assert.Equal(new ChaseStep(Referral, "alpha", 1, ChaseStepName.Reminder(2)), chase.Activities[^1].Input);
        Assert.Equal(Awaiting(1, ChaseStepName.Escalation, Offered.AddDays(3), "alpha"), chase.CustomStatus);

        Assert.Equal(Offered.AddDays(3), chase.FireTimer());
        Assert.Equal(ChaseActivityNames.EscalateToReferrer, chase.ActivityNames[^1]);
        Assert.Equal(new ChaseStep(Referral, "alpha", 1, ChaseStepName.Escalation), chase.Activities[^1].Input);
        Assert.Equal(Awaiting(1, ChaseStepName.Expired, Offered.AddDays(5), "alpha"), chase.CustomStatus);

        Assert.Equal(Offered.AddDays(5), chase.FireTimer());

        Assert.Equal(
            [
                ChaseActivityNames.RecordReferralReceived, ChaseActivityNames.PlanChase, ChaseActivityNames.OfferToProvider,
                ChaseActivityNames.RemindProvider, ChaseActivityNames.RemindProvider, ChaseActivityNames.EscalateToReferrer,
                ChaseActivityNames.RecordDecline, ChaseActivityNames.OfferToProvider,
            ],
            chase.ActivityNames);
        var noResponse = chase.Activities[6].InputAs<ChaseEnd>();
        Assert.Equal(Referral, noResponse.Referral);
        Assert.Equal("alpha", noResponse.ProviderId);
        Assert.Equal([new Decline("alpha", DeclineCode.NoResponse, null)], noResponse.Declines);
        Assert.Null(noResponse.Answer);
        Assert.Equal(ChaseEndReason.NoResponse, noResponse.Reason);
        Assert.Equal(new ChaseStep(Referral, "beta", 2, ChaseStepName.Offer), chase.Activities[7].Input);
        // The second provider's times count from its own offer.
        var betaOffered = Offered.AddDays(5);
        Assert.Equal(Awaiting(2, ChaseStepName.Reminder(1), betaOffered.AddDays(1), "beta"), chase.CustomStatus);
        Assert.Equal([betaOffered.AddDays(1)], chase.PendingTimers.Select(t => t.FireAt));
        Assert.Equal(
            [Awaiting(1, ChaseStepName.Reminder(1), Offered.AddDays(1), "alpha"), Awaiting(1, ChaseStepName.Reminder(2), Offered.AddDays(2), "alpha"), Awaiting(1, ChaseStepName.Escalation, Offered.AddDays(3), "alpha"), Awaiting(1, ChaseStepName.Expired, Offered.AddDays(5), "alpha"), Awaiting(2, ChaseStepName.Reminder(1), betaOffered.AddDays(1), "beta")],
            chase.Statuses<ReferralProgress>());
    }

    [Fact]
    public void The_steps_run_in_order_of_time_and_a_reminder_planned_after_the_expiry_is_never_sent()
    {
        // Reminders are named by their place in the plan, then ordered by time.
        var plan = new ChasePlan(["alpha"], [TimeSpan.FromDays(4), TimeSpan.FromDays(1)], TimeSpan.FromDays(2), TimeSpan.FromDays(3), false, PlanRetry);
        var chase = Chase(plan).Start(ReferralOrchestration.RunAsync);

        Assert.Equal(Awaiting(1, ChaseStepName.Reminder(2), Offered.AddDays(1), "alpha"), chase.CustomStatus);
        chase.FireTimer();
        Assert.Equal(new ChaseStep(Referral, "alpha", 1, ChaseStepName.Reminder(2)), chase.Activities[^1].Input);
        Assert.Equal(Awaiting(1, ChaseStepName.Escalation, Offered.AddDays(2), "alpha"), chase.CustomStatus);
        chase.FireTimer();
        Assert.Equal(Awaiting(1, ChaseStepName.Expired, Offered.AddDays(3), "alpha"), chase.CustomStatus);
        chase.FireTimer();

        Assert.Equal([Offered.AddDays(1), Offered.AddDays(2), Offered.AddDays(3)], chase.Timers.Select(t => t.FireAt));
        Assert.Equal(
            [
                ChaseActivityNames.RecordReferralReceived, ChaseActivityNames.PlanChase, ChaseActivityNames.OfferToProvider,
                ChaseActivityNames.RemindProvider, ChaseActivityNames.EscalateToReferrer, ChaseActivityNames.RecordDecline, ChaseActivityNames.RejectReferral,
            ],
            chase.ActivityNames);
        Assert.Equal(ProgressStep.Rejected.Spelling(), chase.Result);
    }

    [Fact]
    public void Working_hours_only_moves_reminders_and_escalation_to_the_next_opening_but_not_the_expiry()
    {
        // Friday 5 June 2026, 16:00 in London (BST): a reminder two hours on falls after closing.
        var friday = new DateTime(2026, 6, 5, 15, 0, 0, DateTimeKind.Utc);
        var mondayNine = new DateTime(2026, 6, 8, 8, 0, 0, DateTimeKind.Utc);
        var plan = new ChasePlan(["alpha", "beta"], [TimeSpan.FromHours(2)], TimeSpan.FromDays(1), TimeSpan.FromDays(2), WorkingHoursOnly: true, PlanRetry);
        var chase = Chase(plan, start: friday).Start(ReferralOrchestration.RunAsync);

        Assert.Equal(Awaiting(1, ChaseStepName.Reminder(1), mondayNine, "alpha"), chase.CustomStatus);
        Assert.Equal(mondayNine, chase.FireTimer());
        Assert.Equal(new ChaseStep(Referral, "alpha", 1, ChaseStepName.Reminder(1)), chase.Activities[^1].Input);
        // Saturday 16:00 moves to Monday 09:00 too.
        Assert.Equal(Awaiting(1, ChaseStepName.Escalation, mondayNine, "alpha"), chase.CustomStatus);
        Assert.Equal(mondayNine, chase.FireTimer());
        Assert.Equal(ChaseActivityNames.EscalateToReferrer, chase.ActivityNames[^1]);
        // The expiry keeps its time, Sunday 16:00, although the reminder and escalation went out on Monday after it.
        var sunday = friday.AddDays(2);
        Assert.Equal(Awaiting(1, ChaseStepName.Expired, sunday, "alpha"), chase.CustomStatus);
        Assert.Equal(sunday, chase.FireTimer());
        Assert.Equal(ChaseActivityNames.RecordDecline, chase.ActivityNames[^2]);
        Assert.Equal(new ChaseStep(Referral, "beta", 2, ChaseStepName.Offer), chase.Activities[^1].Input);
        Assert.Equal([mondayNine, mondayNine, sunday], chase.Timers.Take(3).Select(t => t.FireAt));
        // The next provider's reminder, two hours after its Monday offer, is inside working hours and stays.
        Assert.Equal([mondayNine.AddHours(2)], chase.PendingTimers.Select(t => t.FireAt));
    }

    [Fact]
    public void Working_hours_only_leaves_a_time_inside_working_hours_and_moves_closing_time_to_the_next_morning()
    {
        // Tuesday 10:00 GMT: 11:00 is open; 17:00 is closing time, so Wednesday 09:00; the expiry stays at Wednesday 10:00.
        var plan = new ChasePlan(["alpha"], [TimeSpan.FromHours(1)], TimeSpan.FromHours(7), TimeSpan.FromDays(1), WorkingHoursOnly: true, PlanRetry);
        var chase = Chase(plan).Start(ReferralOrchestration.RunAsync);

        chase.FireTimer();
        chase.FireTimer();
        chase.FireTimer();

        Assert.Equal(
            [new DateTime(2026, 3, 3, 11, 0, 0, DateTimeKind.Utc), new DateTime(2026, 3, 4, 9, 0, 0, DateTimeKind.Utc), new DateTime(2026, 3, 4, 10, 0, 0, DateTimeKind.Utc)],
            chase.Timers.Select(t => t.FireAt));
        Assert.Equal(ProgressStep.Rejected.Spelling(), chase.Result);
    }

    [Fact]
    public void A_bounced_offer_escalates_as_email_rejected_and_goes_straight_to_the_next_provider()
    {
        var chase = Chase(Plan("alpha", "beta"))
            .ReturnsInOrder(ChaseActivityNames.OfferToProvider, OfferOutcome.Bounced, OfferOutcome.Sent)
            .Start(ReferralOrchestration.RunAsync);

        Assert.Equal(
            [ChaseActivityNames.RecordReferralReceived, ChaseActivityNames.PlanChase, ChaseActivityNames.OfferToProvider, ChaseActivityNames.EscalateToReferrer, ChaseActivityNames.OfferToProvider],
            chase.ActivityNames);
        Assert.Equal(new ChaseStep(Referral, "alpha", 1, ChaseStepName.EmailRejected), chase.Activities[3].Input);
        Assert.Equal(new ChaseStep(Referral, "beta", 2, ChaseStepName.Offer), chase.Activities[4].Input);
        Assert.Equal(Awaiting(2, ChaseStepName.Reminder(1), Offered.AddDays(1), "beta"), chase.CustomStatus);
        Assert.Equal([Offered.AddDays(1)], chase.Timers.Select(t => t.FireAt));

        // The bounce counts among the declines the rejection reports.
        chase.Raise(ReferralOrchestration.ProviderRespondedEvent, Decline("beta"));

        Assert.Equal(ChaseActivityNames.RejectReferral, chase.ActivityNames[^1]);
        Assert.Equal([new Decline("alpha", DeclineCode.EmailRejected, null), new Decline("beta", DeclineCode.Of(DeclineReason.NoCapacity), "Full until May")], chase.Activities[^1].InputAs<ChaseEnd>().Declines);
        Assert.Equal(new ReferralProgress(ProgressStep.Rejected, "No provider took the referral (2 asked); the referrer was told."), chase.CustomStatus);
        Assert.Equal(ProgressStep.Rejected.Spelling(), chase.Result);
    }

    [Fact]
    public void When_every_offer_bounces_the_referral_is_rejected_without_waiting()
    {
        var chase = Chase(Plan("alpha", "beta"))
            .Returns(ChaseActivityNames.OfferToProvider, OfferOutcome.Bounced)
            .Start(ReferralOrchestration.RunAsync);

        Assert.Equal(
            [
                ChaseActivityNames.RecordReferralReceived, ChaseActivityNames.PlanChase,
                ChaseActivityNames.OfferToProvider, ChaseActivityNames.EscalateToReferrer, ChaseActivityNames.OfferToProvider, ChaseActivityNames.EscalateToReferrer,
                ChaseActivityNames.RejectReferral,
            ],
            chase.ActivityNames);
        Assert.Equal(new ChaseStep(Referral, "beta", 2, ChaseStepName.EmailRejected), chase.Activities[5].Input);
        Assert.Empty(chase.Timers);
        Assert.Equal(new ReferralProgress(ProgressStep.Rejected, "No provider took the referral (2 asked); the referrer was told."), chase.CustomStatus);
        Assert.Equal(ProgressStep.Rejected.Spelling(), chase.Result);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void A_withdrawal_while_waiting_cancels_the_referral_with_the_provider_holding_it(int stepsPassed)
    {
        var chase = Chase(Plan("alpha", "beta")).Start(ReferralOrchestration.RunAsync);
        for (var i = 0; i < stepsPassed; i++)
        {
            chase.FireTimer();
        }

        chase.Raise(ReferralInstances.WithdrawnEvent, Withdrawn);

        Assert.Equal(ReferralInstances.CancelReferral, chase.ActivityNames[^1]);
        Assert.Equal(new Cancellation(Referral, "alpha"), chase.Activities[^1].Input);
        Assert.DoesNotContain(ChaseActivityNames.RecordDecline, chase.ActivityNames);
        Assert.Empty(chase.PendingTimers);
        Assert.True(chase.Timers[^1].Cancelled);
        Assert.Equal(new ReferralProgress(ProgressStep.Withdrawn, "The practice withdrew the referral.", null, "alpha"), chase.CustomStatus);
        Assert.Equal(ProgressStep.Withdrawn.Spelling(), chase.Result);
    }

    [Fact]
    public void A_withdrawal_while_the_second_provider_is_asked_names_the_second_provider()
    {
        var chase = Chase(Plan("alpha", "beta")).Start(ReferralOrchestration.RunAsync);
        chase.Raise(ReferralOrchestration.ProviderRespondedEvent, Decline("alpha"));

        chase.Raise(ReferralInstances.WithdrawnEvent, Withdrawn);

        Assert.Equal(new Cancellation(Referral, "beta"), chase.Activities[^1].Input);
        Assert.Equal(new ReferralProgress(ProgressStep.Withdrawn, "The practice withdrew the referral.", null, "beta"), chase.CustomStatus);
        Assert.Equal(ProgressStep.Withdrawn.Spelling(), chase.Result);
    }

    [Fact]
    public void A_withdrawal_raised_with_the_providers_answer_wins_over_the_answer()
    {
        var chase = Chase(Plan("alpha")).Start(ReferralOrchestration.RunAsync);

        chase.RaiseTogether((ReferralOrchestration.ProviderRespondedEvent, Accept("alpha")), (ReferralInstances.WithdrawnEvent, Withdrawn));

        Assert.DoesNotContain(ChaseActivityNames.AcceptReferral, chase.ActivityNames);
        Assert.Equal(new Cancellation(Referral, "alpha"), chase.Activities[^1].Input);
        Assert.Equal(ProgressStep.Withdrawn.Spelling(), chase.Result);
    }

    [Fact]
    public void A_late_answer_from_an_earlier_provider_is_ignored_and_the_wait_goes_on_to_the_same_time()
    {
        var chase = Chase(Plan("alpha", "beta")).Start(ReferralOrchestration.RunAsync);
        LetTheOfferExpire(chase);
        var activities = chase.Activities.Count;
        var statuses = chase.Statuses<ReferralProgress>().Count;
        var betaDue = Offered.AddDays(5).AddDays(1);

        chase.Raise(ReferralOrchestration.ProviderRespondedEvent, Accept("alpha"));

        Assert.Equal(activities, chase.Activities.Count);
        Assert.Equal(statuses, chase.Statuses<ReferralProgress>().Count);
        Assert.Equal(Awaiting(2, ChaseStepName.Reminder(1), betaDue, "beta"), chase.CustomStatus);
        Assert.True(chase.Timers[^2].Cancelled);
        Assert.Equal([betaDue], chase.PendingTimers.Select(t => t.FireAt));
        Assert.Contains(ReferralOrchestration.ProviderRespondedEvent, chase.WaitingFor);
        Assert.True(chase.IsRunning);

        chase.Raise(ReferralOrchestration.ProviderRespondedEvent, Accept("beta"));

        Assert.Equal(ChaseActivityNames.AcceptReferral, chase.ActivityNames[^1]);
        var accepted = chase.Activities[^1].InputAs<ChaseEnd>();
        Assert.Equal("beta", accepted.ProviderId);
        Assert.Equal(Accept("beta"), accepted.Answer);
        Assert.Equal([new Decline("alpha", DeclineCode.NoResponse, null)], accepted.Declines);
        Assert.Equal(new FollowUpInput(Referral, "beta", WriteBackBeside: true), chase.SubOrchestrations.Single().Input);
    }

    [Fact]
    public void Accepted_under_version_two_the_chase_records_the_acceptance_and_waits_for_a_withdrawal()
    {
        var chase = Chase(Plan("alpha", "beta"), version: "2").Start(ReferralOrchestration.RunAsync);
        chase.FireTimer();

        chase.Raise(ReferralOrchestration.ProviderRespondedEvent, Accept("alpha"));

        Assert.Equal(ChaseActivityNames.AcceptReferral, chase.ActivityNames[^1]);
        var accepted = chase.Activities[^1].InputAs<ChaseEnd>();
        Assert.Equal(Referral, accepted.Referral);
        Assert.Equal("alpha", accepted.ProviderId);
        Assert.Empty(accepted.Declines);
        Assert.Equal(Accept("alpha"), accepted.Answer);
        Assert.Null(accepted.Reason);
        Assert.Equal(new ReferralProgress(ProgressStep.Accepted, "Accepted; the outcome follow-up starts from here.", null, "alpha"), chase.CustomStatus);
        Assert.Empty(chase.SubOrchestrations);
        Assert.Empty(chase.PendingTimers);
        Assert.Equal([ReferralInstances.WithdrawnEvent], chase.WaitingFor.Where(e => e == ReferralInstances.WithdrawnEvent));
        Assert.True(chase.IsRunning);

        chase.Raise(ReferralInstances.WithdrawnEvent, Withdrawn);

        Assert.Equal(ReferralInstances.CancelReferral, chase.ActivityNames[^1]);
        Assert.Equal(new Cancellation(Referral, "alpha"), chase.Activities[^1].Input);
        Assert.Equal(new ReferralProgress(ProgressStep.Withdrawn, "The practice withdrew the referral.", null, "alpha"), chase.CustomStatus);
        Assert.Equal(ProgressStep.Withdrawn.Spelling(), chase.Result);
    }

    [Fact]
    public void Accepted_under_version_three_the_chase_hands_the_referral_to_its_follow_up_and_returns_its_outcome()
    {
        var chase = Chase(Plan("alpha", "beta"))
            .SubOrchestrationReturns(_ => FollowUpOutcome.Answered.Spelling())
            .Start(ReferralOrchestration.RunAsync);

        chase.Raise(ReferralOrchestration.ProviderRespondedEvent, Accept("alpha"));

        Assert.Equal(
            [ChaseActivityNames.RecordReferralReceived, ChaseActivityNames.PlanChase, ChaseActivityNames.OfferToProvider, ChaseActivityNames.AcceptReferral],
            chase.ActivityNames);
        var accepted = chase.Activities[^1].InputAs<ChaseEnd>();
        Assert.Equal("alpha", accepted.ProviderId);
        Assert.Equal(Accept("alpha"), accepted.Answer);
        var followUp = chase.SubOrchestrations.Single();
        Assert.Equal(ReferralInstances.FollowUpOrchestration, followUp.Name);
        Assert.Equal(new FollowUpInput(Referral, "alpha", WriteBackBeside: true), followUp.Input);
        Assert.Equal("ref-1-follow-up", Assert.IsType<SubOrchestrationOptions>(followUp.Options).InstanceId);
        Assert.Equal(ReferralInstances.FollowUpInstanceId("ref-1"), ((SubOrchestrationOptions)followUp.Options!).InstanceId);
        // The acceptance is recorded before the follow-up starts.
        Assert.True(chase.Log.ToList().IndexOf(chase.Activities[^1]) < chase.Log.ToList().IndexOf(followUp));
        // The status stays at following-up: the chase sets none once the follow-up has returned.
        Assert.Equal(new ReferralProgress(ProgressStep.FollowingUp, "Accepted; the outcome follow-up is under way.", null, "alpha"), chase.CustomStatus);
        Assert.Empty(chase.PendingTimers);
        Assert.Equal(FollowUpOutcome.Answered.Spelling(), chase.Result);
    }

    [Theory]
    [InlineData("3")]
    [InlineData("4")]
    public void Accepted_under_version_three_or_any_later_one_the_chase_runs_as_long_as_its_follow_up(string version)
    {
        var chase = Chase(Plan("alpha"), version).Start(ReferralOrchestration.RunAsync);

        chase.Raise(ReferralOrchestration.ProviderRespondedEvent, Accept("alpha"));

        Assert.Single(chase.SubOrchestrations);
        Assert.True(chase.IsRunning);
    }

    [Fact]
    public void A_decline_is_recorded_with_its_reason_and_note_and_the_next_provider_is_offered()
    {
        var chase = Chase(Plan("alpha", "beta")).Start(ReferralOrchestration.RunAsync);
        chase.FireTimer();

        chase.Raise(ReferralOrchestration.ProviderRespondedEvent, Decline("alpha"));

        Assert.Equal([ChaseActivityNames.RecordDecline, ChaseActivityNames.OfferToProvider], chase.ActivityNames.TakeLast(2));
        var declined = chase.Activities[^2].InputAs<ChaseEnd>();
        Assert.Equal(Referral, declined.Referral);
        Assert.Equal("alpha", declined.ProviderId);
        Assert.Equal([new Decline("alpha", DeclineCode.Of(DeclineReason.NoCapacity), "Full until May")], declined.Declines);
        Assert.Equal(Decline("alpha"), declined.Answer);
        Assert.Null(declined.Reason);
        Assert.Equal(new ChaseStep(Referral, "beta", 2, ChaseStepName.Offer), chase.Activities[^1].Input);
        Assert.True(chase.Timers[^2].Cancelled);
        Assert.Equal(Awaiting(2, ChaseStepName.Reminder(1), Offered.AddDays(2), "beta"), chase.CustomStatus);
    }

    [Fact]
    public void A_decline_without_a_reason_code_is_recorded_as_unspecified()
    {
        var chase = Chase(Plan("alpha", "beta")).Start(ReferralOrchestration.RunAsync);

        chase.Raise(ReferralOrchestration.ProviderRespondedEvent, Decline("alpha", reason: null, note: null));

        Assert.Equal([new Decline("alpha", DeclineCode.Unspecified, null)], chase.Activities[^2].InputAs<ChaseEnd>().Declines);
    }

    [Fact]
    public void When_every_provider_declines_or_never_answers_the_referral_is_rejected_as_all_declined()
    {
        var chase = Chase(Plan("alpha", "beta", "gamma")).Start(ReferralOrchestration.RunAsync);
        chase.Raise(ReferralOrchestration.ProviderRespondedEvent, Decline("alpha"));
        LetTheOfferExpire(chase);
        chase.Raise(ReferralOrchestration.ProviderRespondedEvent, Decline("gamma", DeclineCode.Of(DeclineReason.NotSuitable), null));

        Assert.Equal(
            [
                ChaseActivityNames.RecordReferralReceived, ChaseActivityNames.PlanChase,
                ChaseActivityNames.OfferToProvider, ChaseActivityNames.RecordDecline,
                ChaseActivityNames.OfferToProvider, ChaseActivityNames.RemindProvider, ChaseActivityNames.RemindProvider, ChaseActivityNames.EscalateToReferrer, ChaseActivityNames.RecordDecline,
                ChaseActivityNames.OfferToProvider, ChaseActivityNames.RecordDecline,
                ChaseActivityNames.RejectReferral,
            ],
            chase.ActivityNames);
        Assert.Equal(["alpha", "beta", "gamma"], chase.Activities.Where(a => a.Name == ChaseActivityNames.OfferToProvider).Select(a => a.InputAs<ChaseStep>().ProviderId));
        Assert.Equal([1, 2, 3], chase.Activities.Where(a => a.Name == ChaseActivityNames.OfferToProvider).Select(a => a.InputAs<ChaseStep>().Attempt));
        // Each decline is recorded with the declines so far.
        Assert.Equal([1, 2, 3], chase.Activities.Where(a => a.Name == ChaseActivityNames.RecordDecline).Select(a => a.InputAs<ChaseEnd>().Declines.Count));
        var rejected = chase.Activities[^1].InputAs<ChaseEnd>();
        Assert.Equal(Referral, rejected.Referral);
        Assert.Null(rejected.ProviderId);
        Assert.Null(rejected.Answer);
        Assert.Equal(ChaseEndReason.AllDeclined, rejected.Reason);
        Assert.Equal(
            [new Decline("alpha", DeclineCode.Of(DeclineReason.NoCapacity), "Full until May"), new Decline("beta", DeclineCode.NoResponse, null), new Decline("gamma", DeclineCode.Of(DeclineReason.NotSuitable), null)],
            rejected.Declines);
        Assert.Equal(new ReferralProgress(ProgressStep.Rejected, "No provider took the referral (3 asked); the referrer was told."), chase.CustomStatus);
        Assert.Empty(chase.PendingTimers);
        Assert.Equal(ProgressStep.Rejected.Spelling(), chase.Result);
    }
}

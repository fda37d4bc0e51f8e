using Hub.Chase;
using Hub.Referrals;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.LinkWork;

/// <summary>The chase orchestrator over a mocked context, for an onward connection (its input names the parent
/// referral): chased and accepted as any referral, but no follow-up of its own; a withdrawal tells the provider holding it.
/// An input without the parent (every instance started before onward connections) still hands over to the follow-up.</summary>
[Trait("Category", "Unit")]
public sealed class OnwardChaseTests
{
    private static readonly DateTime Offered = new(2026, 3, 3, 10, 0, 0, DateTimeKind.Utc);

    private static readonly ChasePlan Plan = new(["garden-a", "garden-b"], [TimeSpan.FromDays(1)], TimeSpan.FromDays(3), TimeSpan.FromDays(5), WorkingHoursOnly: false, TimeSpan.FromMinutes(2));

    private static OrchestrationContextMock Chase(ReferralOrchestrationInput input) =>
        new OrchestrationContextMock(input, Offered, ReferralOrchestration.CurrentVersion)
            .Returns(ChaseActivityNames.PlanChase, Plan)
            .Returns(ChaseActivityNames.OfferToProvider, OfferOutcome.Sent)
            .SubOrchestrationReturns(_ => OrchestrationContextMock.StillRunning)
            .Start(ReferralOrchestration.RunAsync);

    [Fact]
    public void A_connection_declined_is_rerouted_and_once_accepted_starts_no_follow_up_and_a_withdrawal_tells_its_provider()
    {
        var input = new ReferralOrchestrationInput("child-1", "A81001", "child-task-1", null, ParentReferralId: "parent-1");
        var chase = Chase(input);

        chase.Raise(ReferralOrchestration.ProviderRespondedEvent, new ProviderAnswer("garden-a", false, DeclineCode.Of(DeclineReason.NoCapacity), null, null));
        chase.Raise(ReferralOrchestration.ProviderRespondedEvent, new ProviderAnswer("garden-b", true, null, null, null));

        Assert.Empty(chase.SubOrchestrations);
        Assert.Equal(new ReferralProgress(ProgressStep.Accepted, "Accepted; an onward connection, followed up with its parent referral.", null, "garden-b"), chase.CustomStatus);
        Assert.Equal([ReferralInstances.WithdrawnEvent], chase.WaitingFor.Distinct());
        Assert.True(chase.IsRunning);

        chase.Raise(ReferralInstances.WithdrawnEvent, new Withdrawal(WithdrawalStatus.Revoked, DateTimeOffset.UnixEpoch));

        Assert.Equal(ReferralInstances.CancelReferral, chase.ActivityNames[^1]);
        Assert.Equal(new Cancellation(input, "garden-b"), chase.Activities[^1].Input);
        Assert.Equal(ProgressStep.Withdrawn.Spelling(), chase.Result);
        Assert.Equal(2, chase.ActivityNames.Count(n => n == ChaseActivityNames.OfferToProvider));
    }

    [Fact]
    public void A_referral_without_a_parent_still_goes_on_to_its_follow_up()
    {
        var chase = Chase(new ReferralOrchestrationInput("ref-1", "A81001", "task-1"));

        chase.Raise(ReferralOrchestration.ProviderRespondedEvent, new ProviderAnswer("garden-a", true, null, null, null));

        Assert.Single(chase.SubOrchestrations);
    }

    [Fact]
    public void The_parent_is_written_into_history_only_when_set()
    {
        Assert.DoesNotContain("ParentReferralId", System.Text.Json.JsonSerializer.Serialize(new ReferralOrchestrationInput("ref-1", "A81001", "task-1")), StringComparison.Ordinal);
        var child = new ReferralOrchestrationInput("child-1", "A81001", "task-2", null, "parent-1");
        Assert.Equal(child, System.Text.Json.JsonSerializer.Deserialize<ReferralOrchestrationInput>(System.Text.Json.JsonSerializer.Serialize(child)));
    }
}

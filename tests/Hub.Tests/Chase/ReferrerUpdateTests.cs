using Hub.Chase;
using Hub.Referrals;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.Chase;

/// <summary>What the chase tells the referrer and writes on the Task at each step, decided without any I/O.</summary>
[Trait("Category", "Unit")]
public sealed class ReferrerUpdateTests
{
    private static readonly IReadOnlyList<Decline> Declines =
        [new Decline("alpha", DeclineCode.Of(DeclineReason.NoCapacity), null), new Decline("beta", DeclineCode.NoResponse, null), new Decline("gamma", DeclineCode.EmailRejected, null)];

    [Fact]
    public void A_refused_address_asks_the_referrer_to_check_the_providers_details()
    {
        var update = ReferrerUpdate.AboutProvider(ChaseStepName.EmailRejected, "alpha", "Alpha Walks");
        Assert.Equal("email-rejected-alpha", update.EmailKey);
        Assert.Equal("We could not email Alpha Walks", update.Headline);
        Assert.Contains("please check Alpha Walks's contact details", update.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void An_escalation_says_the_provider_has_not_answered_and_the_hub_keeps_waiting()
    {
        var update = ReferrerUpdate.AboutProvider(ChaseStepName.Escalation, "alpha", "Alpha Walks");
        Assert.Equal("escalation-alpha", update.EmailKey);
        Assert.Equal("No answer yet from Alpha Walks", update.Headline);
        Assert.Contains("keeps waiting for their answer until the links expire", update.Detail, StringComparison.Ordinal);

        var step = ChaseTaskSteps.Escalated(update);
        Assert.Null(step.Status);
        Assert.Equal(TaskBusinessStatus.Escalated, step.Code);
        Assert.Equal(update.Headline, step.Reason);
    }

    [Fact]
    public void Escalating_about_a_provider_keeps_the_tasks_status()
    {
        var task = new FhirTask { Status = FhirTask.TaskStatus.Received };
        ChaseTaskSteps.Escalated(ReferrerUpdate.AboutProvider(ChaseStepName.Escalation, "a", "A")).ApplyTo(task);
        Assert.Equal(FhirTask.TaskStatus.Received, task.Status);
        Assert.Equal("escalated", task.BusinessStatus.Coding[0].Code);
        Assert.Equal("No answer yet from A", task.StatusReason.Text);

        var noProvider = new FhirTask();
        ChaseTaskSteps.NoProvider.ApplyTo(noProvider);
        Assert.Equal(FhirTask.TaskStatus.Requested, noProvider.Status);
        Assert.Equal("No provider could be found", noProvider.StatusReason.Text);
    }

    [Fact]
    public void Acceptance_names_the_provider_and_the_first_session_when_booked()
    {
        var withDate = ReferrerUpdate.Accepted("Alpha Walks", new DateOnly(2027, 3, 27));
        Assert.Equal("accepted", withDate.EmailKey);
        Assert.Equal("Alpha Walks accepted the referral", withDate.Headline);
        Assert.EndsWith($" The first session is on {new DateOnly(2027, 3, 27):d MMMM yyyy}.", withDate.Detail, StringComparison.Ordinal);

        var unnamed = ReferrerUpdate.Accepted(null, null);
        Assert.Equal("The provider accepted the referral", unnamed.Headline);
        Assert.Equal("The patient's outcomes will be followed up in about three months.", unnamed.Detail);
    }

    [Fact]
    public void A_rejection_lists_each_provider_and_why_by_code_only()
    {
        Assert.Equal("alpha: no-capacity; beta: no-response; gamma: email-rejected", ReferrerUpdate.DeclineList(Declines));
        var update = ReferrerUpdate.Rejected(Declines);
        Assert.Equal("rejected", update.EmailKey);
        Assert.Equal("The hub offered it to 3 provider(s): no-capacity; no-response; email-rejected.", update.Detail);

        var step = ChaseTaskSteps.Rejected(Declines);
        Assert.Equal((FhirTask.TaskStatus.Rejected, TaskBusinessStatus.AllDeclined, "alpha: no-capacity; beta: no-response; gamma: email-rejected"), (step.Status, step.Code, step.Reason));
        Assert.Equal("declined: no-response", ChaseTaskSteps.Declined(Declines[1]).Reason);
    }

    [Fact]
    public void Offers_reminders_acceptance_and_withdrawal_move_the_task_as_before()
    {
        Assert.Equal((FhirTask.TaskStatus.Received, TaskBusinessStatus.AwaitingProvider), (ChaseTaskSteps.Offered(false).Status, ChaseTaskSteps.Offered(false).Code));
        Assert.Equal(TaskBusinessStatus.ProviderReminded, ChaseTaskSteps.Offered(true).Code);
        Assert.Equal((FhirTask.TaskStatus.Accepted, TaskBusinessStatus.Accepted), (ChaseTaskSteps.Accepted.Status, ChaseTaskSteps.Accepted.Code));
        Assert.Equal((FhirTask.TaskStatus.InProgress, TaskBusinessStatus.AwaitingFollowUp), (ChaseTaskSteps.AwaitingFollowUp.Status, ChaseTaskSteps.AwaitingFollowUp.Code));
        Assert.Equal((FhirTask.TaskStatus.Cancelled, "The practice withdrew the referral."), (ChaseTaskSteps.Withdrawn.Status, ChaseTaskSteps.Withdrawn.Reason));

        var task = new FhirTask();
        ChaseTaskSteps.RecordFirstSession(task, new DateOnly(2027, 1, 2));
        ChaseTaskSteps.RecordFirstSession(task, new DateOnly(2027, 3, 27));
        Assert.Equal("2027-03-27", ((Hl7.Fhir.Model.Date)task.Output.Single(o => o.Type.Text == "first-session").Value).Value);
    }
}

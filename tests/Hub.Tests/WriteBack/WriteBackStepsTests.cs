using Hub.FollowUp;
using Hub.Referrals;
using Hub.WriteBack;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.WriteBack;

/// <summary>The write-back's decisions, without a practice server.</summary>
[Trait("Category", "Unit")]
public sealed class WriteBackStepsTests
{
    [Theory]
    [InlineData(WriteBackState.Written, true)]
    [InlineData(WriteBackState.NoEndpoint, true)]
    [InlineData(WriteBackState.NotNeeded, true)]
    [InlineData(WriteBackState.Pending, false)]
    [InlineData(WriteBackState.Parked, false)]
    [InlineData(WriteBackState.Refused, false)]
    public void Only_a_settled_write_back_is_not_tried_again(WriteBackState state, bool settled) =>
        Assert.Equal(settled, WriteBackSteps.IsSettled(state));

    [Fact]
    public void A_refusal_goes_through_durable_history_as_its_state_alone_and_the_stored_reason_is_kept_short()
    {
        Assert.Equal(new WriteBackOutcome(WriteBackState.Refused, null), WriteBackSteps.Refused);
        Assert.Equal(new string('x', 300) + "…", WriteBackSteps.Shorten(new string('x', 400)));
        Assert.Equal("422 UnprocessableEntity: no", WriteBackSteps.Shorten("422 UnprocessableEntity: no"));
        Assert.Null(WriteBackSteps.Shorten(null));
    }

    [Fact]
    public void A_parked_write_back_tells_the_practice_why_and_that_an_operator_retries()
    {
        var refused = WriteBackSteps.Parked(new WriteBackOutcome(WriteBackState.Refused, "422"));
        Assert.Equal((FhirTask.TaskStatus.InProgress, TaskBusinessStatus.WriteBackParked), (refused.Status, refused.Code));
        Assert.Equal("The practice's FHIR server refused the outcomes (422). An operator will retry once it is fixed.", refused.Reason);
        Assert.Equal("The practice's FHIR server could not be reached (timeout). An operator will retry.",
            WriteBackSteps.Parked(new WriteBackOutcome(WriteBackState.Unreachable, "timeout")).Reason);
        Assert.Equal((FhirTask.TaskStatus.InProgress, TaskBusinessStatus.WrittenBack, null), (WriteBackSteps.Written.Status, WriteBackSteps.Written.Code, WriteBackSteps.Written.Reason));
    }
}

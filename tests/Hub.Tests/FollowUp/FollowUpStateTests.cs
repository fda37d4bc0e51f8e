using Hub.FollowUp;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.FollowUp;

/// <summary>A patient's opt-out and a survey step can write the follow-up's state at the same moment: the opt-out must
/// never be lost under the survey's write (or the next email would still go out).</summary>
public sealed class FollowUpStateTests(TestHub hub) : IClassFixture<TestHub>
{
    [Fact]
    public async System.Threading.Tasks.Task An_opt_out_written_while_a_survey_step_updates_the_state_is_kept()
    {
        var store = hub.Get<FollowUpStore>();
        var referralId = $"state-{Guid.NewGuid():N}";
        await store.SetAsync(new FollowUpState(referralId, "A81001", "alpha", SurveyRecipient.Patient, BaselineSource.None, null, FollowUpStage.Waiting, null));
        var optedOutAt = new DateTimeOffset(2027, 3, 1, 10, 0, 0, TimeSpan.Zero);

        var calls = 0;
        var written = await store.UpdateAsync(referralId, s =>
        {
            if (calls++ == 0)
            {
                // The opt-out lands between the survey step's read and its write.
                store.UpdateAsync(referralId, o => o with { OptedOutAt = optedOutAt, OpenSurvey = null }).GetAwaiter().GetResult();
            }

            return s with { OpenSurvey = SurveyKind.FollowUp, Stage = FollowUpStage.SurveySent };
        });

        Assert.Equal(2, calls);   // read again after the clash, and the change applied on top of the opt-out
        var stored = await store.GetAsync(referralId);
        Assert.Equal(optedOutAt, stored!.OptedOutAt);
        Assert.Equal(FollowUpStage.SurveySent, stored.Stage);
        Assert.Equal(stored, written);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_follow_up_that_has_not_started_has_nothing_to_update()
    {
        Assert.Null(await hub.Get<FollowUpStore>().UpdateAsync($"none-{Guid.NewGuid():N}", s => s with { Stage = FollowUpStage.SurveySent }));
    }
}

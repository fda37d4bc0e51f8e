using Hub.FollowUp;
using Hub.Platform;
using Hub.Tests.Infrastructure;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.FollowUp;

/// <summary>A worker that splits timers every second, as the real one splits a 4-month wait every 3 days.</summary>
public sealed class SplitTimerHub : TestHub
{
    protected override void Setup(HubSetup hub) =>
        hub.FastChase().FastFollowUp().ConfigureWorker(services => services.Configure<DurableTaskWorkerOptions>(o => o.MaximumTimerInterval = TimeSpan.FromSeconds(1)));
}

/// <summary>Long follow-up waits: the SDK splits a timer longer than its maximum interval into several, and the number of
/// pieces is recorded in history, so the interval is pinned by the app and the follow-up still arrives when split.</summary>
public sealed class LongTimerTests(SplitTimerHub hub) : IClassFixture<SplitTimerHub>
{
    [Fact]
    public void The_app_pins_the_maximum_timer_interval_and_a_four_month_follow_up_is_allowed_outside_development()
    {
        var worker = hub.Get<IOptions<DurableTaskWorkerOptions>>().Value;
        Assert.Equal(TimeSpan.FromDays(3), worker.MaximumTimerInterval);
        Assert.Equal(TimeSpan.FromDays(3), PlatformServices.MaximumTimerInterval);

        Assert.Null(new FollowUpOptions { FollowUpAfter = FollowUpOptions.LongestFollowUp }.Problem(development: false));
        Assert.Null(new FollowUpOptions().Problem(development: false));   // the default, 12 weeks
        Assert.NotNull(new FollowUpOptions { FollowUpAfter = TimeSpan.FromDays(30) }.Problem(development: false));
        Assert.NotNull(new FollowUpOptions { FollowUpAfter = TimeSpan.FromDays(200) }.Problem(development: false));
        Assert.Null(new FollowUpOptions { FollowUpAfter = TimeSpan.FromMinutes(2), SurveyWindow = TimeSpan.FromMinutes(4), Reminders = [TimeSpan.FromMinutes(1)] }.Problem(development: true));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_follow_up_wait_split_into_several_timers_still_sends_the_survey_when_due()
    {
        // 5 s to the follow-up with 1 s timers: five pieces, as 12 weeks is 28 pieces of 3 days.
        var (referralId, taskId, _) = await hub.AcceptedAsync();
        var accepted = DateTime.UtcNow;
        var survey = await hub.SurveyEmailAsync(referralId, _ => true);
        Assert.True(DateTime.UtcNow - accepted >= TimeSpan.FromSeconds(4));
        await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.Completed);
        Assert.NotNull(survey);
    }
}

using Hub.Platform.Durable;
using Microsoft.DurableTask;

namespace Hub.Referrals;

/// <summary>How long a held step waits before the hub tries it again by itself (section <c>Hold</c>).</summary>
public sealed class HoldOptions
{
    public const string Section = "Hold";

    /// <summary>Used until a plan says otherwise, and for plans written before this setting existed.</summary>
    public static readonly TimeSpan DefaultRetryEvery = TimeSpan.FromHours(1);

    public TimeSpan RetryEvery { get; set; } = DefaultRetryEvery;
}

/// <summary>Runs one orchestration's activities so that none ends the referral <c>Failed</c>: a step that runs out of
/// retries is held (Task on-hold, operator list, metric), tried again on a slow schedule or when an operator resumes it,
/// and the orchestration carries on from that very step. Used only inside orchestrator code: deterministic, every
/// wait is a durable timer or event.</summary>
public sealed class ReferralSteps(TaskOrchestrationContext context, ReferralOrchestrationInput referral, string instanceId)
{
    private static readonly TaskOptions HoldRetry = ActivityRetry.Backoff(TimeSpan.FromSeconds(30));
    private Task<ResumeRequest>? _resume;
    private ReferralProgress? _status;

    /// <summary>The slow retry's interval; set from the plan once it is read.</summary>
    public TimeSpan RetryEvery { get; set; } = HoldOptions.DefaultRetryEvery;

    /// <summary>An event that should cut a hold short (a withdrawal): when it arrives the held step is tried at once,
    /// once, so a step that now finds the referral withdrawn can complete and the orchestration can end it.</summary>
    public Task? Interrupt { get; set; }

    /// <summary>Sets the custom status, remembered so a hold can put it back when it ends.</summary>
    public void SetStatus(ReferralProgress status)
    {
        _status = status;
        context.SetCustomStatus(status);
    }

    public Task<T> CallAsync<T>(string activity, object input, TaskOptions retry) =>
        RunAsync(activity, () => context.CallActivityAsync<T>(activity, input, retry));

    public Task CallAsync(string activity, object input, TaskOptions retry) =>
        RunAsync(activity, async () =>
        {
            await context.CallActivityAsync(activity, input, retry);
            return true;
        });

    private async Task<T> RunAsync<T>(string activity, Func<Task<T>> call)
    {
        var holds = 0;
        var interrupted = false;
        var recorded = false;
        while (true)
        {
            try
            {
                return await call();
            }
            catch (TaskFailedException failed)
            {
                holds++;
                var held = new HeldStep(referral, instanceId, activity, failed.FailureDetails?.ErrorType, holds, context.CurrentUtcDateTime);
                recorded = await TryAsync(ReferralInstances.HoldStep, held) || recorded;
                context.SetCustomStatus(new ReferralProgress(ProgressStep.Held,
                    $"Step {activity} could not be completed and is held (hold {holds}); next try at the time shown, or when an operator resumes it.",
                    context.CurrentUtcDateTime + RetryEvery, _status?.ProviderId));

                using var cancelTimer = new CancellationTokenSource();
                var timer = context.CreateTimer(context.CurrentUtcDateTime + RetryEvery, cancelTimer.Token);
                _resume ??= context.WaitForExternalEvent<ResumeRequest>(ReferralInstances.ResumeEvent);
                var waits = new List<Task> { timer, _resume };
                if (Interrupt is not null && !interrupted)
                {
                    waits.Add(Interrupt);
                }

                var winner = await Task.WhenAny(waits);
                if (winner != timer)
                {
                    cancelTimer.Cancel();
                }

                if (winner == _resume)
                {
                    _resume = null;   // the next hold waits for a new request
                }

                interrupted |= winner == Interrupt;
                if (recorded && await TryAsync(ReferralInstances.ReleaseHold, held with { At = context.CurrentUtcDateTime }))
                {
                    recorded = false;
                }

                if (_status is not null)
                {
                    context.SetCustomStatus(_status);
                }
            }
        }
    }

    /// <summary>Holding and releasing are best effort: when storage itself is down they fail too, and the custom status
    /// (and the next slow retry) still tell the story.</summary>
    private async Task<bool> TryAsync(string activity, HeldStep held)
    {
        try
        {
            await context.CallActivityAsync(activity, held, HoldRetry);
            return true;
        }
        catch (TaskFailedException)
        {
            return false;
        }
    }
}

using Microsoft.DurableTask;

namespace Hub.Platform.Durable;

/// <summary>How the orchestrations retry a failed activity: SendGrid 429/5xx, timeouts, storage hiccups and an unreachable
/// practice server are retried with doubling waits (at most an hour apart); permanent refusals do not throw.</summary>
public static class ActivityRetry
{
    /// <param name="giveUpAfter">Keep trying for this long (write-back); without it, six tries.</param>
    public static TaskOptions Backoff(TimeSpan firstInterval, TimeSpan? giveUpAfter = null) =>
        TaskOptions.FromRetryPolicy(new RetryPolicy(
            maxNumberOfAttempts: giveUpAfter is null ? 6 : int.MaxValue,
            firstRetryInterval: firstInterval,
            backoffCoefficient: 2,
            maxRetryInterval: TimeSpan.FromHours(1),
            retryTimeout: giveUpAfter));
}

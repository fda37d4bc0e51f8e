using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hub.Evidence;

/// <summary>After the nightly update: audits again, at the new state, the reports asked for lately
/// (<see cref="ReportQuestions"/>), so that the morning's readers of a scheme's or a PCN's year get it in the time it
/// takes to read its cells, not the seconds its audit takes. The latest asked first, within a time budget; a question
/// not reached is audited by its first reader, as before. Runs after the update has stored the state: reports are
/// served from the new cells while it runs.</summary>
public sealed partial class EvidenceWarmUp(ReportQuestions questions, EvidenceReports reports, EvidenceUpdate update, IOptions<ReportingOptions> options, TimeProvider time,
    ILogger<EvidenceWarmUp> logger)
{
    /// <summary>The questions audited now (the others were audited at this state already, or left for their readers).</summary>
    public async Task<int> WarmAsync(CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        if (settings.WarmUpAskedWithin <= TimeSpan.Zero)
        {
            return 0;
        }

        var state = await update.CurrentAsync(cancellationToken);
        var asked = await questions.AskedSinceAsync(time.GetUtcNow() - settings.WarmUpAskedWithin, state, cancellationToken);
        var clock = Stopwatch.StartNew();
        var audited = 0;
        var left = 0;
        var failed = 0;
        foreach (var (question, current) in asked)
        {
            if (current)
            {
                continue;
            }

            if (clock.Elapsed > settings.WarmUpBudget)
            {
                left++;
                continue;
            }

            try
            {
                if (await reports.WarmAsync(question, cancellationToken))
                {
                    audited++;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One that fails (storage busy) is left for its next reader; the update has stored the state already.
                failed++;
            }
        }

        // Counts and a duration only: a question names practices, not people, but logs stay free of it all the same.
        WarmedUp(logger, audited, (long)clock.Elapsed.TotalMilliseconds, left, failed);
        return audited;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Evidence warm-up: {Audited} reports audited at the new state in {Milliseconds} ms; {Left} left for their first readers; {Failed} failed")]
    private static partial void WarmedUp(ILogger logger, int audited, long milliseconds, int left, int failed);
}

using Hub.Platform.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Hub.Evidence;

/// <summary>The nightly evidence update (02:30 UTC, after the day's work and before anyone reads a report): the day's
/// events into the stored cells, then the reports asked for lately audited at the new state (<see cref="EvidenceWarmUp"/>).
/// An operator's "update now" (admin level) for after a deployment or before a meeting, and the rebuild from the audit
/// trail for recovery (every cell and row counted afresh).</summary>
public sealed class EvidenceSnapshotTimer(EvidenceUpdate update, EvidenceWarmUp warmUp)
{
    [Function("TakeEvidenceSnapshot")]
    public async Task Nightly([TimerTrigger("0 30 2 * * *")] TimerInfo timer)
    {
        await update.UpdateAsync();
        await warmUp.WarmAsync();
    }

    [Function("TakeEvidenceSnapshotNow")]
    public async Task<IActionResult> Now([HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/reports/snapshot")] HttpRequest request) =>
        Answer(await update.UpdateAsync(request.HttpContext.RequestAborted), update.LastRun);

    [Function("RebuildEvidence")]
    public async Task<IActionResult> Rebuild([HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/evidence/rebuild")] HttpRequest request) =>
        Answer(await update.RebuildAsync(request.HttpContext.RequestAborted), update.LastRun);

    private static IActionResult Answer(EvidenceState state, EvidenceRun? run) => JsonBody.Result(200, new
    {
        snapshotId = state.Id,
        takenAt = state.UpdatedAt,
        referrals = state.Referrals,
        rebuilt = run?.Rebuild,
        referralsRead = run?.Touched,
        referralsChanged = run?.Changed,
        cellsWritten = run?.Cells,
        milliseconds = run is null ? (long?)null : (long)run.Took.TotalMilliseconds,
    });
}

using Hub.Platform.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Hub.Evidence;

/// <summary>The nightly evidence snapshot (02:30 UTC, after the day's work and before anyone reads a report), and an
/// operator's "take one now" (admin level) for after a deployment or before a meeting.</summary>
public sealed class EvidenceSnapshotTimer(EvidenceSnapshots snapshots)
{
    [Function("TakeEvidenceSnapshot")]
    public Task Nightly([TimerTrigger("0 30 2 * * *")] TimerInfo timer) => snapshots.TakeAsync();

    [Function("TakeEvidenceSnapshotNow")]
    public async Task<IActionResult> Now([HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/reports/snapshot")] HttpRequest request)
    {
        var snapshot = await snapshots.TakeAsync(request.HttpContext.RequestAborted);
        return JsonBody.Result(200, new { snapshotId = snapshot.Id, takenAt = snapshot.TakenAt, referrals = snapshot.Rows.Count });
    }
}

using System.Diagnostics;
using Hub.FollowUp;
using Hub.Referrals;
using Microsoft.Extensions.Logging;

namespace Hub.Evidence;

/// <summary>Takes the nightly evidence snapshot: one pass over the referrals, the audit trail and the survey answers,
/// turned into one evidence row per referral. Reports read the snapshot, so a report on 100,000 referrals is a few
/// hundred milliseconds of arithmetic, not a million table reads.</summary>
public sealed partial class EvidenceSnapshots(ReferralStore referrals, AuditTrail audit, FollowUpStore followUps, EvidenceSnapshotStore store, TimeProvider time, ILogger<EvidenceSnapshots> logger) : IDisposable
{
    private readonly SemaphoreSlim _taking = new(1, 1);

    public async Task<EvidenceSnapshot> TakeAsync(CancellationToken cancellationToken = default)
    {
        await _taking.WaitAsync(cancellationToken);
        try
        {
            return await TakeWhileHoldingAsync(cancellationToken);
        }
        finally
        {
            _taking.Release();
        }
    }

    /// <summary>The latest snapshot; on a hub that has never taken one (a fresh install, a demo), one is taken now, once:
    /// requests arriving together wait for it rather than each taking its own.</summary>
    public async Task<EvidenceSnapshot> CurrentAsync(CancellationToken cancellationToken = default)
    {
        if (await store.LatestAsync(cancellationToken) is { } latest)
        {
            return latest;
        }

        await _taking.WaitAsync(cancellationToken);
        try
        {
            return await store.LatestAsync(cancellationToken) ?? await TakeWhileHoldingAsync(cancellationToken);
        }
        finally
        {
            _taking.Release();
        }
    }

    private async Task<EvidenceSnapshot> TakeWhileHoldingAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        // Figures are "as at" the start: anything that happens during the pass may or may not be in, never half in.
        var takenAt = time.GetUtcNow();
        var practices = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var (practice, referralId) in referrals.AllKeysAsync(cancellationToken))
        {
            practices[referralId] = practice;
        }

        var events = new Dictionary<string, List<AuditEntry>>(StringComparer.Ordinal);
        await foreach (var entry in audit.ScanAsync(ReferralJourney.Events, cancellationToken))
        {
            if (practices.ContainsKey(entry.ReferralId))
            {
                (events.TryGetValue(entry.ReferralId, out var list) ? list : events[entry.ReferralId] = []).Add(entry);
            }
        }

        var responses = new Dictionary<string, List<SurveyResponse>>(StringComparer.Ordinal);
        await foreach (var response in followUps.AllResponsesAsync(cancellationToken))
        {
            (responses.TryGetValue(response.ReferralId, out var list) ? list : responses[response.ReferralId] = []).Add(response);
        }

        var rows = new List<EvidenceRow>(practices.Count);
        foreach (var (referralId, practice) in practices)
        {
            if (ReferralJourney.From(referralId, practice, events.GetValueOrDefault(referralId) ?? [], responses.GetValueOrDefault(referralId) ?? []) is { } row)
            {
                rows.Add(row);
            }
        }

        var snapshot = await store.SaveAsync(rows, takenAt, cancellationToken);
        LogTaken(logger, rows.Count, clock.ElapsedMilliseconds);
        return snapshot;
    }

    public void Dispose() => _taking.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Evidence snapshot taken: {Rows} referrals in {Milliseconds} ms")]
    private static partial void LogTaken(ILogger logger, int rows, long milliseconds);
}

using Hub.Access;
using Hub.Chase;
using Hub.Providers;
using Hub.Referrals;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.LinkWork;

/// <summary>Whether a link or key opens the episode.</summary>
public enum EpisodeAccessState
{
    /// <summary>The accepting link-worker service, the referral open.</summary>
    Open,
    /// <summary>The handover would not open (see <see cref="EpisodeAccess.View"/>'s state).</summary>
    NoHandover,
    /// <summary>The accepting provider is not a link-worker service: it reports progress on the handover only.</summary>
    NotLinkWorker,
}

/// <summary>What a link or key may do with the episode: the handover's view (the same authorisation), and the episode so
/// far (a fresh one, never stored, before the first change).</summary>
public sealed record EpisodeAccess(EpisodeAccessState State, HandoverView View, Episode? Episode, IReadOnlyList<AssessmentQuestion>? Questions = null)
{
    public bool Ended => View.Task?.Status is FhirTask.TaskStatus.Completed or FhirTask.TaskStatus.Failed or FhirTask.TaskStatus.Cancelled
        or FhirTask.TaskStatus.Rejected or FhirTask.TaskStatus.EnteredInError;
}

public enum EpisodeResult
{
    Recorded,
    /// <summary>The form was made from an earlier version of the episode (opened twice, or sent again): nothing changed.</summary>
    Stale,
    /// <summary>The change names a goal or action the plan does not have, or the plan is full.</summary>
    Invalid,
    /// <summary>The referral's Task has ended: the episode takes nothing more.</summary>
    Ended,
    Refused,
}

/// <summary>The link worker's episode with the person, recorded by the accepting link-worker service only: the same
/// authorisation as the handover (<see cref="ProviderHandovers.ReadAsync"/>: the accepting provider's signed link, or its
/// provider key through a short-lived link minted for it, as <see cref="ProviderWork"/> does), and the provider must carry
/// the <see cref="ActivityCategories.LinkWorker"/> category. Each change is stored once: a form carries the episode's
/// version, a stale or replayed one changes nothing. The audit says what kind of change, never its words.</summary>
public sealed class EpisodeBook(ProviderHandovers handovers, ProviderDirectory providers, EpisodeStore store, AuditTrail audit, SignedLinks links,
    ProviderProgress progress, ProgressStore progressStore, ReferralTaskProgress tasks, EpisodeAssessments assessments, EpisodeWriteBacks gpRecord, TimeProvider time)
{
    /// <summary>The assessment's questions, for the page's and the API's forms.</summary>
    public IReadOnlyList<AssessmentQuestion> AssessmentQuestions => assessments.Questions;

    private static readonly TimeSpan ApiLinkLifetime = TimeSpan.FromMinutes(5);

    /// <summary>A short-lived handover link for a provider key's call, as <see cref="ProviderWork"/> mints one.</summary>
    public string LinkFor(string referralId, string providerId) =>
        links.Create(ChaseActivities.ProviderAudience, referralId, providerId, ProviderHandovers.HandoverAction, ApiLinkLifetime);

    /// <summary>Reads what a link opens of the episode (no audit line: see <see cref="OpenAsync"/>).</summary>
    public async Task<EpisodeAccess> ReadAsync(string? token, CancellationToken cancellationToken = default)
    {
        var view = await handovers.ReadAsync(token, cancellationToken: cancellationToken);
        if (view.State != HandoverState.Open)
        {
            return new EpisodeAccess(EpisodeAccessState.NoHandover, view, null);
        }

        var claims = view.Claims!;
        var provider = await providers.GetAsync(claims.SubjectId, cancellationToken);
        if (provider is null || !provider.Categories.Select(ActivityCategories.Normalize).Contains(ActivityCategories.LinkWorker))
        {
            return new EpisodeAccess(EpisodeAccessState.NotLinkWorker, view, null);
        }

        var episode = await store.GetAsync(claims.ReferralId, cancellationToken)
                      ?? Episode.Start(claims.ReferralId, claims.SubjectId, view.Task!.Requester?.Identifier?.Value ?? string.Empty, view.Task.Id!, view.AcceptedAt ?? time.GetUtcNow());
        return new EpisodeAccess(EpisodeAccessState.Open, view, episode, assessments.Questions);
    }

    /// <summary>Opens the episode to look at it: the view, and its audit line (every view, ids only).</summary>
    public async Task<EpisodeAccess> OpenAsync(string? token, CancellationToken cancellationToken = default)
    {
        var access = await ReadAsync(token, cancellationToken);
        if (access.State == EpisodeAccessState.Open)
        {
            var claims = access.View.Claims!;
            await audit.AppendAsync(claims.ReferralId, EpisodeAudit.Viewed, AuditActor.Provider(claims.SubjectId).Spelling, claims.Action, cancellationToken: cancellationToken);
        }

        return access;
    }

    /// <param name="sequence">The episode's version the form was made from (the page's hidden field).</param>
    public async Task<(EpisodeResult Result, EpisodeAccess Access, (string Field, string Message)? Error)> RecordAsync(string? token, int sequence, EpisodeEntry entry,
        CancellationToken cancellationToken = default)
    {
        var access = await ReadAsync(token, cancellationToken);
        if (access.State != EpisodeAccessState.Open)
        {
            return (EpisodeResult.Refused, access, null);
        }

        var episode = access.Episode!;
        if (sequence != episode.Version)
        {
            // The close sent again: finish what a first attempt may have left half done, change nothing more.
            if (episode is { IsClosed: true, CloseApplied: false } && sequence == episode.Version - 1)
            {
                await ApplyCloseAsync(token!, access, episode, cancellationToken);
            }

            return (EpisodeResult.Stale, access, null);
        }

        if (access.Ended || episode.IsClosed)
        {
            return (EpisodeResult.Ended, access, null);
        }

        var now = time.GetUtcNow();
        var (changed, error) = EpisodeForm.Apply(episode, entry, now);
        if (changed is null)
        {
            return (EpisodeResult.Invalid, access, error);
        }

        changed = changed with { Version = episode.Version + 1, Updated = now, ClosedAt = changed.IsClosed ? now : null };
        if (!await store.TrySaveAsync(changed, cancellationToken))
        {
            // Another copy of the same form, or another page, got there first.
            return (EpisodeResult.Stale, access with { Episode = await store.GetAsync(episode.ReferralId, cancellationToken) ?? episode }, null);
        }

        var saved = await store.GetAsync(episode.ReferralId, cancellationToken) ?? changed;
        await audit.AppendAsync(episode.ReferralId, EpisodeAudit.Recorded, AuditActor.Provider(episode.ServiceId).Spelling, $"{entry.Change.Spelling()}:{saved.Version}",
            $"episode-{saved.Version}", cancellationToken);
        if (saved.IsClosed)
        {
            await ApplyCloseAsync(token!, access, saved, cancellationToken);
            saved = await store.GetAsync(episode.ReferralId, cancellationToken) ?? saved;
        }

        return (EpisodeResult.Recorded, access with { Episode = saved }, null);
    }

    /// <summary>The close's effects, each safe to run again: the link worker's Task ended through the provider's own
    /// progress report (<see cref="ProviderProgress.ReportAsync"/>: Task status and statusReason, audit, the referrer
    /// told), then the message back to the GP in the Task's outputs (<see cref="EpisodeDischarge"/>), the audit line, and
    /// the close marked applied. With a write-back endpoint the discharge is queued for the GP record too
    /// (<see cref="EpisodeWriteBacks"/>).</summary>
    private async System.Threading.Tasks.Task ApplyCloseAsync(string token, EpisodeAccess access, Episode episode, CancellationToken cancellationToken)
    {
        var reason = episode.Closed!.Value;
        var state = await progressStore.GetAsync(episode.ReferralId, cancellationToken);
        if (!state.Ended)
        {
            await progress.ReportAsync(token, state.Reports, EpisodeCodes.ProgressOf(reason), cancellationToken);
        }

        var document = access.View.Referral!;
        await tasks.UpdateAsync(episode.PracticeOds, episode.TaskId, t => EpisodeDischarge.Record(t, episode, document, assessments.Instrument), cancellationToken);
        // The same message as coded entries in the GP record, where the practice has a write-back endpoint (queued once).
        await gpRecord.QueueAsync(episode, cancellationToken);
        await audit.AppendAsync(episode.ReferralId, EpisodeAudit.Closed, AuditActor.Provider(episode.ServiceId).Spelling, reason.Spelling(), "episode-closed", cancellationToken);
        await store.MarkAsync(episode.ReferralId, closeApplied: true, cancellationToken: cancellationToken);
    }
}

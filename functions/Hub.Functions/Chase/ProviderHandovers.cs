using System.Security.Cryptography;
using System.Text;
using Hub.Access;
using Hub.Email;
using Hub.Providers;
using Hub.Referrals;
using Microsoft.Extensions.Options;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Chase;

/// <summary>What a provider's link opens once the referral is decided.</summary>
public enum HandoverState
{
    /// <summary>The accepting provider, the referral open: show it in full.</summary>
    Open,
    Invalid,
    /// <summary>The link's time is up: the page offers a fresh link.</summary>
    Expired,
    /// <summary>Accepted, and the chase has not recorded it yet: try again in a moment.</summary>
    Recording,
    /// <summary>This provider did not accept (declined, or another provider took it).</summary>
    NotYours,
    Withdrawn,
    /// <summary>Ended longer ago than <see cref="HandoverOptions.OpenAfterEnd"/>.</summary>
    Closed,
}

/// <param name="AcceptedAt">When this provider accepted, for an accepting provider's view.</param>
/// <param name="Progress">What the provider has reported so far, for an open view.</param>
public sealed record HandoverView(HandoverState State, LinkClaims? Claims, string? ProviderName, ReferralDocument? Referral, FhirTask? Task, DateTimeOffset? AcceptedAt = null,
    ProgressState? Progress = null)
{
    public ReferralHandover? Handover => Referral is null ? null : ReferralHandover.Of(Referral);
}

/// <summary>The handover: the referral in full, for the provider that accepted it and nobody else, while the referral is
/// open (and <see cref="HandoverOptions.OpenAfterEnd"/> after it ends). Opened by that provider's accept link, or by a
/// fresh handover link it asks for (emailed to the provider's directory address, carrying nothing of the referral).
/// Every view is on the audit trail.</summary>
public sealed class ProviderHandovers(SignedLinks links, LinkUses uses, ProgressStore progress, ChaseStore chases, ReferralDocuments documents, ReferralTaskProgress tasks,
    ProviderDirectory providers, AuditTrail audit, EmailSender email, IOptions<HandoverOptions> options, TimeProvider time)
{
    public const string HandoverAction = "handover";

    /// <summary>Reads what a link may open; <paramref name="allowExpired"/> for asking for a fresh link with an old one.</summary>
    public async Task<HandoverView> ReadAsync(string? token, bool allowExpired = false, CancellationToken cancellationToken = default)
    {
        var (check, claims) = links.Read(token, ChaseActivities.ProviderAudience);
        if (claims is null || check is not (LinkCheck.Valid or LinkCheck.Expired) || claims.Action is not ("accept" or HandoverAction))
        {
            return new HandoverView(HandoverState.Invalid, null, null, null, null);
        }

        var chase = await chases.GetAsync(claims.ReferralId, cancellationToken);
        var loaded = chase is null ? null : await documents.LoadAsync(chase.PracticeOds, claims.ReferralId, cancellationToken);
        if (chase is null || loaded is null)
        {
            return new HandoverView(HandoverState.Invalid, null, null, null, null);
        }

        var (record, document) = loaded.Value;
        var provider = await providers.GetAsync(claims.SubjectId, cancellationToken);
        var view = new HandoverView(HandoverState.Open, claims, provider?.Name, null, null);
        var use = await uses.GetUseAsync(claims.ReferralId, ChaseActivities.ProviderAudience, claims.SubjectId, cancellationToken);
        if (use?.Action != "accept")
        {
            return view with { State = HandoverState.NotYours };
        }

        view = view with { AcceptedAt = use.At };
        if (record.IsWithdrawn() || chase.Step == ChaseStage.Withdrawn)
        {
            return view with { State = HandoverState.Withdrawn };
        }

        if (chase.Step != ChaseStage.Accepted)
        {
            return view with { State = HandoverState.Recording };
        }

        if (chase.CurrentProviderId != claims.SubjectId)
        {
            return view with { State = HandoverState.NotYours };
        }

        var task = await tasks.ReadAsync(record.PracticeOds, record.TaskId, cancellationToken);
        if (task is null)
        {
            return new HandoverView(HandoverState.Invalid, null, null, null, null);
        }

        if (IsEnded(task.Status) && task.LastModifiedElement?.ToDateTimeOffset(TimeSpan.Zero) is { } ended && ended + options.Value.OpenAfterEnd <= time.GetUtcNow())
        {
            return view with { State = HandoverState.Closed };
        }

        if (check == LinkCheck.Expired && !allowExpired)
        {
            return view with { State = HandoverState.Expired };
        }

        return view with { Referral = document, Task = task, Progress = await progress.GetAsync(claims.ReferralId, cancellationToken) };
    }

    /// <summary>Opens the handover: the view, and the audit line of this view (every view, ids only).</summary>
    public async Task<HandoverView> OpenAsync(string? token, CancellationToken cancellationToken = default)
    {
        var view = await ReadAsync(token, cancellationToken: cancellationToken);
        if (view.State == HandoverState.Open)
        {
            await audit.AppendAsync(view.Claims!.ReferralId, ChaseAudit.HandoverViewed(view.Claims.SubjectId, view.Claims.Action), cancellationToken);
        }

        return view;
    }

    /// <summary>Sends the accepting provider a fresh handover link, asked for with any of its links to this referral
    /// (an expired one included). The same form posted again the same day sends nothing more.</summary>
    /// <returns>The view the request was made with; <see cref="HandoverState.Open"/> when a link went (or had gone).</returns>
    public async Task<HandoverView> SendFreshLinkAsync(string? token, CancellationToken cancellationToken = default)
    {
        var view = await ReadAsync(token, allowExpired: true, cancellationToken);
        if (view.State != HandoverState.Open)
        {
            return view;
        }

        var claims = view.Claims!;
        var provider = await providers.GetAsync(claims.SubjectId, cancellationToken);
        if (provider is null || provider.Emails.Count == 0)
        {
            return view with { State = HandoverState.Invalid };
        }

        var lifetime = options.Value.FreshLinkLifetime;
        var fresh = links.Create(ChaseActivities.ProviderAudience, claims.ReferralId, claims.SubjectId, HandoverAction, lifetime);
        var url = links.Url(ProviderHandoverHttp.Route, fresh);
        var key = $"handover-link-{claims.SubjectId}-{time.GetUtcNow():yyyyMMdd}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token!)))[..16]}";
        var message = ChaseEmails.HandoverLink(provider.Emails[0], provider.Name, view.Referral!, url, time.GetUtcNow() + lifetime);
        var outcome = await email.SendOnceAsync(claims.ReferralId, key, message, cancellationToken);
        if (outcome.Kind == EmailOutcomeKind.Sent)
        {
            await audit.AppendAsync(claims.ReferralId, ChaseAudit.HandoverLinkSent(claims.SubjectId, key), cancellationToken);
        }

        return outcome.Kind == EmailOutcomeKind.Rejected ? view with { State = HandoverState.Invalid } : view;
    }

    private static bool IsEnded(FhirTask.TaskStatus? status) => status is FhirTask.TaskStatus.Completed or FhirTask.TaskStatus.Failed or FhirTask.TaskStatus.Cancelled
        or FhirTask.TaskStatus.Rejected or FhirTask.TaskStatus.EnteredInError;
}

using Hub.Access;
using Hub.Platform.Durable;
using Hub.Providers;
using Hub.Referrals;
using Microsoft.DurableTask.Client;

namespace Hub.Chase;

/// <summary>What a provider's link can do now, and the details the page may show.</summary>
public enum ResponseState
{
    /// <summary>The link is live: show the confirm page.</summary>
    Ready,
    Invalid,
    Expired,
    Withdrawn,
    AlreadyDecided,
    Superseded,
}

/// <param name="Delivered">For a decision taken: false while it is recorded but has not reached the referral's
/// orchestration yet (the page must not say the referrer was told).</param>
public sealed record ResponseView(ResponseState State, LinkClaims? Claims, string? ProviderName, ReferralDocument? Referral, LinkUse? Decision, bool Delivered = true);

/// <summary>The provider's answer to an offered referral: where a referral is accepted or declined. A link's GET only
/// shows; the POST acts, once: the answer is recorded as a pending event first (the first of the link pair wins), then
/// the link use, the note and the audit entry, then raised on the referral's orchestration. A repeat POST, or the
/// reconciler, delivers an answer that was recorded and not delivered.</summary>
public sealed class ProviderResponses(SignedLinks links, LinkUses uses, ChaseStore chases, ReferralDocuments documents, ProviderDirectory providers, AuditTrail audit,
    PendingEvents pendingEvents)
{
    /// <summary>The pending event's key: one answer per provider per referral.</summary>
    public static string AnswerKey(string providerId) => $"{ReferralOrchestration.ProviderRespondedEvent}-{providerId}";

    public async Task<ResponseView> ViewAsync(string? token, CancellationToken cancellationToken = default)
    {
        var (check, claims) = links.Read(token, ChaseActivities.ProviderAudience);
        if (claims is null || check is LinkCheck.Malformed or LinkCheck.Tampered or LinkCheck.WrongAudience || claims.Action is not ("accept" or "decline"))
        {
            return new ResponseView(ResponseState.Invalid, null, null, null, null);
        }

        var chase = await chases.GetAsync(claims.ReferralId, cancellationToken);
        var loaded = chase is null ? null : await documents.LoadAsync(chase.PracticeOds, claims.ReferralId, cancellationToken);
        if (chase is null || loaded is null)
        {
            return new ResponseView(ResponseState.Invalid, null, null, null, null);
        }

        var provider = await providers.GetAsync(claims.SubjectId, cancellationToken);
        var (record, document) = loaded.Value;
        var view = new ResponseView(ResponseState.Ready, claims, provider?.Name, document, null);
        if (record.IsWithdrawn() || chase.Step == ChaseStage.Withdrawn)
        {
            return view with { State = ResponseState.Withdrawn };
        }

        if (await uses.GetUseAsync(claims.ReferralId, ChaseActivities.ProviderAudience, claims.SubjectId, cancellationToken) is { } decision)
        {
            // A use without a pending event predates them: that answer was raised in the request that took it.
            var answer = await pendingEvents.GetAsync(claims.ReferralId, AnswerKey(claims.SubjectId), cancellationToken);
            return view with { State = ResponseState.AlreadyDecided, Decision = decision, Delivered = answer?.IsSettled ?? true };
        }

        if (check == LinkCheck.Expired)
        {
            return view with { State = ResponseState.Expired };
        }

        return chase.CurrentProviderId == claims.SubjectId && !chase.Step.IsDecided
            ? view
            : view with { State = ResponseState.Superseded };
    }

    /// <summary>Acts on a live link once: records the decision (whichever of the pair comes first wins) and raises it.
    /// On a decision already taken and not yet delivered, delivers it again.</summary>
    public async Task<ResponseView> RespondAsync(string? token, DeclineReason? reasonCode, string? note, DateOnly? firstSession, DurableTaskClient durable, CancellationToken cancellationToken = default)
    {
        var view = await ViewAsync(token, cancellationToken);
        if (view is { State: ResponseState.AlreadyDecided, Delivered: false })
        {
            var recorded = await pendingEvents.GetAsync(view.Claims!.ReferralId, AnswerKey(view.Claims.SubjectId), cancellationToken);
            return recorded is null ? view : await CompleteAsync(view, recorded, null, durable, cancellationToken);
        }

        if (view.State != ResponseState.Ready)
        {
            return view;
        }

        var claims = view.Claims!;
        var accepted = claims.Action == "accept";
        // Ids and codes only: the note waits in the hub's tables for the chase to pass on.
        var answer = new ProviderAnswer(claims.SubjectId, accepted, accepted || reasonCode is null ? null : DeclineCode.Of(reasonCode), null, accepted ? firstSession : null);
        var (pending, first) = await pendingEvents.RecordAsync(claims.ReferralId, ReferralOrchestration.ProviderRespondedEvent, AnswerKey(claims.SubjectId), answer, cancellationToken);
        var decided = first ? answer : pending.Read<ProviderAnswer>();
        if (decided.Accepted == accepted && !accepted && !string.IsNullOrWhiteSpace(note))
        {
            await chases.SaveDeclineNoteAsync(claims.ReferralId, claims.SubjectId, note, cancellationToken);
        }

        return await CompleteAsync(view, pending, first ? answer : null, durable, cancellationToken);
    }

    /// <summary>Everything after the answer's pending event, each step safe to run again: the link use (the page's
    /// "already decided"), the audit entry (once), the raise.</summary>
    private async Task<ResponseView> CompleteAsync(ResponseView view, PendingEvent pending, ProviderAnswer? answer, DurableTaskClient durable, CancellationToken cancellationToken)
    {
        var claims = view.Claims!;
        var decided = answer ?? pending.Read<ProviderAnswer>();
        var action = decided.Accepted ? "accept" : "decline";
        var use = new LinkUse(claims.ReferralId, claims.Audience, claims.SubjectId, action, pending.RecordedAt);
        var decision = await uses.TryUseAsync(use, cancellationToken) ?? use;
        var reason = decided.ReasonCode is { } code ? StoredSpelling.ParseOrNull<DeclineReason>(code.Value) : null;
        await audit.AppendAsync(claims.ReferralId, ChaseAudit.Answered(claims.SubjectId, decided.Accepted, reason), cancellationToken);
        var delivery = await pendingEvents.TryDeliverAsync(durable, pending, answer, cancellationToken);
        return view with { State = ResponseState.AlreadyDecided, Decision = decision, Delivered = delivery != EventDelivery.Pending };
    }
}

using Hub.Access;
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

public sealed record ResponseView(ResponseState State, LinkClaims? Claims, string? ProviderName, ReferralDocument? Referral, LinkUse? Decision);

/// <summary>The provider's answer to an offered referral: where a referral is accepted or declined. A link's GET only
/// shows; the POST acts, once, and raises the answer on the referral's orchestration (an event sent before the
/// orchestration waits is kept for it, so an early click is never lost).</summary>
public sealed class ProviderResponses(SignedLinks links, LinkUses uses, ChaseStore chases, ReferralDocuments documents, ProviderDirectory providers, AuditTrail audit, TimeProvider time)
{
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
            return view with { State = ResponseState.AlreadyDecided, Decision = decision };
        }

        if (check == LinkCheck.Expired)
        {
            return view with { State = ResponseState.Expired };
        }

        return chase.CurrentProviderId == claims.SubjectId && !chase.Step.IsDecided
            ? view
            : view with { State = ResponseState.Superseded };
    }

    /// <summary>Acts on a live link once: records the decision (whichever of the pair comes first wins) and raises it.</summary>
    public async Task<ResponseView> RespondAsync(string? token, DeclineReason? reasonCode, string? note, DateOnly? firstSession, DurableTaskClient durable, CancellationToken cancellationToken = default)
    {
        var view = await ViewAsync(token, cancellationToken);
        if (view.State != ResponseState.Ready)
        {
            return view;
        }

        var claims = view.Claims!;
        var accepted = claims.Action == "accept";
        var earlier = await uses.TryUseAsync(new LinkUse(claims.ReferralId, claims.Audience, claims.SubjectId, claims.Action, time.GetUtcNow()), cancellationToken);
        if (earlier is not null)
        {
            return view with { State = ResponseState.AlreadyDecided, Decision = earlier };
        }

        if (!accepted && !string.IsNullOrWhiteSpace(note))
        {
            await chases.SaveDeclineNoteAsync(claims.ReferralId, claims.SubjectId, note, cancellationToken);
        }

        // Ids and codes only: the note waits in the hub's tables for the chase to pass on.
        var answer = new ProviderAnswer(claims.SubjectId, accepted, accepted || reasonCode is null ? null : DeclineCode.Of(reasonCode), null, accepted ? firstSession : null);
        await durable.RaiseEventAsync(claims.ReferralId, ReferralOrchestration.ProviderRespondedEvent, answer, cancellationToken);
        await audit.AppendAsync(claims.ReferralId, ChaseAudit.Answered(claims.SubjectId, accepted, reasonCode), cancellationToken);
        return view with { State = ResponseState.AlreadyDecided, Decision = new LinkUse(claims.ReferralId, claims.Audience, claims.SubjectId, claims.Action, time.GetUtcNow()) };
    }
}

using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Platform.Durable;
using Hub.Providers;
using Hub.Referrals;
using Microsoft.DurableTask.Client;

namespace Hub.FollowUp;

public enum SurveyState
{
    /// <summary>The link is live: show the form (or the opt-out confirmation).</summary>
    Ready,
    Invalid,
    Expired,
    Closed,
    OptedOut,
    Withdrawn,
    AlreadyReceived,
}

/// <param name="Administered">The provider goes through the survey with the patient (no email or no consent).</param>
/// <param name="Delivered">For answers received: false while they are stored but the follow-up has not heard yet.</param>
public sealed record SurveyView(SurveyState State, LinkClaims? Claims, ReferralRecord? Record, ReferralDocument? Referral, Questionnaire? Questionnaire, bool Administered, string? ProviderName,
    bool Delivered = true)
{
    public static SurveyView Invalid { get; } = new(SurveyState.Invalid, null, null, null, null, false, null);
}

/// <summary>A patient's survey and opt-out links: what a link can do now, storing answers once, and telling the
/// follow-up orchestration. A link's GET only shows; the POST acts. What is stored is then told through a pending event
/// (<see cref="PendingEvents"/>): a repeat POST, or the reconciler, delivers what was stored and not delivered.</summary>
public sealed class Surveys(SignedLinks links, FollowUpStore followUps, ReferralDocuments documents, QuestionnaireLibrary questionnaires,
    SurveyRecorder recorder, ProviderDirectory providers, AuditTrail audit, PendingEvents pendingEvents, TimeProvider time)
{
    /// <summary>The pending events' keys: one submission per survey kind, one opt-out, per follow-up.</summary>
    public static string SubmittedKey(SurveyKind kind) => $"{FollowUpOrchestration.SurveySubmittedEvent}-{kind.Spelling()}";

    public const string OptedOutKey = FollowUpOrchestration.OptedOutEvent;

    public async Task<SurveyView> ViewAsync(string? token, string action, CancellationToken cancellationToken = default)
    {
        var (check, claims) = links.Read(token, FollowUpActivities.PatientAudience);
        if (claims is null || check is LinkCheck.Malformed or LinkCheck.Tampered or LinkCheck.WrongAudience || claims.Action != action
            || (action == "survey" && !StoredSpelling.TryParse<SurveyKind>(claims.SubjectId, out _)))
        {
            return SurveyView.Invalid;
        }

        var state = await followUps.GetAsync(claims.ReferralId, cancellationToken);
        var loaded = state is null ? null : await documents.LoadAsync(state.PracticeOds, claims.ReferralId, cancellationToken);
        if (state is null || loaded is null)
        {
            return SurveyView.Invalid;
        }

        var (record, document) = loaded.Value;
        var kind = action == "survey" ? StoredSpelling.Parse<SurveyKind>(claims.SubjectId) : state.OpenSurvey ?? SurveyKind.FollowUp;
        var provider = await providers.GetAsync(state.ProviderId, cancellationToken);
        var view = new SurveyView(SurveyState.Ready, claims, record, document, questionnaires.For(kind), state.Recipient == SurveyRecipient.Provider, provider?.Name);
        if (record.IsWithdrawn() || state.Stage == FollowUpStage.Withdrawn)
        {
            return view with { State = SurveyState.Withdrawn };
        }

        if (state.OptedOutAt is not null)
        {
            return view with { State = SurveyState.OptedOut };
        }

        if (action == "opt-out")
        {
            return check == LinkCheck.Expired ? view with { State = SurveyState.Expired } : view;
        }

        if (await followUps.GetResponseAsync(state.PracticeOds, claims.ReferralId, kind, cancellationToken) is not null)
        {
            var told = await pendingEvents.GetAsync(FollowUpOrchestration.InstanceId(claims.ReferralId), SubmittedKey(kind), cancellationToken);
            return view with { State = SurveyState.AlreadyReceived, Delivered = told?.IsSettled ?? true };
        }

        if (state.OpenSurvey != kind)
        {
            return view with { State = SurveyState.Closed };
        }

        return check == LinkCheck.Expired ? view with { State = SurveyState.Expired } : view;
    }

    /// <summary>Checks the answers and, when they hold, stores them once and tells the follow-up.</summary>
    /// <returns>The view after the submission, and the answers with any problems to show on the form.</returns>
    public async Task<(SurveyView View, SurveyAnswers? Answers)> SubmitAsync(string? token, Func<string, string?> field, DurableTaskClient durable, CancellationToken cancellationToken = default)
    {
        var view = await ViewAsync(token, "survey", cancellationToken);
        if (view.State == SurveyState.AlreadyReceived)
        {
            // The same answers sent again (a second click, a retry after an error): the first stand, and are told if they were not.
            var stored = await followUps.GetResponseAsync(view.Record!.PracticeOds, view.Claims!.ReferralId, StoredSpelling.Parse<SurveyKind>(view.Claims.SubjectId), cancellationToken);
            return (stored is null ? view : await TellAnswersAsync(view, stored.Complete, durable, cancellationToken), null);
        }

        if (view.State != SurveyState.Ready)
        {
            return (view, null);
        }

        var answers = SurveyAnswers.Read(view.Questionnaire!, field);
        if (answers.Errors.Count > 0)
        {
            return (view, answers);
        }

        // The stored answers are their own once-guard (the first kept stay), with nothing taken before them: a marker taken
        // first would outlive a process that died before storing the answers, and turn the person's resend away unrecorded.
        var kind = StoredSpelling.Parse<SurveyKind>(view.Claims!.SubjectId);
        var source = view.Administered ? AnswerSource.Provider : AnswerSource.Patient;
        if (!await recorder.RecordAsync(view.Record!, view.Referral!, view.Questionnaire!, kind, source, answers.Answers, answers.Complete, time.GetUtcNow(), WriteBackState.Pending, cancellationToken))
        {
            // Sent twice at once: the other submission's answers were kept, and are the ones told.
            var kept = await followUps.GetResponseAsync(view.Record!.PracticeOds, view.Claims.ReferralId, kind, cancellationToken);
            return (await TellAnswersAsync(view, kept?.Complete ?? answers.Complete, durable, cancellationToken), null);
        }

        return (await TellAnswersAsync(view, answers.Complete, durable, cancellationToken), answers);
    }

    /// <summary>After the answers are stored, each step safe to run again: the audit entry (once), the event (once).</summary>
    private async Task<SurveyView> TellAnswersAsync(SurveyView view, bool complete, DurableTaskClient durable, CancellationToken cancellationToken)
    {
        var claims = view.Claims!;
        var kind = StoredSpelling.Parse<SurveyKind>(claims.SubjectId);
        await audit.AppendAsync(claims.ReferralId, FollowUpAudit.Answered(kind, view.Administered, complete), cancellationToken);
        var delivery = await pendingEvents.TrySendAsync(durable, FollowUpOrchestration.InstanceId(claims.ReferralId), FollowUpOrchestration.SurveySubmittedEvent, SubmittedKey(kind),
            new SurveySubmitted(kind), cancellationToken);
        return view with { State = SurveyState.AlreadyReceived, Delivered = delivery != EventDelivery.Pending };
    }

    /// <summary>Stops all further contact: recorded at once (so no email goes out even while the orchestration catches
    /// up), then raised on the follow-up.</summary>
    public async Task<SurveyView> OptOutAsync(string? token, DurableTaskClient durable, CancellationToken cancellationToken = default)
    {
        var view = await ViewAsync(token, "opt-out", cancellationToken);
        DateTimeOffset at;
        if (view is { State: SurveyState.OptedOut, Claims: not null })
        {
            // Opted out already (a second click, a retry after an error): told again if it was not.
            at = (await followUps.GetAsync(view.Claims.ReferralId, cancellationToken))?.OptedOutAt ?? time.GetUtcNow();
        }
        else if (view.State == SurveyState.Ready)
        {
            at = time.GetUtcNow();
            await followUps.UpdateAsync(view.Claims!.ReferralId, s => s with { OptedOutAt = at, OpenSurvey = null }, cancellationToken);
        }
        else
        {
            return view;
        }

        await audit.AppendAsync(view.Claims.ReferralId, FollowUpAudit.OptedOut(view.Administered), cancellationToken);
        var delivery = await pendingEvents.TrySendAsync(durable, FollowUpOrchestration.InstanceId(view.Claims.ReferralId), FollowUpOrchestration.OptedOutEvent, OptedOutKey,
            new OptedOut(at), cancellationToken);
        return view with { State = SurveyState.OptedOut, Delivered = delivery != EventDelivery.Pending };
    }
}

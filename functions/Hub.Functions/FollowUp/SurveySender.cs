using Hub.Access;
using Hub.Email;
using Hub.Platform.Telemetry;
using Hub.Providers;
using Hub.Referrals;
using Microsoft.Extensions.Options;

namespace Hub.FollowUp;

/// <summary>Sends a survey email: to the patient, or to the provider when the follow-up goes through them or the patient's
/// address is refused. Both the follow-up's <c>SendSurvey</c> step and a patient's email bouncing later (SendGrid's Event
/// Webhook, <see cref="SurveyBounces"/>) send through here, so the provider's copy is decided and keyed one way: each
/// email once per (referral, step), nothing to a withdrawn or opted-out referral.</summary>
public sealed class SurveySender(
    ReferralDocuments documents,
    FollowUpStore followUps,
    ProviderDirectory providers,
    EmailSender email,
    SignedLinks links,
    ReferralTaskProgress tasks,
    AuditTrail audit,
    IOptions<FollowUpOptions> options)
{
    /// <summary>The follow-up's survey step (first email or reminder).</summary>
    public async Task SendAsync(SurveyStep step)
    {
        var referralId = step.FollowUp.Referral.ReferralId;
        var state = await followUps.GetAsync(referralId) ?? throw new InvalidOperationException($"Referral {referralId} has no follow-up state.");
        if (state.OptedOutAt is not null)
        {
            return;   // an opt-out racing the timer: no more contact, whatever the orchestration thought
        }

        var (record, document) = await documents.RequireAsync(step.FollowUp.Referral.PracticeOds, referralId);
        var delivery = SurveyDelivery.Of(step);
        if (await audit.WithholdContactAsync(record, delivery.EmailKey(state.Recipient)))
        {
            return;
        }

        var (surveyUrl, optOutUrl) = Links(referralId, delivery);
        var recipient = state.Recipient;
        // Open before sending, so even an instant click finds the survey live.
        var opened = await followUps.UpdateAsync(referralId, s => s.OptedOutAt is null ? s with { OpenSurvey = step.Kind, Stage = delivery.Opens } : s);
        if (opened?.OptedOutAt is not null)
        {
            return;   // opted out while this step ran: the opt-out stands and no email goes
        }

        if (recipient == SurveyRecipient.Patient)
        {
            var key = delivery.EmailKey(SurveyRecipient.Patient);
            var sent = await email.SendOnceAsync(referralId, key, SurveyEmails.ToPatient(document.PatientEmail!, document, step.Kind, delivery.IsReminder, surveyUrl, optOutUrl));
            if (sent.Kind == EmailOutcomeKind.Rejected)
            {
                recipient = await PatientRefusedAsync(referralId, key, sent.StatusCode);
            }
        }

        if (recipient == SurveyRecipient.Provider && !await ToProviderAsync(referralId, state.ProviderId, document, delivery, surveyUrl, optOutUrl))
        {
            return;
        }

        await tasks.UpdateAsync(step.FollowUp.Referral.PracticeOds, step.FollowUp.Referral.TaskId, delivery.TaskStep(recipient).ApplyTo);
        await audit.AppendAsync(referralId, FollowUpAudit.Sent(recipient, step.Kind, step.Step));
        HubTelemetry.SurveysSent.Add(1, new KeyValuePair<string, object?>("kind", step.Kind.Spelling()), new KeyValuePair<string, object?>("step", step.Step.Value));
    }

    /// <summary>The patient's survey email bounced or was dropped after SendGrid took it: the provider is sent the same
    /// step's survey instead, as when the address is refused at send time, while the survey is still open. Its own once-key
    /// (the provider's copy), so a repeated event sends once.</summary>
    public async Task PatientBouncedAsync(string referralId, SurveyDelivery delivery)
    {
        var state = await followUps.GetAsync(referralId);
        if (state is null || state.OptedOutAt is not null || state.OpenSurvey != delivery.Kind)
        {
            return;   // opted out, or that survey is answered or closed: nobody needs it now
        }

        var loaded = await documents.LoadAsync(state.PracticeOds, referralId);
        if (loaded is not { } found)
        {
            return;
        }

        var (record, document) = found;
        var providerKey = delivery.EmailKey(SurveyRecipient.Provider);
        if (await audit.WithholdContactAsync(record, providerKey))
        {
            return;
        }

        await PatientRefusedAsync(referralId, delivery.EmailKey(SurveyRecipient.Patient), null);
        var (surveyUrl, optOutUrl) = Links(referralId, delivery);
        if (!await ToProviderAsync(referralId, state.ProviderId, document, delivery, surveyUrl, optOutUrl))
        {
            return;
        }

        await tasks.UpdateAsync(state.PracticeOds, record.TaskId, delivery.TaskStep(SurveyRecipient.Provider).ApplyTo);
        await audit.AppendAsync(referralId, FollowUpAudit.SentInstead(delivery.Kind, delivery.Step));
    }

    /// <summary>The patient's address was refused: recorded, and the follow-up goes through the provider from now on.</summary>
    private async Task<SurveyRecipient> PatientRefusedAsync(string referralId, string patientKey, int? status)
    {
        await audit.AppendAsync(referralId, LifecycleEvent.EmailRefused(patientKey, status));
        var recipient = SurveyDelivery.AfterPatientRefused;
        await followUps.UpdateAsync(referralId, s => s with { Recipient = recipient });
        return recipient;
    }

    /// <returns>False when the provider cannot be emailed (recorded as undeliverable).</returns>
    private async Task<bool> ToProviderAsync(string referralId, string providerId, ReferralDocument document, SurveyDelivery delivery, string surveyUrl, string optOutUrl)
    {
        var provider = await providers.GetAsync(providerId);
        if (provider is null || provider.Emails.Count == 0)
        {
            await audit.AppendAsync(referralId, FollowUpAudit.Undeliverable(delivery.Kind));
            return false;
        }

        var key = delivery.EmailKey(SurveyRecipient.Provider);
        var sent = await email.SendOnceAsync(referralId, key, SurveyEmails.ToProvider(provider.Emails[0], provider.Name, document, delivery.IsReminder, surveyUrl, optOutUrl));
        if (sent.Kind == EmailOutcomeKind.Rejected)
        {
            await audit.AppendAsync(referralId, LifecycleEvent.EmailRefused(key, sent.StatusCode));
        }

        return true;
    }

    private (string Survey, string OptOut) Links(string referralId, SurveyDelivery delivery) =>
        (links.Url(FollowUpActivities.SurveyPagePath, links.Create(FollowUpActivities.PatientAudience, referralId, delivery.Kind.Spelling(), "survey", delivery.LinkLifetime(options.Value))),
         links.Url(FollowUpActivities.OptOutPagePath, links.Create(FollowUpActivities.PatientAudience, referralId, "opt-out", "opt-out", FollowUpActivities.OptOutLinkLifetime)));
}

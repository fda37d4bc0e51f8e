using Hub.Access;
using Hub.Email;
using Hub.Referrals;
using Microsoft.Extensions.Options;

namespace Hub.Chase;

/// <summary>Emails the chase sends besides the offer: the referrer's news at each step and the withdrawn provider's
/// notice. Each goes once per (referral, key); a refused address is recorded, not retried forever.</summary>
public sealed class ReferrerNews(EmailSender email, AuditTrail audit, IOptions<LinkOptions> linkOptions)
{
    public async Task TellAsync(ReferralOrchestrationInput referral, ReferralDocument document, ReferrerUpdate update)
    {
        if (document.ReferrerEmail is not { } to)
        {
            // The Task says the same; a referral without a contact address is followed through the FHIR API.
            return;
        }

        var taskUrl = $"{(linkOptions.Value.BaseUrl ?? "http://localhost:7071").TrimEnd('/')}/api/fhir/Task/{referral.TaskId}";
        await SendOnceAsync(referral.ReferralId, EmailKey(update.EmailKey), ChaseEmails.ToReferrer(to, document, update.Headline, update.Detail, taskUrl));
    }

    /// <summary>The once-key of the referrer's email about a step (<see cref="ReferrerUpdate.EmailKey"/>).</summary>
    public static string EmailKey(string step) => $"referrer-{step}";

    public async Task SendOnceAsync(string referralId, string emailKey, EmailMessage message)
    {
        var outcome = await email.SendOnceAsync(referralId, emailKey, message);
        if (outcome.Kind == EmailOutcomeKind.Rejected)
        {
            // The Task still says it all.
            await audit.AppendAsync(referralId, LifecycleEvent.EmailRefused(emailKey, outcome.StatusCode));
        }
    }
}

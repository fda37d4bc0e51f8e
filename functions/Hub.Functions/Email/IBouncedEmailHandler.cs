using Microsoft.DurableTask.Client;

namespace Hub.Email;

/// <summary>An email that will never arrive, reported later by SendGrid's Event Webhook: which referral and step sent it
/// (the email's custom arguments) and what SendGrid said. Ids and codes only.</summary>
public sealed record BouncedEmail(string ReferralId, string StepKey, EmailEventName Event);

/// <summary>What a slice does when one of its emails bounces or is dropped after it was sent. Email is below the slices
/// that send, so each of them (Chase, FollowUp) registers its own handler; every handler is asked in turn and acts only
/// on its own step keys. A handler may be called again for the same email (SendGrid repeats events), so it must be
/// idempotent; throwing makes the webhook answer 5xx, and SendGrid sends the event again later.</summary>
public interface IBouncedEmailHandler
{
    /// <returns>True when the step was this handler's (whether or not there was still something to do).</returns>
    Task<bool> HandleAsync(BouncedEmail bounce, DurableTaskClient durable, CancellationToken cancellationToken);
}

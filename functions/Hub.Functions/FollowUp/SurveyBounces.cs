using Hub.Email;
using Hub.Referrals;
using Microsoft.DurableTask.Client;

namespace Hub.FollowUp;

/// <summary>A patient's survey email that bounced or was dropped after it was sent (SendGrid's Event Webhook): the
/// provider is sent that survey instead (<see cref="SurveySender.PatientBouncedAsync"/>). The provider's own copy
/// bouncing is recorded only: there is no one else to send it to.</summary>
public sealed class SurveyBounces(SurveySender surveys) : IBouncedEmailHandler
{
    public async Task<bool> HandleAsync(BouncedEmail bounce, DurableTaskClient durable, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bounce);
        if (SurveyDelivery.FromEmailKey(bounce.StepKey) is not { } found)
        {
            return false;
        }

        if (found.To == SurveyRecipient.Patient)
        {
            await surveys.PatientBouncedAsync(bounce.ReferralId, found.Delivery);
        }

        return true;
    }
}

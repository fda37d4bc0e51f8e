using System.Text.RegularExpressions;
using Hub.Email;
using Hub.Referrals;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace Hub.Chase;

/// <summary>A provider's offer or reminder that bounced or was dropped after it was sent (SendGrid's Event Webhook).
/// While that provider still holds the offer, the chase hears it as the provider's answer: declined with
/// <see cref="DeclineCode.EmailRejected"/>, so the referrer is told and the next provider asked. Once the chase has moved
/// on (another provider, decided, withdrawn) the bounce is recorded only.</summary>
public sealed partial class ChaseBounces(ChaseStore chases, AuditTrail audit, ILogger<ChaseBounces> logger) : IBouncedEmailHandler
{
    public async Task<bool> HandleAsync(BouncedEmail bounce, DurableTaskClient durable, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bounce);
        ArgumentNullException.ThrowIfNull(durable);
        if (OfferKey(bounce.StepKey) is not (var step, var providerId))
        {
            return false;
        }

        var chase = await chases.GetAsync(bounce.ReferralId, cancellationToken);
        if (chase is null || chase.CurrentProviderId != providerId || chase.Step.IsDecided || chase.Step == ChaseStage.Withdrawn
            || chase.Step == ChaseStage.DeclinedBy(providerId))
        {
            LogMovedOn(logger, bounce.ReferralId, providerId, bounce.StepKey);
            return true;
        }

        await audit.AppendAsync(bounce.ReferralId, ChaseAudit.OfferBounced(providerId, step, bounce.Event.Value), cancellationToken);
        // Ids and codes only, as the provider's page raises it; the orchestration ignores a repeat once it moved on.
        await durable.RaiseEventAsync(bounce.ReferralId, ReferralOrchestration.ProviderRespondedEvent,
            new ProviderAnswer(providerId, false, DeclineCode.EmailRejected, null, null), cancellationToken);
        LogRaised(logger, bounce.ReferralId, providerId, bounce.StepKey);
        return true;
    }

    /// <summary>The step and provider of an offer's or reminder's once-key (<c>offer-alpha</c>, <c>reminder-1-alpha</c>).</summary>
    public static (ChaseStepName Step, string ProviderId)? OfferKey(string stepKey)
    {
        var match = OfferKeyPattern().Match(stepKey);
        return match.Success ? (ChaseStepName.FromStored(match.Groups["step"].Value), match.Groups["provider"].Value) : null;
    }

    [GeneratedRegex(@"^(?<step>offer|reminder-\d+)-(?<provider>.+)$")]
    private static partial Regex OfferKeyPattern();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The email to provider {ProviderId} for referral {ReferralId} ({StepKey}) bounced; the chase hears it as a decline")]
    private static partial void LogRaised(ILogger logger, string referralId, string providerId, string stepKey);

    [LoggerMessage(Level = LogLevel.Information, Message = "The email to provider {ProviderId} for referral {ReferralId} ({StepKey}) bounced after the chase moved on; recorded only")]
    private static partial void LogMovedOn(ILogger logger, string referralId, string providerId, string stepKey);
}

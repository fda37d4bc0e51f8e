using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace Hub.Orchestrations.Referral;

/// <summary>What a referral's orchestration is started with: ids only, never FHIR or personal data
/// (orchestration history is stored in plain tables).</summary>
public sealed record ReferralOrchestrationInput(string ReferralId, string PracticeOds, string TaskId);

/// <summary>The durable life of one referral; its instance id is the referral id. For now it records that the referral
/// was received and waits for what comes next (the provider chase builds on this).</summary>
public static class ReferralOrchestration
{
    public const string Name = nameof(ReferralOrchestration);

    /// <summary>Raised when the practice revokes the referral; ends the orchestration.</summary>
    public const string ReferralWithdrawnEvent = "ReferralWithdrawn";

    [Function(Name)]
    public static async Task<string> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var input = context.GetInput<ReferralOrchestrationInput>()
                    ?? throw new InvalidOperationException("A referral orchestration needs its referral's ids as input.");

        await context.CallActivityAsync(nameof(ReferralActivities.RecordReferralReceived), input);
        context.SetCustomStatus(new ReferralProgress("received", "Waiting for the provider chase to start."));

        var reason = await context.WaitForExternalEvent<string>(ReferralWithdrawnEvent);
        context.SetCustomStatus(new ReferralProgress("withdrawn", reason));
        return "withdrawn";
    }
}

/// <summary>Where a referral is, for operators: shown as the orchestration's custom status.</summary>
public sealed record ReferralProgress(string Step, string? Detail);

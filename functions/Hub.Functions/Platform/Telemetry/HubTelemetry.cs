using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Hub.Platform.Telemetry;

/// <summary>The hub's traces and metrics. Spans and measurements carry referral, task and provider ids and step names,
/// never NHS numbers, names, addresses or free text.</summary>
public static class HubTelemetry
{
    public const string Name = "SocialPrescribingHub";
    public const string ReferralIdTag = "referral.id";

    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> ReferralsReceived = Meter.CreateCounter<long>("hub.referrals.received", description: "Referrals stored by intake");
    public static readonly Counter<long> ReferralsAccepted = Meter.CreateCounter<long>("hub.referrals.accepted", description: "Referrals a provider accepted");
    public static readonly Counter<long> ReferralsDeclined = Meter.CreateCounter<long>("hub.referrals.declined", description: "Provider declines (including no answer)");
    public static readonly Counter<long> ReferralsEscalated = Meter.CreateCounter<long>("hub.referrals.escalated", description: "Escalations to the referrer");
    public static readonly Counter<long> SurveysSent = Meter.CreateCounter<long>("hub.surveys.sent", description: "Survey emails sent (first emails and reminders)");
    public static readonly Counter<long> SurveysAnswered = Meter.CreateCounter<long>("hub.surveys.answered", description: "Surveys answered");
    public static readonly Counter<long> WriteBackFailures = Meter.CreateCounter<long>("hub.writeback.failures", description: "Write-backs to a practice that failed an attempt or were parked");
    public static readonly Counter<long> StepsHeld = Meter.CreateCounter<long>("hub.steps.held", description: "Referral steps that ran out of retries and were held for a slow retry or an operator");
    public static readonly Counter<long> StepsResumed = Meter.CreateCounter<long>("hub.steps.resumed", description: "Held referral steps released to run again");
    public static readonly Counter<long> EmailServiceFaults = Meter.CreateCounter<long>("hub.email.service_faults", description: "Emails SendGrid refused for the hub's own fault (key, sender, account), tagged with the status only; the step is retried, not bounced");
    public static readonly Counter<long> EventsRepaired = Meter.CreateCounter<long>("hub.events.repaired", description: "Decisions recorded but not delivered that the reconciler delivered");
    public static readonly Counter<long> EventsGivenUp = Meter.CreateCounter<long>("hub.events.given_up", description: "Recorded decisions whose instance never came to receive them");
    public static readonly Histogram<double> HoursToAcceptance = Meter.CreateHistogram<double>("hub.referrals.time_to_acceptance", unit: "h", description: "From intake to a provider's acceptance");

    /// <summary>A span for one step of a referral, in the referral's own trace when its trace id is known (intake records
    /// it in the orchestration's input, so every activity joins the trace that intake began).</summary>
    public static Activity? StartReferralStep(string name, string referralId, string? traceParent = null)
    {
        var parent = traceParent is not null && ActivityContext.TryParse(traceParent, null, out var context) ? context : default;
        var activity = parent == default
            ? Source.StartActivity(name, ActivityKind.Internal)
            : Source.StartActivity(name, ActivityKind.Internal, parent);
        activity?.SetTag(ReferralIdTag, referralId);
        return activity;
    }
}

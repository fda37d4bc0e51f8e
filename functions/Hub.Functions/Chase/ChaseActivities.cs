using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Email;
using Hub.Platform.Telemetry;
using Hub.Providers;
using Hub.Referrals;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hub.Chase;

/// <summary>The chase's planning and offers: routing, and emails with signed links. Durable runs activities at least
/// once, so each is safe to repeat: emails are sent once per (referral, step), Task writes are ETag-conditional, audit
/// lines are recorded once per step. What each step says is decided in <see cref="ChaseTaskSteps"/> and <see cref="ChaseAudit"/>.</summary>
public sealed partial class ChaseActivities(
    ReferralDocuments documents,
    ProviderDirectory providers,
    ProviderRouting routing,
    ActivityMatcher activities,
    EmailSender email,
    SignedLinks links,
    ChaseStore chases,
    ReferralTaskProgress tasks,
    AuditTrail audit,
    IOptions<ChaseOptions> chaseOptions,
    IOptions<LinkOptions> linkOptions,
    IOptions<HoldOptions> holdOptions,
    TimeProvider time,
    ILogger<ChaseActivities> logger)
{
    public const string ProviderAudience = "provider";
    public const string ResponsePagePath = "provider/respond";

    [Function(ChaseActivityNames.PlanChase)]
    public async Task<ChasePlan> PlanChase([ActivityTrigger] ReferralOrchestrationInput input)
    {
        using var span = HubTelemetry.StartReferralStep("chase.plan", input.ReferralId, input.TraceParent);
        var (_, document) = await documents.RequireAsync(input.PracticeOds, input.ReferralId);
        var request = RoutingRequest.From(document.ServiceRequest, document.Patient, activities, input.PracticeOds);
        var decision = await routing.DecideAsync(request, time.GetUtcNow());
        var route = decision.ProviderIds;
        await tasks.UpdateAsync(input.PracticeOds, input.TaskId, task => ActivityMatchOnTask.Record(task, request, decision));
        await chases.SetAsync(input.ReferralId, input.PracticeOds, null, ChaseStage.Routed);
        await audit.AppendAsync(input.ReferralId, ChaseAudit.Planned(route.Count));
        var options = chaseOptions.Value;
        return new ChasePlan(route, options.EffectiveReminders, options.EscalateAfter, linkOptions.Value.Lifetime, options.WorkingHoursOnly, options.RetryFirstInterval, holdOptions.Value.RetryEvery,
            ChaseResumption.From(await audit.ReadAsync(input.ReferralId)));
    }

    [Function(ChaseActivityNames.OfferToProvider)]
    public async Task<OfferOutcome> OfferToProvider([ActivityTrigger] ChaseStep step) => await SendOfferAsync(step, reminder: false);

    [Function(ChaseActivityNames.RemindProvider)]
    public async System.Threading.Tasks.Task RemindProvider([ActivityTrigger] ChaseStep step)
    {
        await SendOfferAsync(step, reminder: true);
    }

    private async Task<OfferOutcome> SendOfferAsync(ChaseStep step, bool reminder)
    {
        var referral = step.Referral;
        using var span = HubTelemetry.StartReferralStep("chase.offer", referral.ReferralId, referral.TraceParent);
        var provider = await providers.GetAsync(step.ProviderId)
                       ?? throw new InvalidOperationException($"Provider {step.ProviderId} is no longer in the directory.");
        var (record, document) = await documents.RequireAsync(referral.PracticeOds, referral.ReferralId);
        var emailKey = $"{step.Step.Value}-{step.ProviderId}";
        if (await audit.WithholdContactAsync(record, emailKey))
        {
            return OfferOutcome.Sent;
        }

        var accept = links.Create(ProviderAudience, referral.ReferralId, step.ProviderId, "accept");
        var decline = links.Create(ProviderAudience, referral.ReferralId, step.ProviderId, "decline");
        var expires = time.GetUtcNow() + linkOptions.Value.Lifetime;
        var message = ChaseEmails.Offer(provider.Emails[0], provider.Name, document, links.Url(ResponsePagePath, accept), links.Url(ResponsePagePath, decline), expires, reminder);

        // The provider holds the offer before the email can reach them, so even an instant click finds it live.
        await chases.SetAsync(referral.ReferralId, referral.PracticeOds, step.ProviderId, ChaseStage.At(step.Step));
        var outcome = await email.SendOnceAsync(referral.ReferralId, emailKey, message);
        if (outcome.Kind == EmailOutcomeKind.Rejected)
        {
            LogBounced(logger, referral.ReferralId, step.ProviderId, outcome.StatusCode);
            await audit.AppendAsync(referral.ReferralId, ChaseAudit.OfferRefused(step.ProviderId, step.Step, outcome.StatusCode));
            return OfferOutcome.Bounced;
        }

        if (!reminder)
        {
            await providers.RecordOfferAsync(step.ProviderId, referral.ReferralId, time.GetUtcNow());
        }

        var owner = new ResourceReference($"HealthcareService/{step.ProviderId}") { Display = provider.Name };
        await tasks.UpdateAsync(referral.PracticeOds, referral.TaskId, task =>
        {
            ChaseTaskSteps.Offered(reminder).ApplyTo(task);
            task.Owner = owner;
        });
        await audit.AppendAsync(referral.ReferralId, ChaseAudit.Offered(step.ProviderId, step.Step, reminder));
        return OfferOutcome.Sent;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The offer of referral {ReferralId} to provider {ProviderId} was refused by the mail service ({Status})")]
    private static partial void LogBounced(ILogger logger, string referralId, string providerId, int? status);
}

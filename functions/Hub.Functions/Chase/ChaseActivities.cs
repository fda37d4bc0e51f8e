using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Email;
using Hub.Platform.Telemetry;
using Hub.Providers;
using Hub.Referrals;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Chase;

/// <summary>The chase's I/O: routing, emails with signed links, Task updates, the audit trail. Durable runs activities at
/// least once, so each is safe to repeat: emails are sent once per (referral, step), Task writes are ETag-conditional,
/// audit lines are recorded once per step.</summary>
public sealed partial class ChaseActivities(
    ReferralDocuments documents,
    ProviderDirectory providers,
    ProviderRouting routing,
    EmailSender email,
    SignedLinks links,
    ChaseStore chases,
    ReferralTaskProgress tasks,
    AuditTrail audit,
    IOptions<ChaseOptions> chaseOptions,
    IOptions<LinkOptions> linkOptions,
    TimeProvider time,
    ILogger<ChaseActivities> logger)
{
    public const string ProviderAudience = "provider";
    public const string ResponsePagePath = "provider/respond";

    [Function(ChaseActivityNames.PlanChase)]
    public async Task<ChasePlan> PlanChase([ActivityTrigger] ReferralOrchestrationInput input)
    {
        using var span = HubTelemetry.StartReferralStep("chase.plan", input.ReferralId, input.TraceParent);
        var (_, document) = await LoadAsync(input);
        var route = await routing.RouteAsync(RoutingRequest.From(document.ServiceRequest, document.Patient), time.GetUtcNow());
        await chases.SetAsync(input.ReferralId, input.PracticeOds, null, "routed");
        await audit.AppendAsync(input.ReferralId, "chase-planned", "hub", $"{route.Count} provider(s)", onceKey: "chase-planned");
        var options = chaseOptions.Value;
        return new ChasePlan(route, options.EffectiveReminders, options.EscalateAfter, linkOptions.Value.Lifetime, options.WorkingHoursOnly, options.RetryFirstInterval);
    }

    [Function(ChaseActivityNames.OfferToProvider)]
    public async Task<OfferOutcome> OfferToProvider([ActivityTrigger] ChaseStep step) => await SendOfferAsync(step, reminder: false);

    [Function(ChaseActivityNames.RemindProvider)]
    public async System.Threading.Tasks.Task RemindProvider([ActivityTrigger] ChaseStep step)
    {
        await SendOfferAsync(step, reminder: true);
    }

    [Function(ChaseActivityNames.EscalateToReferrer)]
    public async System.Threading.Tasks.Task EscalateToReferrer([ActivityTrigger] ChaseStep step)
    {
        using var span = HubTelemetry.StartReferralStep("chase.escalate", step.Referral.ReferralId, step.Referral.TraceParent);
        var (_, document) = await LoadAsync(step.Referral);
        var provider = await providers.GetAsync(step.ProviderId);
        var name = provider?.Name ?? step.ProviderId;
        var (headline, detail) = step.Step == "email-rejected"
            ? ($"We could not email {name}", $"Their email address was refused. The hub is offering the referral to the next matching provider; please check {name}'s contact details.")
            : ($"No answer yet from {name}", $"{name} has not answered since the referral was offered to them. You may want to contact them; the hub keeps waiting for their answer until the links expire.");
        await TellReferrerAsync(step.Referral, document, $"{step.Step}-{step.ProviderId}", headline, detail);
        await tasks.UpdateAsync(step.Referral.PracticeOds, step.Referral.TaskId, task =>
            ReferralTaskProgress.Step(task, task.Status ?? FhirTask.TaskStatus.Received, "escalated", "Escalated to the referrer", headline));
        await chases.SetAsync(step.Referral.ReferralId, step.Referral.PracticeOds, step.ProviderId, step.Step);
        await audit.AppendAsync(step.Referral.ReferralId, "escalated", "hub", $"{step.Step}:{step.ProviderId}", onceKey: $"escalated-{step.Step}-{step.ProviderId}");
        HubTelemetry.ReferralsEscalated.Add(1, new KeyValuePair<string, object?>("reason", step.Step));
    }

    [Function(ChaseActivityNames.EscalateNoProvider)]
    public async System.Threading.Tasks.Task EscalateNoProvider([ActivityTrigger] ChaseEnd end)
    {
        using var span = HubTelemetry.StartReferralStep("chase.escalate", end.Referral.ReferralId, end.Referral.TraceParent);
        var (_, document) = await LoadAsync(end.Referral);
        const string headline = "No provider could be found";
        await TellReferrerAsync(end.Referral, document, "no-provider", headline,
            "No provider in the directory with capacity matches this referral's activity and area. A link worker may need to find one.");
        await tasks.UpdateAsync(end.Referral.PracticeOds, end.Referral.TaskId, task =>
            ReferralTaskProgress.Step(task, FhirTask.TaskStatus.Requested, "escalated", "Escalated to the referrer", headline));
        await chases.SetAsync(end.Referral.ReferralId, end.Referral.PracticeOds, null, "no-provider");
        await audit.AppendAsync(end.Referral.ReferralId, "escalated", "hub", "no-provider", onceKey: "escalated-no-provider");
        HubTelemetry.ReferralsEscalated.Add(1, new KeyValuePair<string, object?>("reason", "no-provider"));
    }

    [Function(ChaseActivityNames.RecordDecline)]
    public async System.Threading.Tasks.Task RecordDecline([ActivityTrigger] ChaseEnd end)
    {
        using var span = HubTelemetry.StartReferralStep("chase.decline", end.Referral.ReferralId, end.Referral.TraceParent);
        var decline = end.Declines[^1];
        // Between providers nobody holds the offer: the last provider's links now say the referral has moved on.
        await chases.SetAsync(end.Referral.ReferralId, end.Referral.PracticeOds, null, $"declined-{decline.ProviderId}");
        await tasks.UpdateAsync(end.Referral.PracticeOds, end.Referral.TaskId, task =>
            ReferralTaskProgress.Step(task, FhirTask.TaskStatus.Received, "provider-declined", "Declined by a provider; trying the next", $"declined: {decline.ReasonCode}"));
        await audit.AppendAsync(end.Referral.ReferralId, "declined", $"provider:{decline.ProviderId}", decline.ReasonCode, onceKey: $"declined-{decline.ProviderId}");
        HubTelemetry.ReferralsDeclined.Add(1, new KeyValuePair<string, object?>("reason", decline.ReasonCode));
    }

    [Function(ChaseActivityNames.AcceptReferral)]
    public async System.Threading.Tasks.Task AcceptReferral([ActivityTrigger] ChaseEnd end)
    {
        using var span = HubTelemetry.StartReferralStep("chase.accept", end.Referral.ReferralId, end.Referral.TraceParent);
        var provider = await providers.GetAsync(end.ProviderId!);
        var owner = new ResourceReference($"HealthcareService/{end.ProviderId}") { Display = provider?.Name };
        await tasks.UpdateAsync(end.Referral.PracticeOds, end.Referral.TaskId, task =>
        {
            ReferralTaskProgress.Step(task, FhirTask.TaskStatus.Accepted, "accepted", "Accepted by the provider");
            task.Owner = owner;
        });
        await tasks.UpdateAsync(end.Referral.PracticeOds, end.Referral.TaskId, task =>
        {
            ReferralTaskProgress.Step(task, FhirTask.TaskStatus.InProgress, "awaiting-follow-up", "Accepted; awaiting the outcome follow-up");
            task.Owner = owner;
            if (end.Answer?.FirstSession is { } first)
            {
                task.Output.RemoveAll(o => o.Type?.Text == "first-session");
                task.Output.Add(new FhirTask.OutputComponent
                {
                    Type = new CodeableConcept { Text = "first-session" },
                    Value = new Date(first.Year, first.Month, first.Day),
                });
            }
        });
        var (record, document) = await LoadAsync(end.Referral);
        HubTelemetry.ReferralsAccepted.Add(1);
        HubTelemetry.HoursToAcceptance.Record((time.GetUtcNow() - record.LastUpdated).TotalHours);
        var when = end.Answer?.FirstSession is { } session ? $" The first session is on {session:d MMMM yyyy}." : string.Empty;
        await TellReferrerAsync(end.Referral, document, "accepted", $"{provider?.Name ?? "The provider"} accepted the referral", $"The patient's outcomes will be followed up in about three months.{when}");
        await chases.SetAsync(end.Referral.ReferralId, end.Referral.PracticeOds, end.ProviderId, "accepted");
        await audit.AppendAsync(end.Referral.ReferralId, "accepted", $"provider:{end.ProviderId}", end.Answer?.FirstSession?.ToString("O", System.Globalization.CultureInfo.InvariantCulture), onceKey: "accepted");
    }

    [Function(ChaseActivityNames.RejectReferral)]
    public async System.Threading.Tasks.Task RejectReferral([ActivityTrigger] ChaseEnd end)
    {
        using var span = HubTelemetry.StartReferralStep("chase.reject", end.Referral.ReferralId, end.Referral.TraceParent);
        var reasons = string.Join("; ", end.Declines.Select(d => $"{d.ProviderId}: {d.ReasonCode}"));
        await tasks.UpdateAsync(end.Referral.PracticeOds, end.Referral.TaskId, task =>
            ReferralTaskProgress.Step(task, FhirTask.TaskStatus.Rejected, "all-declined", "No provider could take the referral", reasons));
        var (_, document) = await LoadAsync(end.Referral);
        await TellReferrerAsync(end.Referral, document, "rejected", "No provider could take the referral",
            $"The hub offered it to {end.Declines.Count} provider(s): {string.Join("; ", end.Declines.Select(d => d.ReasonCode))}.");
        await chases.SetAsync(end.Referral.ReferralId, end.Referral.PracticeOds, null, "rejected");
        await audit.AppendAsync(end.Referral.ReferralId, "rejected", "hub", reasons, onceKey: "rejected");
    }

    [Function(ReferralInstances.CancelReferral)]
    public async System.Threading.Tasks.Task CancelReferral([ActivityTrigger] Cancellation end)
    {
        using var span = HubTelemetry.StartReferralStep("chase.cancel", end.Referral.ReferralId, end.Referral.TraceParent);
        await tasks.UpdateAsync(end.Referral.PracticeOds, end.Referral.TaskId, task =>
            ReferralTaskProgress.Step(task, FhirTask.TaskStatus.Cancelled, "withdrawn", "Withdrawn by the practice", "The practice withdrew the referral."));
        if (end.ProviderId is { } providerId && await providers.GetAsync(providerId) is { } provider && provider.Emails.Count > 0)
        {
            var (_, document) = await LoadAsync(end.Referral);
            await SendAsync(end.Referral.ReferralId, $"withdrawn-{providerId}", ChaseEmails.Withdrawn(provider.Emails[0], provider.Name, document));
        }

        await chases.SetAsync(end.Referral.ReferralId, end.Referral.PracticeOds, end.ProviderId, "withdrawn");
        await audit.AppendAsync(end.Referral.ReferralId, "withdrawn", "hub", end.ProviderId, onceKey: "withdrawn");
    }

    private async Task<OfferOutcome> SendOfferAsync(ChaseStep step, bool reminder)
    {
        using var span = HubTelemetry.StartReferralStep("chase.offer", step.Referral.ReferralId, step.Referral.TraceParent);
        var provider = await providers.GetAsync(step.ProviderId)
                       ?? throw new InvalidOperationException($"Provider {step.ProviderId} is no longer in the directory.");
        var (_, document) = await LoadAsync(step.Referral);
        var accept = links.Create(ProviderAudience, step.Referral.ReferralId, step.ProviderId, "accept");
        var decline = links.Create(ProviderAudience, step.Referral.ReferralId, step.ProviderId, "decline");
        var expires = time.GetUtcNow() + linkOptions.Value.Lifetime;
        var message = ChaseEmails.Offer(provider.Emails[0], provider.Name, document, links.Url(ResponsePagePath, accept), links.Url(ResponsePagePath, decline), expires, reminder);

        // The provider holds the offer before the email can reach them, so even an instant click finds it live.
        await chases.SetAsync(step.Referral.ReferralId, step.Referral.PracticeOds, step.ProviderId, step.Step);
        var outcome = await email.SendOnceAsync(step.Referral.ReferralId, $"{step.Step}-{step.ProviderId}", message);
        if (outcome.Kind == EmailOutcomeKind.Rejected)
        {
            LogBounced(logger, step.Referral.ReferralId, step.ProviderId, outcome.StatusCode);
            await audit.AppendAsync(step.Referral.ReferralId, "email-rejected", "hub", $"{step.Step}:{step.ProviderId}:{outcome.StatusCode}", onceKey: $"email-rejected-{step.Step}-{step.ProviderId}");
            return OfferOutcome.Bounced;
        }

        if (!reminder)
        {
            await providers.RecordOfferAsync(step.ProviderId, step.Referral.ReferralId, time.GetUtcNow());
        }

        var owner = new ResourceReference($"HealthcareService/{step.ProviderId}") { Display = provider.Name };
        await tasks.UpdateAsync(step.Referral.PracticeOds, step.Referral.TaskId, task =>
        {
            ReferralTaskProgress.Step(task, FhirTask.TaskStatus.Received,
                reminder ? "provider-reminded" : "awaiting-provider",
                reminder ? "Provider reminded" : "Offered to a provider; awaiting their answer");
            task.Owner = owner;
        });
        await audit.AppendAsync(step.Referral.ReferralId, reminder ? "reminded" : "offered", $"provider:{step.ProviderId}", step.Step, onceKey: $"{step.Step}-{step.ProviderId}");
        return OfferOutcome.Sent;
    }

    private async System.Threading.Tasks.Task TellReferrerAsync(ReferralOrchestrationInput referral, ReferralDocument document, string stepKey, string headline, string detail)
    {
        if (document.ReferrerEmail is not { } to)
        {
            // The Task says the same; a referral without a contact address is followed through the FHIR API.
            return;
        }

        var taskUrl = $"{(linkOptions.Value.BaseUrl ?? "http://localhost:7071").TrimEnd('/')}/api/fhir/Task/{referral.TaskId}";
        await SendAsync(referral.ReferralId, $"referrer-{stepKey}", ChaseEmails.ToReferrer(to, document, headline, detail, taskUrl));
    }

    private async System.Threading.Tasks.Task SendAsync(string referralId, string stepKey, EmailMessage message)
    {
        var outcome = await email.SendOnceAsync(referralId, stepKey, message);
        if (outcome.Kind == EmailOutcomeKind.Rejected)
        {
            // A referrer or withdrawn-provider address refused is recorded, not retried forever; the Task still says it all.
            await audit.AppendAsync(referralId, "email-rejected", "hub", $"{stepKey}:{outcome.StatusCode}", onceKey: $"email-rejected-{stepKey}");
        }
    }

    private Task<(ReferralRecord Record, ReferralDocument Document)> LoadAsync(ReferralOrchestrationInput input) =>
        documents.RequireAsync(input.PracticeOds, input.ReferralId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The offer of referral {ReferralId} to provider {ProviderId} was refused by the mail service ({Status})")]
    private static partial void LogBounced(ILogger logger, string referralId, string providerId, int? status);
}

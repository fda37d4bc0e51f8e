using Hl7.Fhir.Model;
using Hub.Chase;
using Hub.Evidence;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Microsoft.DurableTask.Client;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.Chase;

/// <summary>The chase end to end: the real orchestrator and activities on the in-process Durable engine, Table storage
/// on Azurite, emails through the real SendGrid client into a recording sink, clicks through the real page triggers.</summary>
public sealed class ProviderChaseTests(ChaseHub hub) : IClassFixture<ChaseHub>
{
    private async Task<OrchestrationMetadata> FinishedAsync(string referralId) =>
        await hub.Durable.WaitForInstanceCompletionAsync(referralId, getInputsAndOutputs: true, new CancellationTokenSource(TimeSpan.FromSeconds(Eventually.DefaultTimeoutSeconds)).Token);

    [Fact]
    public async System.Threading.Tasks.Task Accepted_first_time_the_Task_moves_to_in_progress_and_the_referrer_is_told()
    {
        var (referralId, taskId, reference) = await hub.ReferAsync();

        var offer = await hub.OfferAsync("alpha", referralId);
        Assert.Equal("New social prescribing referral: Befriending", offer.Subject);
        Assert.Contains("Richard", offer.PlainText, StringComparison.Ordinal);           // first name only
        Assert.DoesNotContain("Smith", offer.PlainText, StringComparison.Ordinal);
        Assert.DoesNotContain("9912003888", offer.Body, StringComparison.Ordinal);        // never the NHS number
        Assert.Contains("Lives alone since bereavement", offer.PlainText, StringComparison.Ordinal); // consent given
        Assert.False(offer.ClickTrackingEnabled);   // SendGrid must not rewrite the signed links
        var offered = await hub.TaskWhenAsync(taskId, t => t.BusinessStatus?.Coding[0].Code == "awaiting-provider");
        Assert.Equal(FhirTask.TaskStatus.Received, offered.Status);
        Assert.Equal("HealthcareService/alpha", offered.Owner.Reference);

        var page = await hub.OpenAsync(ProviderLinks.Find(offer, "Accept")!);
        Assert.Equal(200, page.Status);
        Assert.Contains("Accept this referral?", page.Body, StringComparison.Ordinal);
        var done = await hub.ConfirmAsync(ProviderLinks.Find(offer, "Accept")!, ("day", "3"), ("month", "12"), ("year", "2026"));
        Assert.Equal(200, done.Status);
        Assert.Contains("Referral accepted", done.Body, StringComparison.Ordinal);

        var task = await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.InProgress);
        Assert.Equal("awaiting-follow-up", task.BusinessStatus.Coding[0].Code);
        Assert.Equal("2026-12-03", ((Date)task.Output.Single(o => o.Type.Text == "first-session").Value).Value);
        var told = await hub.Mail.WaitForEmailAsync(e => e.Subject?.Contains(reference, StringComparison.Ordinal) == true && e.Subject.Contains("accepted", StringComparison.Ordinal));
        Assert.Equal(["referrals@riverside.example.nhs.uk"], told.To);
        Assert.DoesNotContain("Richard", told.Body, StringComparison.Ordinal);
        // Written by the acceptance after the Task and the referrer's email.
        var audit = await hub.AuditWithAsync(referralId, "accepted");
        Assert.Contains(audit, a => a.Event == "accepted" && a.Actor == "provider:alpha");
        Assert.Empty(hub.EmailsTo("beta", referralId));
    }

    [Fact]
    public async System.Threading.Tasks.Task Declined_the_referral_goes_to_the_next_provider_who_accepts()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();

        var first = await hub.OfferAsync("alpha", referralId);
        var declined = await hub.ConfirmAsync(ProviderLinks.Find(first, "Decline")!, ("reason", "no-capacity"), ("note", "Full until spring"));
        Assert.Contains("Referral declined", declined.Body, StringComparison.Ordinal);

        var second = await hub.OfferAsync("beta", referralId);
        await hub.ConfirmAsync(ProviderLinks.Find(second, "Accept")!);

        var task = await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.InProgress);
        Assert.Equal("HealthcareService/beta", task.Owner.Reference);
        // The acceptance's audit line is written after the Task; the evidence reads the journey from the audit.
        var audit = await hub.AuditWithAsync(referralId, "declined", "accepted");
        Assert.Contains(audit, a => a.Event == "declined" && a.Outcome == "no-capacity" && a.Actor == "provider:alpha");

        // The evidence reads the same journey back: alpha's decline with its reason, then beta's acceptance.
        var row = await hub.EvidenceRowAsync(referralId);
        Assert.Equal(ChaseResult.Accepted, row.Chase);
        Assert.Equal([("alpha", OfferAnswer.Declined, "no-capacity"), ("beta", OfferAnswer.Accepted, null)],
            row.Offers.Select(o => (o.ProviderId, o.Answer, o.DeclineReason)));
        Assert.True(row.FirstProviderAnswerAt < row.Acceptance!.AnsweredAt);
        Assert.Equal(FollowUpResult.Waiting, row.FollowUpResult);
    }

    [Fact]
    public async System.Threading.Tasks.Task When_every_provider_declines_the_Task_is_rejected_with_the_reasons()
    {
        var (referralId, taskId, reference) = await hub.ReferAsync();

        foreach (var (provider, reason) in new[] { ("alpha", "no-capacity"), ("beta", "out-of-area"), ("gamma", "not-suitable") })
        {
            var offer = await hub.OfferAsync(provider, referralId);
            await hub.ConfirmAsync(ProviderLinks.Find(offer, "Decline")!, ("reason", reason));
        }

        Assert.Equal("rejected", (await FinishedAsync(referralId)).ReadOutputAs<string>());
        var task = await hub.TaskAsync(taskId);
        Assert.Equal(FhirTask.TaskStatus.Rejected, task.Status);
        Assert.Equal("alpha: no-capacity; beta: out-of-area; gamma: not-suitable", task.StatusReason.Text);
        var row = await hub.EvidenceRowAsync(referralId);
        Assert.Equal(ChaseResult.AllDeclined, row.Chase);
        Assert.Equal(["no-capacity", "out-of-area", "not-suitable"], row.Offers.Select(o => o.DeclineReason));
        await hub.Mail.WaitForEmailAsync(e => e.Subject?.Contains(reference, StringComparison.Ordinal) == true && e.Subject.Contains("No provider could take", StringComparison.Ordinal));
    }

    [Fact]
    public async System.Threading.Tasks.Task Unanswered_the_provider_is_reminded_twice_the_referrer_is_told_and_the_next_provider_is_asked()
    {
        var (referralId, taskId, reference) = await hub.ReferAsync();

        var reminder = await hub.OfferAsync("alpha", referralId, count: 3);
        Assert.StartsWith("Reminder:", reminder.Subject, StringComparison.Ordinal);
        var escalation = await hub.Mail.WaitForEmailAsync(e => e.Subject?.Contains(reference, StringComparison.Ordinal) == true && e.Subject.Contains("No answer yet", StringComparison.Ordinal));
        Assert.Contains("Alpha Befriending", escalation.PlainText, StringComparison.Ordinal);
        Assert.Equal("escalated", (await hub.TaskWhenAsync(taskId, t => t.BusinessStatus?.Coding[0].Code == "escalated")).BusinessStatus.Coding[0].Code);

        // Alpha's links expire and beta is asked; an answer to the expired offer changes nothing.
        var beta = await hub.OfferAsync("beta", referralId);
        var late = await hub.OpenAsync(ProviderLinks.Find(reminder, "Accept")!);
        Assert.Equal(410, late.Status);
        await hub.ConfirmAsync(ProviderLinks.Find(beta, "Accept")!);
        var task = await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.InProgress);
        Assert.Equal("HealthcareService/beta", task.Owner.Reference);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_double_click_acts_once_and_the_other_link_of_the_pair_shows_what_happened()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        var offer = await hub.OfferAsync("alpha", referralId);
        var accept = ProviderLinks.Find(offer, "Accept")!;
        var (_, cookie, csrf) = await ProviderLinks.OpenFormAsync(hub, accept);

        var clicks = await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 5).Select(_ => ProviderLinks.PostAsync(hub, ProviderLinks.Token(accept), csrf, cookie)));

        Assert.All(clicks, c => Assert.Contains("Referral accepted", c.Body, StringComparison.Ordinal));
        await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.InProgress);
        Assert.Single(await hub.Get<AuditTrail>().ReadAsync(referralId), a => a.Event == "provider-accepted");
        var decline = await hub.OpenAsync(ProviderLinks.Find(offer, "Decline")!);
        Assert.Contains("You accepted this referral", decline.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async System.Threading.Tasks.Task Withdrawn_while_waiting_the_chase_stops_the_provider_is_told_and_late_clicks_change_nothing()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        var offer = await hub.OfferAsync("alpha", referralId);

        var withdrawn = await hub.WithdrawAsync(referralId);
        Assert.Equal(200, withdrawn.Status);
        Assert.Equal(RequestStatus.Revoked, withdrawn.As<ServiceRequest>().Status);
        Assert.Equal("W/\"2\"", withdrawn.Headers.ETag.ToString());

        Assert.Equal("withdrawn", (await FinishedAsync(referralId)).ReadOutputAs<string>());
        var task = await hub.TaskAsync(taskId);
        Assert.Equal(FhirTask.TaskStatus.Cancelled, task.Status);
        var told = await hub.Mail.WaitForEmailAsync(e => e.To.Contains("alpha@providers.example.org") && e.Subject?.StartsWith("Referral withdrawn", StringComparison.Ordinal) == true);
        Assert.Contains("No action is needed", told.PlainText, StringComparison.Ordinal);

        var late = await hub.OpenAsync(ProviderLinks.Find(offer, "Accept")!);
        Assert.Equal(410, late.Status);
        Assert.Contains("This referral was withdrawn", late.Body, StringComparison.Ordinal);
        Assert.Equal(FhirTask.TaskStatus.Cancelled, (await hub.TaskAsync(taskId)).Status);
        Assert.Equal(200, (await hub.WithdrawAsync(referralId)).Status);
    }

    [Fact]
    public async System.Threading.Tasks.Task No_matching_provider_escalates_straight_away()
    {
        var (referralId, taskId, reference) = await hub.ReferAsync(b => ((ServiceRequest)b.Entry[0].Resource!).Code = new CodeableConcept { Text = "Gardening" });

        var task = await hub.TaskWhenAsync(taskId, t => t.BusinessStatus?.Coding[0].Code == "escalated");
        Assert.Equal("No provider could be found", task.StatusReason.Text);
        await hub.Mail.WaitForEmailAsync(e => e.Subject?.Contains(reference, StringComparison.Ordinal) == true && e.Subject.Contains("No provider could be found", StringComparison.Ordinal));
        // The step is written after the escalation's activity (which wrote the Task and sent the email) completed.
        var status = await Eventually.StepAsync(hub.Durable, referralId, "escalated");
        Assert.Equal(OrchestrationRuntimeStatus.Running, status!.RuntimeStatus);
        Assert.Equal("escalated", status.ReadCustomStatusAs<ReferralProgress>()!.Step.Spelling());
    }
}

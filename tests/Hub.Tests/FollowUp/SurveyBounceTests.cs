using Hub.Referrals;
using Hub.Tests.Email;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.FollowUp;

/// <summary>A fast follow-up with the Signed Event Webhook on.</summary>
public sealed class SurveyBounceHub : TestHub
{
    public SendGridSigner Signer { get; } = new();

    protected override void Setup(HubSetup hub) => hub.FastChase().FastFollowUp().Set("SendGrid:EventWebhookPublicKey", Signer.PublicKey);
}

public sealed class SurveyBounceTests(SurveyBounceHub hub) : IClassFixture<SurveyBounceHub>
{
    [Fact]
    public async System.Threading.Tasks.Task A_patients_survey_that_bounces_later_goes_to_the_provider_once_however_often_SendGrid_repeats_it()
    {
        var (referralId, _, _) = await hub.AcceptedAsync(Journey.GiveEmail);
        var toPatient = await hub.SurveyEmailAsync(referralId, e => e.To.Contains(Journey.PatientEmail));
        var step = SignedEvents.StepOf(toPatient)!;
        Assert.Equal("survey-baseline-survey", step);
        var bounce = SignedEvents.Body(SignedEvents.Event("bounce", referralId, step));

        Assert.Equal(200, (await SignedEvents.PostAsync(hub, hub.Signer, bounce)).Status);
        Assert.Equal(200, (await SignedEvents.PostAsync(hub, hub.Signer, bounce)).Status);
        Assert.Equal(200, (await SignedEvents.PostAsync(hub, hub.Signer, SignedEvents.Body(SignedEvents.Event("dropped", referralId, step)))).Status);

        var toProvider = await hub.SurveyEmailAsync(referralId, e => e.To.Contains("alpha@providers.example.org"));
        Assert.Equal($"{step}-provider", SignedEvents.StepOf(toProvider));
        Assert.Single(hub.SurveyEmails(referralId), e => SignedEvents.StepOf(e) == $"{step}-provider");
        Assert.Single(hub.SurveyEmails(referralId), e => SignedEvents.StepOf(e) == step);
        // Sent to the patient, then to the provider instead: both in the audit, once each.
        var audit = await hub.AuditWhenAsync(referralId, a => a.Count(e => e.Event == "survey-sent" && e.Outcome == "baseline:survey") == 2);
        Assert.Single(audit, e => e.Event == "email-rejected");
        Assert.DoesNotContain(audit, e => (e.Outcome ?? string.Empty).Contains('@', StringComparison.Ordinal));
    }
}

public sealed class WithdrawnSurveyBounceTests(SurveyBounceHub hub) : IClassFixture<SurveyBounceHub>
{
    [Fact]
    public async System.Threading.Tasks.Task A_patients_survey_that_bounces_after_the_referral_was_withdrawn_goes_to_nobody()
    {
        var (referralId, taskId, _) = await hub.AcceptedAsync(Journey.GiveEmail);
        var toPatient = await hub.SurveyEmailAsync(referralId, e => e.To.Contains(Journey.PatientEmail));
        Assert.Equal(200, (await hub.WithdrawAsync(referralId)).Status);
        await hub.TaskWhenAsync(taskId, t => t.Status == Hl7.Fhir.Model.Task.TaskStatus.Cancelled);

        Assert.Equal(200, (await SignedEvents.PostAsync(hub, hub.Signer, SignedEvents.Body(SignedEvents.Event("bounce", referralId, SignedEvents.StepOf(toPatient))))).Status);

        await hub.SettledAsync();
        Assert.DoesNotContain(hub.SurveyEmails(referralId), e => e.To.Contains("alpha@providers.example.org"));
        Assert.Equal(Hl7.Fhir.Model.Task.TaskStatus.Cancelled, (await hub.TaskAsync(taskId)).Status);
    }
}

[Trait("Category", "Unit")]
public sealed class SurveyEmailKeyTests
{
    [Theory]
    [InlineData("survey-baseline-survey", "baseline", "survey", "patient")]
    [InlineData("survey-follow-up-reminder-2", "follow-up", "reminder-2", "patient")]
    [InlineData("survey-follow-up-survey-provider", "follow-up", "survey", "provider")]
    [InlineData("offer-alpha", null, null, null)]
    [InlineData("survey-follow-up-closed", null, null, null)]
    public void An_email_key_reads_back_as_the_survey_step_and_recipient_it_was_made_from(string key, string? kind, string? step, string? to)
    {
        var found = Hub.FollowUp.SurveyDelivery.FromEmailKey(key);

        Assert.Equal(kind, found?.Delivery.Kind.Spelling());
        Assert.Equal(step, found?.Delivery.Step.Value);
        Assert.Equal(to, found is { } f ? f.To.Spelling() : null);
        if (found is { } made)
        {
            Assert.Equal(key, made.Delivery.EmailKey(made.To));
        }
    }
}

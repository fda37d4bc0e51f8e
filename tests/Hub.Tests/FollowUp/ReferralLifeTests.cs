using Hl7.Fhir.Model;
using Hub.Evidence;
using Hub.FollowUp;
using Hub.Platform.Fhir;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Hub.WriteBack;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.FollowUp;

/// <summary>A referral's whole life, and the ways its follow-up can end: the real function classes and orchestrators on
/// the in-process Durable engine, Azurite, the real SendGrid client into a sink, a practice FHIR server on real HTTP.</summary>
public sealed class ReferralLifeTests(FollowUpHub hub) : IClassFixture<FollowUpHub>
{
    private static CancellationToken Within() => new CancellationTokenSource(TimeSpan.FromSeconds(Eventually.DefaultTimeoutSeconds)).Token;

    [Fact]
    public async System.Threading.Tasks.Task A_referral_lives_from_intake_to_Observations_in_the_GP_record()
    {
        // Intake → chase → accept.
        var (referralId, taskId, reference) = await hub.AcceptedAsync(Journey.GiveEmail);

        // The referral brought no baseline and the patient consented and has an email: a baseline survey goes out at once.
        var baselineEmail = await hub.SurveyEmailAsync(referralId, e => e.Subject!.StartsWith("Before you start", StringComparison.Ordinal));
        Assert.Equal([Journey.PatientEmail], baselineEmail.To);
        Assert.Contains("Dear Richard", baselineEmail.PlainText, StringComparison.Ordinal);
        Assert.DoesNotContain("Smith", baselineEmail.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("9912003888", baselineEmail.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("bereavement", baselineEmail.Body, StringComparison.Ordinal);   // no clinical free text
        Assert.NotNull(SurveyLinks.OptOut(baselineEmail));

        // The practice's server commits the baseline but its answer is lost: the retry must not duplicate anything.
        hub.Practice.LoseAnswers(1);
        var sent = await SurveyLinks.SendAsync(hub, SurveyLinks.Survey(baselineEmail)!, Journey.BaselineAnswers);
        Assert.Contains("Thank you: your answers have been received", sent.Body, StringComparison.Ordinal);

        // The follow-up survey comes after the (shortened) 12 weeks; the server is down for its first two tries.
        var survey = await hub.SurveyEmailAsync(referralId, e => e.Subject!.StartsWith("How are you doing?", StringComparison.Ordinal));
        var form = await SurveyLinks.OpenAsync(hub, SurveyLinks.Survey(survey)!);
        Assert.Contains("Did you take part in the activity you were referred to?", form.Body, StringComparison.Ordinal);
        hub.Practice.GoDown(2);
        var answered = await SurveyLinks.SendAsync(hub, SurveyLinks.Survey(survey)!, Journey.FollowUpAnswers);
        Assert.Contains("Thank you", answered.Body, StringComparison.Ordinal);

        var task = await Eventually.ValueAsync(() => hub.TaskAsync(taskId), t => t.Status == FhirTask.TaskStatus.Completed);
        Assert.Equal("outcome-recorded", task.BusinessStatus.Coding[0].Code);
        Assert.Equal("survey", ((FhirString)task.Output.Single(o => o.Type.Text == "baseline").Value).Value);
        Assert.Equal("complete", ((FhirString)task.Output.Single(o => o.Type.Text == "answers").Value).Value);
        Assert.Equal(2, task.Output.Count(o => o.Type.Text.EndsWith("questionnaire-response", StringComparison.Ordinal)));
        Assert.Equal(22, task.Output.Count(o => o.Type.Text.EndsWith("-observation", StringComparison.Ordinal)));

        // What the GP record received: each resource once, despite the lost answer and the outage.
        Assert.Contains(hub.Practice.Requests, r => r.Answered == 503);
        Assert.All(hub.Practice.Requests, r => Assert.Equal($"Bearer {Journey.PracticeToken}", r.Authorization));
        var responses = hub.Practice.All<QuestionnaireResponse>().Where(r => r.BasedOn.Single().Identifier.Value == reference).ToList();
        Assert.Equal(2, responses.Count);
        var observations = hub.Practice.All<Observation>().Where(o => o.BasedOn.Single().Identifier.Value == reference).ToList();
        Assert.Equal(22, observations.Count);
        Assert.Equal(observations.Count, observations.Select(o => o.Identifier.Single().Value).Distinct().Count());
        var followUpResponse = responses.Single(r => r.Questionnaire!.Contains("sp-follow-up", StringComparison.Ordinal));
        Assert.Equal("9912003888", followUpResponse.Subject.Identifier.Value);
        Assert.Equal(FhirCodes.NhsNumberSystem, followUpResponse.Source.Identifier.System);

        // Coded as the design asks: ONS4 items separately, the UCLA-3 total, LOINC where it exists.
        Observation Measure(string code) => observations.Single(o => o.Code.Coding.Any(c => c.Code == code) && o.DerivedFrom.Single().Reference == $"QuestionnaireResponse/{followUpResponse.Id}");
        Assert.Equal(7, ((Integer)Measure("ons4-life-satisfaction").Value).Value);
        Assert.Equal(3, ((Integer)Measure("ons4-anxiety").Value).Value);
        Assert.Equal(2 + 1 + 2, ((Integer)Measure("ucla3-total").Value).Value);
        Assert.Contains(Measure("ucla3-isolated").Code.Coding, c => c.System == "http://loinc.org" && c.Code == "66867-3");
        Assert.True(((FhirBoolean)Measure("attended").Value).Value);
        Assert.Equal(ObservationStatus.Final, Measure("sessions-attended").Status);
        Assert.Equal("survey", Measure("gp-appointments-3m").Category.Single().Coding.Single().Code);

        // The hub's own FHIR API serves the same, to this practice only.
        var key = await hub.KeyForAsync("life-practice", ReferralExamples.Practice);
        var search = await TestHub.CallAsync(HttpCall.Request("GET", "/api/fhir/Observation", apiKey: key, query: $"?based-on=ServiceRequest/{referralId}"),
            r => hub.Function<OutcomeReadHttp>().SearchObservation(r));
        Assert.Equal(22, search.As<Bundle>().Total);
        var outsider = await hub.KeyForAsync("other-practice", "B82002");
        var hidden = await TestHub.CallAsync(HttpCall.Request("GET", "/api/fhir/QuestionnaireResponse", apiKey: outsider, query: $"?based-on=ServiceRequest/{referralId}"),
            r => hub.Function<OutcomeReadHttp>().SearchQuestionnaireResponse(r));
        Assert.Equal(0, hidden.As<Bundle>().Total);
        var outputRef = ((ResourceReference)task.Output.First(o => o.Type.Text == "follow-up-questionnaire-response").Value).Reference!;
        var read = await TestHub.CallAsync(HttpCall.Request("GET", $"/api/fhir/{outputRef}", apiKey: key),
            r => hub.Function<OutcomeReadHttp>().ReadQuestionnaireResponse(r, outputRef.Split('/')[1]));
        Assert.Equal(200, read.Status);

        // A second submission with the same link says so, and changes nothing.
        var again = await SurveyLinks.OpenAsync(hub, SurveyLinks.Survey(survey)!);
        Assert.Contains("your answers have been received", again.Body, StringComparison.Ordinal);
        var stored = await hub.ResponseAsync(referralId, "follow-up");
        Assert.Equal("written", stored!.WriteBack.Spelling());
        Assert.Equal(7m, stored.Measures["ons4-life-satisfaction"]);

        // The evidence reads the whole journey back from the audit trail and the stored answers (the follow-up's end is
        // recorded after the Task it completes).
        await hub.AuditWithAsync(referralId, "follow-up-ended");
        var row = await hub.EvidenceRowAsync(referralId);
        Assert.Equal((ReferralExamples.Practice, ChaseResult.Accepted, FollowUpResult.Answered, true, true),
            (row.PracticeOds, row.Chase, row.FollowUpResult, row.FollowUpSent, row.Attended));
        Assert.Equal((4d, 7d), (row.Baseline["ons4-life-satisfaction"], row.FollowUp["ons4-life-satisfaction"]));
        Assert.Equal((7d, 3d), (row.Baseline["ons4-anxiety"], row.FollowUp["ons4-anxiety"]));
        Assert.Equal(6d, row.FollowUp["sessions-attended"]);
    }

    [Fact]
    public async System.Threading.Tasks.Task Without_an_email_address_the_provider_is_asked_and_silence_is_recorded_as_no_response()
    {
        // The GP system sent a baseline (an ONS4 Observation); the patient has no email address.
        var (referralId, taskId, _) = await hub.AcceptedAsync(bundle => bundle.Entry.Add(new Bundle.EntryComponent
        {
            FullUrl = $"urn:uuid:{Guid.NewGuid()}",
            Resource = new Observation
            {
                Status = ObservationStatus.Final,
                Code = new CodeableConcept($"{FhirCodes.HubBase}/CodeSystem/sp-outcome-measures", "ons4-life-satisfaction"),
                Value = new Integer(3),
            },
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Observation" },
        }));

        var task = await Eventually.ValueAsync(() => hub.TaskAsync(taskId), t => t.Status == FhirTask.TaskStatus.Completed);
        Assert.Equal("no-response", task.BusinessStatus.Coding[0].Code);
        Assert.Equal("with-referral", ((FhirString)task.Output.Single(o => o.Type.Text == "baseline").Value).Value);
        var emails = hub.SurveyEmails(referralId);
        Assert.Equal(3, emails.Count);   // the survey and two reminders, no baseline survey
        Assert.All(emails, e => Assert.Equal(["alpha@providers.example.org"], e.To));
        Assert.Contains("Please go through the follow-up questions with Richard", emails[0].Subject, StringComparison.Ordinal);
        var form = await SurveyLinks.OpenAsync(hub, SurveyLinks.Survey(emails[0])!);
        Assert.Equal(410, form.Status);   // the window has closed
        Assert.Contains("These questions have closed", form.Body, StringComparison.Ordinal);
        var baseline = await hub.ResponseAsync(referralId, "baseline");
        Assert.Equal("with-referral", baseline!.Source.Spelling());
        Assert.Equal(3m, baseline.Measures["ons4-life-satisfaction"]);
        Assert.False(baseline.Complete);
        await hub.AuditWithAsync(referralId, "follow-up-ended");
        var row = await hub.EvidenceRowAsync(referralId);
        Assert.Equal((FollowUpResult.NoResponse, true, (bool?)null), (row.FollowUpResult, row.FollowUpSent, row.Attended));
        Assert.Equal(3d, row.Baseline["ons4-life-satisfaction"]);
        Assert.Empty(row.FollowUp);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_patient_who_opts_out_is_never_contacted_again()
    {
        var (referralId, taskId, _) = await hub.AcceptedAsync(Journey.GiveEmail);
        var baselineEmail = await hub.SurveyEmailAsync(referralId, _ => true);

        var confirm = await SurveyLinks.OpenAsync(hub, SurveyLinks.OptOut(baselineEmail)!);
        Assert.Contains("Stop follow-up emails?", confirm.Body, StringComparison.Ordinal);
        var stopped = await SurveyLinks.SendAsync(hub, SurveyLinks.OptOut(baselineEmail)!);
        Assert.Contains("You will not be contacted again", stopped.Body, StringComparison.Ordinal);

        var task = await Eventually.ValueAsync(() => hub.TaskAsync(taskId), t => t.Status == FhirTask.TaskStatus.Completed);
        Assert.Equal("opted-out", task.BusinessStatus.Coding[0].Code);
        // The follow-up has ended: from here nothing can send a survey (had it gone on, it would have sent one 5 s in).
        var ended = await hub.Durable.WaitForInstanceCompletionAsync(FollowUpOrchestration.InstanceId(referralId), getInputsAndOutputs: true, Within());
        Assert.Equal("opted-out", ended.ReadOutputAs<string>());
        Assert.Single(hub.SurveyEmails(referralId));
        var survey = await SurveyLinks.OpenAsync(hub, SurveyLinks.Survey(baselineEmail)!);
        Assert.Contains("You will not be contacted again", survey.Body, StringComparison.Ordinal);
        Assert.Contains(await hub.Get<AuditTrail>().ReadAsync(referralId), a => a.Event == "opted-out" && a.Actor == "patient");
        // In the evidence: opted out before the follow-up survey, so never "followed up".
        var row = await hub.EvidenceRowAsync(referralId);
        Assert.Equal((FollowUpResult.OptedOut, false), (row.FollowUpResult, row.FollowUpSent));
    }

    [Fact]
    public async System.Threading.Tasks.Task Withdrawn_during_the_follow_up_the_Task_is_cancelled_and_the_provider_told()
    {
        var (referralId, taskId, _) = await hub.AcceptedAsync();
        await Eventually.ValueAsync(() => hub.Get<FollowUpStore>().GetAsync(referralId), s => s is not null);

        var withdrawn = await hub.WithdrawAsync(referralId);
        Assert.Equal(200, withdrawn.Status);

        var task = await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.Cancelled);
        Assert.Equal("withdrawn", task.BusinessStatus.Coding[0].Code);
        var row = await Eventually.ValueAsync(() => hub.EvidenceRowAsync(referralId),
            r => r.FollowUpResult == FollowUpResult.Withdrawn);
        Assert.Equal((ChaseResult.Accepted, FollowUpResult.Withdrawn), (row.Chase, row.FollowUpResult));
        await hub.Mail.WaitForEmailAsync(e => e.To.Contains("alpha@providers.example.org") && e.Subject == "Referral withdrawn: Befriending");
        var followUp = await hub.Durable.WaitForInstanceCompletionAsync(FollowUpOrchestration.InstanceId(referralId), getInputsAndOutputs: true, Within());
        Assert.Equal("withdrawn", followUp.ReadOutputAs<string>());
        Assert.Empty(hub.SurveyEmails(referralId));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_write_back_the_practice_refuses_is_parked_with_its_reason_until_an_operator_retries()
    {
        var (referralId, taskId, reference) = await hub.AcceptedAsync();
        var survey = await hub.SurveyEmailAsync(referralId, _ => true);
        hub.Practice.Refuse(true);
        try
        {
            // The provider goes through it with the patient, who skips some questions: partial answers are kept as such.
            var partial = Journey.FollowUpAnswers.Where(a => !a.Item1.StartsWith("ucla3", StringComparison.Ordinal)).ToArray();
            await SurveyLinks.SendAsync(hub, SurveyLinks.Survey(survey)!, partial);

            var parked = await hub.TaskWhenAsync(taskId, t => t.BusinessStatus?.Coding[0].Code == "write-back-parked");
            // The Task is written inside the parking activity; the operator's retry needs the follow-up to be waiting.
            await Eventually.StepAsync(hub.Durable, FollowUpOrchestration.InstanceId(referralId), "write-back-parked");
            Assert.Equal(FhirTask.TaskStatus.InProgress, parked.Status);
            Assert.True(parked.StatusReason.Text.Contains("not registered at this practice", StringComparison.Ordinal), parked.StatusReason.Text);
            Assert.Equal("parked", (await hub.ResponseAsync(referralId, "follow-up"))!.WriteBack.Spelling());
        }
        finally
        {
            hub.Practice.Refuse(false);
        }

        var retry = await TestHub.CallAsync(HttpCall.Request("POST", $"/api/manage/write-backs/{referralId}/retry"), r => hub.Function<WriteBackRetryHttp>().Retry(r, referralId, hub.Durable));
        Assert.Equal(202, retry.Status);

        var task = await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.Completed);
        Assert.Equal("outcome-recorded", task.BusinessStatus.Coding[0].Code);
        Assert.Equal("partial", ((FhirString)task.Output.Single(o => o.Type.Text == "answers").Value).Value);
        Assert.Equal("none", ((FhirString)task.Output.Single(o => o.Type.Text == "baseline").Value).Value);
        Assert.DoesNotContain(hub.Practice.All<Observation>(), o => o.BasedOn.Single().Identifier.Value == reference && o.Code.Coding.Any(c => c.Code == "ucla3-total"));
        var response = await hub.ResponseAsync(referralId, "follow-up");
        Assert.Equal("provider", response!.Source.Spelling());
        Assert.False(response.Complete);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_practice_endpoint_down_for_the_whole_retry_period_parks_the_write_back_and_the_Task_says_so()
    {
        var (referralId, taskId, reference) = await hub.AcceptedAsync();
        var survey = await hub.SurveyEmailAsync(referralId, _ => true);
        hub.Practice.GoDown(1000);
        try
        {
            await SurveyLinks.SendAsync(hub, SurveyLinks.Survey(survey)!, Journey.FollowUpAnswers);
            var parked = await hub.TaskWhenAsync(taskId, t => t.BusinessStatus?.Coding[0].Code == "write-back-parked");
            // The Task is written inside the parking activity; the operator's retry needs the follow-up to be waiting.
            await Eventually.StepAsync(hub.Durable, FollowUpOrchestration.InstanceId(referralId), "write-back-parked");
            Assert.Contains("could not be reached", parked.StatusReason.Text, StringComparison.Ordinal);
            Assert.Contains("503", parked.StatusReason.Text, StringComparison.Ordinal);
            Assert.True(hub.Practice.Requests.Count(r => r.Answered == 503) >= 2);   // retried before parking
        }
        finally
        {
            hub.Practice.GoDown(0);
        }

        Assert.Equal(202, (await TestHub.CallAsync(HttpCall.Request("POST", $"/api/manage/write-backs/{referralId}/retry"), r => hub.Function<WriteBackRetryHttp>().Retry(r, referralId, hub.Durable))).Status);
        await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.Completed);
        Assert.Contains(hub.Practice.All<QuestionnaireResponse>(), r => r.BasedOn.Single().Identifier.Value == reference);
    }
}

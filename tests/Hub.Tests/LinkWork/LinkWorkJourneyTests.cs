using Hl7.Fhir.Model;
using Hub.Chase;
using Hub.FollowUp;
using Hub.LinkWork;
using Hub.Platform.Fhir;
using Hub.Providers;
using Hub.Tests.Infrastructure;
using Hub.WriteBack;
using static Hub.Tests.LinkWork.EpisodeJourney;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.LinkWork;

/// <summary>A hub where practice A81001's referrals with no activity go to its own link-worker service, with a practice
/// FHIR server for write-back, and a chase slow enough for people to answer.</summary>
public sealed class LinkWorkJourneyHub : TestHub
{
    public const string LinkWorkers = "journey-link-workers";

    protected override void Setup(HubSetup hub) => hub.FastChase().WithPracticeFhirServer()
        .Set($"Providers:LinkWorkerServices:{ReferralExamples.Practice}", LinkWorkers)
        .Set("Chase:Reminders:0", "00:02:00")
        .Set("Chase:Reminders:1", "00:02:30")
        .Set("Chase:EscalateAfter", "00:03:00")
        .Set("Links:Lifetime", "00:30:00")
        .Set("WriteBack:ProgressFirstRetryAfter", "00:00:00.500")
        .Set("WriteBack:ProgressLongestRetryAfter", "00:00:01");
}

/// <summary>The link worker's whole journey on the in-process engine, the proof of issue 16: a GP referral naming no
/// activity goes to the practice's link-worker service, which accepts from its email, records contacts, what matters, a
/// plan with two goals and an assessment, connects the person onward twice (one connection declined and rerouted, then
/// accepted; the other accepted and its first session reported), is reminded of the review, and discharges; the GP's
/// Task carries the message back and the GP record gets it all as coded entries.</summary>
public sealed class LinkWorkJourneyTests(LinkWorkJourneyHub hub) : IClassFixture<LinkWorkJourneyHub>
{
    private const string LinkWorkers = LinkWorkJourneyHub.LinkWorkers;
    private const string GardenA = "journey-allotment-friends";
    private const string GardenB = "journey-blossom-growers";
    private const string Arts = "journey-canvas-arts";

    private async System.Threading.Tasks.Task SeedAsync()
    {
        var directory = hub.Get<ProviderDirectory>();
        await directory.SaveAsync(new Provider { Id = LinkWorkers, Name = "Journey Link Workers", Emails = [$"{LinkWorkers}@providers.example.org"], Categories = [ActivityCategories.LinkWorker] });
        await directory.SaveAsync(new Provider { Id = GardenA, Name = "Allotment Friends", Emails = [$"{GardenA}@providers.example.org"], Categories = [ActivityCategories.Gardening] });
        await directory.SaveAsync(new Provider { Id = GardenB, Name = "Blossom Growers", Emails = [$"{GardenB}@providers.example.org"], Categories = [ActivityCategories.Gardening] });
        await directory.SaveAsync(new Provider { Id = Arts, Name = "Canvas Arts", Emails = [$"{Arts}@providers.example.org"], Categories = [ActivityCategories.Arts] });
    }

    private static ServiceRequest Connection(string parentId, string activity, string? performer = null)
    {
        var sr = new ServiceRequest
        {
            Identifier = [new Identifier("https://link-worker-system.example.org/Id/connection", $"journey-{Guid.NewGuid():N}")],
            Status = RequestStatus.Active,
            Intent = RequestIntent.Order,
            Category = [new CodeableConcept(FhirCodes.Snomed, FhirCodes.ReferralToSocialPrescribing, "Referral to social prescribing service")],
            Code = new CodeableConcept(ActivityCategories.System, activity, ActivityCategories.Display(activity)) { Text = ActivityCategories.Display(activity) },
            BasedOn = [new ResourceReference($"ServiceRequest/{parentId}")],
            Subject = new ResourceReference { Identifier = new Identifier(FhirCodes.NhsNumberSystem, ReferralExamples.ValidNhsNumber), Type = "Patient" },
            AuthoredOn = "2026-12-01T10:00:00+00:00",
        };
        if (performer is not null)
        {
            sr.Performer = [new ResourceReference($"HealthcareService/{performer}")];
        }

        return sr;
    }

    /// <summary>The accepting provider reports progress on the handover page its accept link opens.</summary>
    private async System.Threading.Tasks.Task ReportAsync(string link, params (string Name, string Value)[] fields) =>
        Assert.Equal(200, (await ProviderLinks.ReportProgressAsync(hub, link, fields)).Answer.Status);

    private static string? Output(FhirTask task, string type) => task.Output.SingleOrDefault(o => o.Type.Text == type)?.Value switch
    {
        UnsignedInt n => n.Value?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        CodeableConcept c => c.Coding[0].Code,
        ResourceReference r => r.Reference,
        FhirString s => s.Value,
        _ => null,
    };

    private List<Observation> Discharge(string referralId) =>
        [.. hub.Practice.All<Observation>().Where(o => o.Identifier.Any(i => i.System == EpisodeGpEntries.IdSystem && i.Value.StartsWith(referralId, StringComparison.Ordinal)))];

    [Fact]
    public async System.Threading.Tasks.Task A_referral_with_no_activity_goes_through_the_link_worker_two_connections_review_and_discharge_back_to_the_GP()
    {
        await SeedAsync();

        // 1. The GP refers for social prescribing, naming no activity: the practice's link-worker service is offered it.
        var (referralId, taskId, _) = await hub.ReferAsync(bundle =>
        {
            var sr = bundle.Entry.Select(e => e.Resource).OfType<ServiceRequest>().Single();
            sr.Code = null;
            sr.ReasonCode = [new CodeableConcept { Text = "Feeling low since retiring." }];
            sr.Note.Clear();
        });
        var accept = ProviderLinks.Find(await hub.OfferAsync(LinkWorkers, referralId), "Accept")!;
        Assert.Empty(hub.EmailsTo("alpha", referralId));

        // 2. The service accepts from its email; the confirmation leads to the episode.
        var confirmed = await hub.ConfirmAsync(accept);
        Assert.Contains("Referral accepted", confirmed.Body, StringComparison.Ordinal);
        Assert.Contains("/api/provider/episode?t=", confirmed.Body, StringComparison.Ordinal);
        await hub.AuditWithAsync(referralId, "accepted");
        await hub.TaskWhenAsync(taskId, t => t.Status is FhirTask.TaskStatus.Accepted or FhirTask.TaskStatus.InProgress && t.Owner?.Reference == $"HealthcareService/{LinkWorkers}");
        await Eventually.ValueAsync(() => OpenAsync(hub, accept), p => p.Status == 200, what: "the episode page to open");

        // 3. The episode: a contact, what matters, a need, two goals with an action, a review date; an ONS4 assessment.
        await RecordPlanAsync(hub, accept);
        var day = Yesterday;
        Assert.Equal(200, (await RecordAsync(hub, accept, "assessment", ("assessment-day", $"{day.Day}"), ("assessment-month", $"{day.Month}"), ("assessment-year", $"{day.Year}"),
            ("assessment-ons4-1", "5"), ("assessment-ons4-2", "6"), ("assessment-ons4-3", "4"), ("assessment-ons4-4", "6"))).Answer.Status);

        // 4. Two onward connections through the service's provider key: gardening by activity, arts by name.
        var key = await hub.ProviderKeyAsync(LinkWorkers);
        var gardening = await hub.PostAsync(IntakeClient.ServiceRequestPath, ReferralExamples.Json(Connection(referralId, ActivityCategories.Gardening)), FhirMediaTypes.Json, key);
        Assert.True(gardening.Created, gardening.ToString());
        var arts = await hub.PostAsync(IntakeClient.ServiceRequestPath, ReferralExamples.Json(Connection(referralId, ActivityCategories.Arts, Arts)), FhirMediaTypes.Json, key);
        Assert.True(arts.Created, arts.ToString());
        var (gardenId, gardenTaskId) = (gardening.Referral.Id!, gardening.Headers["X-Task-Id"].ToString());
        var (artsId, artsTaskId) = (arts.Referral.Id!, arts.Headers["X-Task-Id"].ToString());

        // Gardening: the first provider declines, the hub reroutes to the next, which accepts.
        Assert.Contains("Referral declined", (await hub.ConfirmAsync(ProviderLinks.Find(await hub.OfferAsync(GardenA, gardenId), "Decline")!, ("reason", "no-capacity"))).Body, StringComparison.Ordinal);
        Assert.Contains("Referral accepted", (await hub.ConfirmAsync(ProviderLinks.Find(await hub.OfferAsync(GardenB, gardenId), "Accept")!)).Body, StringComparison.Ordinal);
        // Arts: accepted, then the person's first session reported.
        var artsAccept = ProviderLinks.Find(await hub.OfferAsync(Arts, artsId), "Accept")!;
        Assert.Contains("Referral accepted", (await hub.ConfirmAsync(artsAccept)).Body, StringComparison.Ordinal);
        await hub.AuditWithAsync(artsId, "accepted");
        await ReportAsync(artsAccept, ("report", "first-session"), ("day", $"{day.Day}"), ("month", $"{day.Month}"), ("year", $"{day.Year}"));
        await hub.TaskWhenAsync(gardenTaskId, t => t.Status == FhirTask.TaskStatus.Accepted && t.Owner?.Reference == $"HealthcareService/{GardenB}" && t.PartOf.Single().Reference == $"Task/{taskId}");
        await hub.TaskWhenAsync(artsTaskId, t => t.Status == FhirTask.TaskStatus.InProgress && t.Owner?.Reference == $"HealthcareService/{Arts}");

        // 5. The review falls due: the service is reminded once, with a link to the episode.
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        Assert.Equal(200, (await RecordAsync(hub, accept, "review-date", ("review-day", $"{today.Day}"), ("review-month", $"{today.Month}"), ("review-year", $"{today.Year}"))).Answer.Status);
        Assert.Equal(1, await hub.Get<EpisodeReviews>().RunAsync());
        var reminder = Assert.Single(hub.Mail.Emails, e => e.To.Contains($"{LinkWorkers}@providers.example.org") && e.Subject?.StartsWith("A plan review is due", StringComparison.Ordinal) == true);
        Assert.Contains("/api/provider/episode?t=", reminder.PlainText, StringComparison.Ordinal);
        Assert.DoesNotContain("Richard", reminder.PlainText, StringComparison.Ordinal);

        // 6. Discharge: one goal achieved, the episode closed with goals met.
        await RecordAsync(hub, accept, "goal-progress", ("progress-goal", "1"), ("progress", "achieved"));
        Assert.Equal(200, (await RecordAsync(hub, accept, "close", ("close-reason", "goals-met"))).Answer.Status);

        // 7. The GP's Task: completed, with the message back.
        var task = await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.Completed);
        Assert.Equal(("goals-met", $"CarePlan/{referralId}", "1", "45"), (Output(task, "episode-close-reason"), Output(task, "care-plan"), Output(task, "episode-contacts"), Output(task, "episode-contact-minutes")));
        Assert.Equal(["achieved", "in-progress"], task.Output.Where(o => o.Type.Text == "plan-goal").Select(o => ((CodeableConcept)o.Value).Coding[0].Code));
        Assert.Equal($"QuestionnaireResponse/{referralId}-lw1", Output(task, "episode-assessment"));
        Assert.Contains("allotment", Output(task, "episode-summary"), StringComparison.Ordinal);
        FhirValidation.AssertValid(FhirValidation.NewValidator(), task);

        // 8. The GP record: the discharge with what was offered and taken up, the goals, each connection, the assessment.
        var written = await Eventually.ValueAsync(async () =>
        {
            await hub.Get<EpisodeWriteBacks>().RunAsync();
            return Discharge(referralId);
        }, w => w.Count >= 5, what: $"the discharge of {referralId} in the GP record");
        var closed = written.Single(o => o.Code.Coding[0].Code == "episode-closed");
        int Count(string code) => ((Integer)closed.Component.Single(c => c.Code.Coding[0].Code == code).Value).Value!.Value;
        Assert.Equal("goals-met", ((CodeableConcept)closed.Value).Coding[0].Code);
        Assert.Equal((1, 2, 1, 1, 0), (Count("contacts"), Count("connections-offered"), Count("connections-taken-up"), Count("plan-actions"), Count("plan-actions-done")));
        Assert.Contains("allotment", closed.Note.Single().Text, StringComparison.Ordinal);
        Assert.Equal(2, written.Count(o => o.Code.Coding[0].Code == "plan-goal"));
        var connections = written.Where(o => o.Code.Coding[0].Code == "onward-connection")
            .ToDictionary(o => o.Identifier[0].Value[(referralId.Length + "-discharge-connection-".Length)..], o => ((CodeableConcept)o.Value).Coding[0].Code!);
        Assert.Equal(new Dictionary<string, string> { [artsId] = "taken-up", [gardenId] = "accepted" }, connections);
        Assert.Equal(4, hub.Practice.All<Observation>().Count(o => o.Identifier.Any(i => i.System == OutcomeResources.OutcomeIdSystem && i.Value.StartsWith($"{referralId}-lw1-", StringComparison.Ordinal))));
        Assert.Equal(WriteBackState.Written, (await hub.Get<EpisodeWriteBacks>().StateAsync(referralId))!.Value.State);

        // The link worker's own end reached the record too (the progress point), and the connection's first session.
        await Eventually.ValueAsync(async () =>
        {
            await hub.Get<GpProgressWrites>().RunAsync();
            return (await hub.Get<GpProgressWrites>().StateAsync(referralId, GpProgressPoint.Finished), await hub.Get<GpProgressWrites>().StateAsync(artsId, GpProgressPoint.Started));
        }, s => s == (WriteBackState.Written, WriteBackState.Written), what: "the finished and started points in the GP record");
        Assert.Empty(Discharge(gardenId));
    }
}

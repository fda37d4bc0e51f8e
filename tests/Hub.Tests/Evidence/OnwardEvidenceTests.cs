using Hl7.Fhir.Model;
using Hub.Chase;
using Hub.Evidence;
using Hub.Intake;
using Hub.Platform.Fhir;
using Hub.Providers;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Hub.Tests.LinkWork;

namespace Hub.Tests.Evidence;

/// <summary>An onward connection is the same person again: the practice's evidence counts one referral with its
/// connections (made, and taken up by a provider), and only the provider a connection went to sees it as its referral.</summary>
public sealed class OnwardEvidenceTests(OnwardHub hub) : IClassFixture<OnwardHub>
{
    private const string LinkWorkers = "evidence-link-workers";
    private const string Garden = "evidence-allotments";
    private const string Arts = "evidence-canvas-arts";

    [Fact]
    public async System.Threading.Tasks.Task A_link_workers_connections_are_counted_on_the_persons_one_referral_not_as_new_referrals()
    {
        var directory = hub.Get<ProviderDirectory>();
        await directory.SaveAsync(new Provider { Id = LinkWorkers, Name = "Evidence Link Workers", Emails = [$"{LinkWorkers}@providers.example.org"], Categories = [ActivityCategories.LinkWorker] });
        await directory.SaveAsync(new Provider { Id = Garden, Name = "Evidence Allotments", Emails = [$"{Garden}@providers.example.org"], Categories = [ActivityCategories.Gardening] });
        await directory.SaveAsync(new Provider { Id = Arts, Name = "Evidence Canvas Arts", Emails = [$"{Arts}@providers.example.org"], Categories = [ActivityCategories.Arts] });
        var (parentId, _, _) = await hub.ReferAsync(bundle =>
        {
            Journey.GiveEmail(bundle);
            bundle.Entry.Select(e => e.Resource).OfType<ServiceRequest>().Single().Performer =
                [new ResourceReference { Identifier = new Identifier(ActivityCategories.ProviderIdSystem, LinkWorkers), Type = "HealthcareService" }];
        });
        var episodeLink = ProviderLinks.Find(await hub.OfferAsync(LinkWorkers, parentId), "Accept")!;
        Assert.Contains("Referral accepted", (await hub.ConfirmAsync(episodeLink)).Body, StringComparison.Ordinal);
        await hub.AuditWithAsync(parentId, "accepted");

        // The link worker's episode: one contact yesterday, one goal.
        await Eventually.ValueAsync(() => EpisodeJourney.OpenAsync(hub, episodeLink), p => p.Status == 200, what: "the episode to open");
        var day = EpisodeJourney.Yesterday;
        Assert.Equal(200, (await EpisodeJourney.RecordAsync(hub, episodeLink, "contact", ("contact-day", $"{day.Day}"), ("contact-month", $"{day.Month}"), ("contact-year", $"{day.Year}"),
            ("contact-mode", "phone"), ("contact-minutes", "20"))).Answer.Status);
        Assert.Equal(200, (await EpisodeJourney.RecordAsync(hub, episodeLink, "goal", ("goal-text", "Meet people weekly"), ("goal-importance", "9"), ("goal-confidence", "4"))).Answer.Status);
        // The link worker's own wellbeing assessments, twice: life satisfaction 4 then 6.
        Assert.Equal(200, (await EpisodeJourney.RecordAsync(hub, episodeLink, "assessment", Ons4(day, 4, 5, 6, 7))).Answer.Status);
        Assert.Equal(200, (await EpisodeJourney.RecordAsync(hub, episodeLink, "assessment", Ons4(day, 6, 6, 7, 5))).Answer.Status);

        // Two connections: arts, accepted; gardening, still with its provider.
        var key = await hub.ProviderKeyAsync(LinkWorkers);
        var arts = await ConnectAsync(key, parentId, ActivityCategories.Arts, Arts);
        var garden = await ConnectAsync(key, parentId, ActivityCategories.Gardening, Garden);
        var artsLink = ProviderLinks.Find(await hub.OfferAsync(Arts, arts), "Accept")!;
        Assert.Contains("Referral accepted", (await hub.ConfirmAsync(artsLink)).Body, StringComparison.Ordinal);
        await hub.AuditWithAsync(arts, "accepted");
        // The arts provider reports the person at a first session, then three sessions so far.
        await ReportProgressAsync(artsLink, ("report", "first-session"), ("day", $"{day.Day}"), ("month", $"{day.Month}"), ("year", $"{day.Year}"));
        await ReportProgressAsync(artsLink, ("report", "sessions"), ("sessions", "3"));
        var gardenOffer = await hub.OfferAsync(Garden, garden);

        var update = hub.Get<EvidenceUpdate>();
        await update.UpdateAsync();
        var practice = await PracticeAsync();
        Assert.Equal(1, practice.Referred);
        Assert.Equal(1, practice.Accepted);
        Assert.Equal((2, 1, 1), (practice.Connections, practice.ConnectionsTakenUp, practice.PeopleConnected));
        // The link worker's figures: one person, one contact (the day before acceptance counts as day 0), one goal, two connections.
        Assert.Equal((1, 1, 1, 0), (practice.LinkWorkPeople, practice.Contacts, practice.GoalsSet, practice.GoalsMet));
        Assert.Equal(new Dictionary<double, int> { [0] = 1 }, practice.DaysToFirstContact);
        Assert.Equal((2, 1, 1), (practice.LinkWorkConnections, practice.LinkWorkConnectionsTakenUp, practice.LinkWorkPeopleConnected));
        // The connection the activity reported the person at; the link worker's assessments, first to last (+2).
        Assert.Equal((1, 1), (practice.LinkWorkConnectionsStarted, practice.LinkWorkPeopleAssessed));
        var assessed = practice.Assessments["ons4-life-satisfaction"];
        Assert.Equal(1, assessed.Paired);
        Assert.Equal(new Dictionary<double, int> { [2] = 1 }, assessed.Differences);
        Assert.Equal(new HashSet<string> { "ons4-life-satisfaction", "ons4-worthwhile", "ons4-happiness", "ons4-anxiety" }, practice.Assessments.Keys.ToHashSet());
        var linkWorkerView = await hub.Get<EvidenceCellStore>().MergeAsync([ReferralExamples.Practice], null, null, LinkWorkers);
        Assert.Equal((1, 1, 2), (linkWorkerView.LinkWorkPeople, linkWorkerView.Contacts, linkWorkerView.LinkWorkConnections));
        var rows = hub.Get<EvidenceRowStore>();
        Assert.Equal(parentId, (await rows.GetAsync(ReferralExamples.Practice, arts)).Row?.ParentReferralId);
        // The arts provider sees the connection as its own accepted referral.
        var artsView = await hub.Get<EvidenceCellStore>().MergeAsync([ReferralExamples.Practice], null, null, Arts);
        Assert.Equal((1, 1), (artsView.Referred, artsView.Accepted));
        // What the arts provider reported is its own engagement figure, and its row keeps it.
        Assert.Equal((1, 1), (artsView.ProviderReported, artsView.ProviderAttended));
        Assert.Equal(new Dictionary<double, int> { [3] = 1 }, artsView.SessionsReported);
        Assert.Equal((day, 3), ((await rows.GetAsync(ReferralExamples.Practice, arts)).Row!.Engagement!.FirstSessionAttended, (await rows.GetAsync(ReferralExamples.Practice, arts)).Row!.Engagement!.Sessions));

        // The gardening provider accepts later: the next update reads the parent again, and a rebuild agrees.
        Assert.Contains("Referral accepted", (await hub.ConfirmAsync(ProviderLinks.Find(gardenOffer, "Accept")!)).Body, StringComparison.Ordinal);
        await hub.AuditWithAsync(garden, "accepted");
        await update.UpdateAsync();
        practice = await PracticeAsync();
        Assert.Equal((1, 2, 2), (practice.Referred, practice.Connections, practice.ConnectionsTakenUp));
        await update.RebuildAsync();
        practice = await PracticeAsync();
        Assert.Equal((1, 2, 2, 1, 1), (practice.Referred, practice.Connections, practice.ConnectionsTakenUp, practice.Contacts, practice.LinkWorkPeople));
        Assert.Equal((1, 1, 1), (practice.LinkWorkConnectionsStarted, practice.LinkWorkPeopleAssessed, practice.Assessments["ons4-life-satisfaction"].Paired));
        artsView = await hub.Get<EvidenceCellStore>().MergeAsync([ReferralExamples.Practice], null, null, Arts);
        Assert.Equal(1, artsView.ProviderAttended);
        Assert.Equal(new Dictionary<double, int> { [3] = 1 }, artsView.SessionsReported);
    }

    private static (string, string)[] Ons4(DateOnly date, int satisfied, int worthwhile, int happy, int anxious) =>
    [
        ("assessment-day", $"{date.Day}"), ("assessment-month", $"{date.Month}"), ("assessment-year", $"{date.Year}"),
        ("assessment-ons4-1", $"{satisfied}"), ("assessment-ons4-2", $"{worthwhile}"), ("assessment-ons4-3", $"{happy}"), ("assessment-ons4-4", $"{anxious}"),
    ];

    /// <summary>A progress report on the accepting provider's handover page, as its form sends it.</summary>
    private async System.Threading.Tasks.Task ReportProgressAsync(string link, params (string Name, string Value)[] fields)
    {
        var (page, cookie, csrf) = await ProviderLinks.OpenFormAsync(hub, link);
        Assert.Equal(200, page.Status);
        var sequence = System.Text.RegularExpressions.Regex.Match(page.Body, "name=\"n\" value=\"(\\d+)\"").Groups[1].Value;
        var form = string.Join('&', fields.Append(("t", ProviderLinks.Token(link))).Append(("n", sequence)).Append(("csrf", csrf)).Select(f => $"{f.Item1}={Uri.EscapeDataString(f.Item2)}"));
        var request = HttpCall.Request("POST", "/api/provider/progress", TestHub.Utf8(form), "application/x-www-form-urlencoded");
        request.Headers.Cookie = cookie;
        var answer = await TestHub.CallAsync(request, r => hub.Function<ProviderProgressHttp>().Report(r));
        Assert.Equal(200, answer.Status);
    }

    private Task<EvidenceCell> PracticeAsync() => hub.Get<EvidenceCellStore>().MergeAsync([ReferralExamples.Practice], null, null);

    private async Task<string> ConnectAsync(string key, string parentId, string activity, string performer)
    {
        var sr = new ServiceRequest
        {
            Identifier = [new Identifier("https://link-worker-system.example.org/Id/connection", $"{activity}-{Guid.NewGuid():N}")],
            Status = RequestStatus.Active,
            Intent = RequestIntent.Order,
            Category = [new CodeableConcept(FhirCodes.Snomed, FhirCodes.ReferralToSocialPrescribing, "Referral to social prescribing service")],
            Code = new CodeableConcept(ActivityCategories.System, activity, ActivityCategories.Display(activity)) { Text = ActivityCategories.Display(activity) },
            BasedOn = [new ResourceReference($"ServiceRequest/{parentId}")],
            Subject = new ResourceReference { Identifier = new Identifier(FhirCodes.NhsNumberSystem, ReferralExamples.ValidNhsNumber), Type = "Patient" },
            AuthoredOn = "2026-12-01T10:00:00+00:00",
            Performer = [new ResourceReference($"HealthcareService/{performer}")],
        };
        var answer = await hub.PostAsync(IntakeClient.ServiceRequestPath, ReferralExamples.Json(sr), FhirMediaTypes.Json, key);
        Assert.True(answer.Created, answer.ToString());
        return answer.Referral.Id!;
    }
}

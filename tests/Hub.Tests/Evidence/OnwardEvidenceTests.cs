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
        Assert.Contains("Referral accepted", (await hub.ConfirmAsync(ProviderLinks.Find(await hub.OfferAsync(LinkWorkers, parentId), "Accept")!)).Body, StringComparison.Ordinal);
        await hub.AuditWithAsync(parentId, "accepted");

        // Two connections: arts, accepted; gardening, still with its provider.
        var key = await hub.ProviderKeyAsync(LinkWorkers);
        var arts = await ConnectAsync(key, parentId, ActivityCategories.Arts, Arts);
        var garden = await ConnectAsync(key, parentId, ActivityCategories.Gardening, Garden);
        Assert.Contains("Referral accepted", (await hub.ConfirmAsync(ProviderLinks.Find(await hub.OfferAsync(Arts, arts), "Accept")!)).Body, StringComparison.Ordinal);
        await hub.AuditWithAsync(arts, "accepted");
        var gardenOffer = await hub.OfferAsync(Garden, garden);

        var update = hub.Get<EvidenceUpdate>();
        await update.UpdateAsync();
        var practice = await PracticeAsync();
        Assert.Equal(1, practice.Referred);
        Assert.Equal(1, practice.Accepted);
        Assert.Equal((2, 1, 1), (practice.Connections, practice.ConnectionsTakenUp, practice.PeopleConnected));
        var rows = hub.Get<EvidenceRowStore>();
        Assert.Equal(parentId, (await rows.GetAsync(ReferralExamples.Practice, arts)).Row?.ParentReferralId);
        // The arts provider sees the connection as its own accepted referral.
        var artsView = await hub.Get<EvidenceCellStore>().MergeAsync([ReferralExamples.Practice], null, null, Arts);
        Assert.Equal((1, 1), (artsView.Referred, artsView.Accepted));

        // The gardening provider accepts later: the next update reads the parent again, and a rebuild agrees.
        Assert.Contains("Referral accepted", (await hub.ConfirmAsync(ProviderLinks.Find(gardenOffer, "Accept")!)).Body, StringComparison.Ordinal);
        await hub.AuditWithAsync(garden, "accepted");
        await update.UpdateAsync();
        practice = await PracticeAsync();
        Assert.Equal((1, 2, 2), (practice.Referred, practice.Connections, practice.ConnectionsTakenUp));
        await update.RebuildAsync();
        practice = await PracticeAsync();
        Assert.Equal((1, 2, 2), (practice.Referred, practice.Connections, practice.ConnectionsTakenUp));
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

using Hl7.Fhir.Model;
using Hub.LinkWork;
using Hub.Platform.Fhir;
using Hub.Tests.Infrastructure;
using static Hub.Tests.LinkWork.EpisodeJourney;

namespace Hub.Tests.LinkWork;

/// <summary>The plan through the hub's FHIR API: the referring practice and the accepting service read the CarePlan and
/// its Goals; they validate against FHIR R4; without consent the practice gets codes, numbers and statuses only; other
/// keys find nothing.</summary>
public sealed class CarePlanReadTests(LinkWorkHub hub) : IClassFixture<LinkWorkHub>
{
    [Fact]
    public async System.Threading.Tasks.Task The_practice_reads_the_plan_and_its_goals_by_the_referral_and_they_validate()
    {
        var (referralId, _, link) = await hub.LinkWorkerAcceptedAsync();
        await RecordPlanAsync(hub, link);
        var practice = await hub.KeyForAsync(Journey.PracticeClient, ReferralExamples.Practice);

        var search = await SearchAsync(practice, $"ServiceRequest/{referralId}");
        Assert.Equal(200, search.Status);
        var bundle = search.As<Bundle>();
        var plan = (CarePlan)bundle.Entry.Single().Resource;
        Assert.Equal((RequestStatus.Active, CarePlan.CarePlanIntent.Plan), (plan.Status!.Value, plan.Intent!.Value));
        Assert.Equal($"ServiceRequest/{referralId}", plan.BasedOn.Single().Reference);
        Assert.Equal(("Organization", "alpha"), (plan.Author.Type, plan.Author.Identifier.Value));
        Assert.Equal(FhirCodes.NhsNumberSystem, plan.Subject.Identifier.System);
        Assert.Equal(InThreeMonths.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ((Date)plan.GetExtension(CarePlanResources.ReviewDateExtension).Value).Value);
        Assert.Equal([$"Goal/{referralId}-goal-1", $"Goal/{referralId}-goal-2"], plan.Goal.Select(g => g.Reference));
        Assert.Equal(CarePlan.CarePlanActivityStatus.NotStarted, plan.Activity.Single().Detail.Status);
        Assert.Contains("allotment", plan.Description, StringComparison.Ordinal);

        var read = await ReadPlanAsync(practice, referralId);
        Assert.Equal(200, read.Status);
        Assert.Equal("W/\"8\"", read.Headers.ETag.ToString());

        var goalAnswer = await ReadGoalAsync(practice, $"{referralId}-goal-1");
        Assert.Equal(200, goalAnswer.Status);
        var goal = goalAnswer.As<Goal>();
        Assert.Equal("Meet people weekly", goal.Description.Text);
        Assert.Equal((9, 4), (((Integer)goal.GetExtension(EpisodeCodes.GoalImportanceExtension).Value).Value, ((Integer)goal.GetExtension(EpisodeCodes.GoalConfidenceExtension).Value).Value));
        Assert.Equal(("in-progress", Goal.GoalLifecycleStatus.Active), (goal.AchievementStatus.Coding[0].Code, goal.LifecycleStatus!.Value));

        var validator = FhirValidation.NewValidator();
        FhirValidation.AssertValid(validator, bundle);
        FhirValidation.AssertValid(validator, read.As<CarePlan>());
        FhirValidation.AssertValid(validator, goal);
        Assert.Equal(404, (await ReadGoalAsync(practice, $"{referralId}-goal-3")).Status);
    }

    [Fact]
    public async System.Threading.Tasks.Task Without_consent_the_practice_gets_no_words_and_the_service_still_reads_its_own()
    {
        var (referralId, _, link) = await hub.LinkWorkerAcceptedAsync(b => b.Entry.Select(e => e.Resource).OfType<Consent>().Single().Provision = new Consent.provisionComponent { Type = Consent.ConsentProvisionType.Deny });
        await RecordPlanAsync(hub, link);
        var practice = await hub.KeyForAsync(Journey.PracticeClient, ReferralExamples.Practice);

        var plan = (await ReadPlanAsync(practice, referralId)).As<CarePlan>();
        var json = new FhirSerializer().Serialize(plan, FhirFormat.Json);
        Assert.DoesNotContain("allotment", json, StringComparison.Ordinal);
        Assert.DoesNotContain("Lonely", json, StringComparison.Ordinal);
        Assert.DoesNotContain("lunch club", json, StringComparison.Ordinal);
        var goal = (await ReadGoalAsync(practice, $"{referralId}-goal-1")).As<Goal>();
        Assert.DoesNotContain("Meet people", goal.Description.Text, StringComparison.Ordinal);
        Assert.Equal(9, ((Integer)goal.GetExtension(EpisodeCodes.GoalImportanceExtension).Value).Value);

        var service = await hub.ProviderKeyAsync("alpha");
        Assert.Equal("Meet people weekly", (await ReadGoalAsync(service, $"{referralId}-goal-1")).As<Goal>().Description.Text);
        Assert.Contains("allotment", (await ReadPlanAsync(service, referralId)).As<CarePlan>().Description, StringComparison.Ordinal);
    }

    [Fact]
    public async System.Threading.Tasks.Task Another_practice_another_provider_and_no_key_find_nothing()
    {
        var (referralId, _, link) = await hub.LinkWorkerAcceptedAsync();
        await RecordPlanAsync(hub, link);
        var other = await hub.KeyForAsync("another-practice", "Z99999");
        Assert.Equal(404, (await ReadPlanAsync(other, referralId)).Status);
        Assert.Equal(404, (await ReadGoalAsync(other, $"{referralId}-goal-1")).Status);
        Assert.Empty((await SearchAsync(other, $"ServiceRequest/{referralId}")).As<Bundle>().Entry);
        var beta = await hub.ProviderKeyAsync("beta");
        Assert.Equal(404, (await ReadPlanAsync(beta, referralId)).Status);
        Assert.Equal(401, (await ReadPlanAsync(null, referralId)).Status);
        var practice = await hub.KeyForAsync(Journey.PracticeClient, ReferralExamples.Practice);
        var bad = await SearchAsync(practice, "Patient/123");
        Assert.Equal(400, bad.Status);
        Assert.Contains("based-on", bad.Body, StringComparison.Ordinal);
    }

    private Task<HttpAnswer> SearchAsync(string? key, string basedOn) =>
        TestHub.CallAsync(HttpCall.Request("GET", "/api/fhir/CarePlan", apiKey: key, query: $"?based-on={Uri.EscapeDataString(basedOn)}"), r => hub.Function<CarePlanReadHttp>().Search(r));

    private Task<HttpAnswer> ReadPlanAsync(string? key, string id) =>
        TestHub.CallAsync(HttpCall.Request("GET", $"/api/fhir/CarePlan/{id}", apiKey: key), r => hub.Function<CarePlanReadHttp>().ReadCarePlan(r, id));

    private Task<HttpAnswer> ReadGoalAsync(string? key, string id) =>
        TestHub.CallAsync(HttpCall.Request("GET", $"/api/fhir/Goal/{id}", apiKey: key), r => hub.Function<CarePlanReadHttp>().ReadGoal(r, id));
}

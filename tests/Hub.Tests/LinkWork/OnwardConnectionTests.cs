using System.Text;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Chase;
using Hub.FollowUp;
using Hub.Intake;
using Hub.LinkWork;
using Hub.Platform.Fhir;
using Hub.Providers;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.LinkWork;

/// <summary>A chase slow enough for people to answer (reminders and escalation minutes away), the patient emailable.</summary>
public sealed class OnwardHub : TestHub
{
    protected override void Setup(HubSetup hub) => hub.FastChase()
        .Set("Chase:Reminders:0", "00:02:00")
        .Set("Chase:Reminders:1", "00:02:30")
        .Set("Chase:EscalateAfter", "00:03:00")
        .Set("Links:Lifetime", "00:10:00");
}

/// <summary>Onward connections on the in-process engine: a GP refers to a link-worker service, which accepts and connects
/// the person onward to community providers; each connection is a child referral chased like a GP's.</summary>
public sealed class OnwardConnectionTests(OnwardHub hub) : IClassFixture<OnwardHub>
{
    private const string LinkWorkers = "riverside-link-workers";
    private const string GardenA = "allotment-friends";
    private const string GardenB = "blossom-growers";
    private const string Arts = "canvas-arts";

    private async System.Threading.Tasks.Task SeedAsync()
    {
        var directory = hub.Get<ProviderDirectory>();
        await directory.SaveAsync(new Provider { Id = LinkWorkers, Name = "Riverside Link Workers", Emails = [$"{LinkWorkers}@providers.example.org"], Categories = [ActivityCategories.LinkWorker] });
        await directory.SaveAsync(new Provider { Id = GardenA, Name = "Allotment Friends", Emails = [$"{GardenA}@providers.example.org"], Categories = [ActivityCategories.Gardening] });
        await directory.SaveAsync(new Provider { Id = GardenB, Name = "Blossom Growers", Emails = [$"{GardenB}@providers.example.org"], Categories = [ActivityCategories.Gardening] });
        await directory.SaveAsync(new Provider { Id = Arts, Name = "Canvas Arts", Emails = [$"{Arts}@providers.example.org"], Categories = [ActivityCategories.Arts] });
    }

    /// <summary>A GP referral to the link-worker service (named as performer), accepted by it through its offer email.</summary>
    private async Task<(string ReferralId, string TaskId)> LinkWorkerAcceptsAsync()
    {
        await SeedAsync();
        var (referralId, taskId, _) = await hub.ReferAsync(bundle =>
        {
            Journey.GiveEmail(bundle);
            bundle.Entry.Select(e => e.Resource).OfType<ServiceRequest>().Single().Performer =
                [new ResourceReference { Identifier = new Identifier(ActivityCategories.ProviderIdSystem, LinkWorkers), Type = "HealthcareService" }];
        });
        var offer = await hub.OfferAsync(LinkWorkers, referralId);
        var accepted = await hub.ConfirmAsync(ProviderLinks.Find(offer, "Accept")!);
        Assert.Contains("Referral accepted", accepted.Body, StringComparison.Ordinal);
        await Eventually.ValueAsync(() => hub.Get<ChaseStore>().GetAsync(referralId), c => c?.Step == ChaseStage.Accepted, what: "the chase to record the link worker's acceptance");
        return (referralId, taskId);
    }

    private async Task<Microsoft.DurableTask.Client.OrchestrationMetadata> FinishedAsync(string referralId) =>
        await hub.Durable.WaitForInstanceCompletionAsync(referralId, getInputsAndOutputs: true, new CancellationTokenSource(TimeSpan.FromSeconds(Eventually.DefaultTimeoutSeconds)).Token);

    private async Task<string> ProviderKeyAsync(string providerId)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"clientId": "{{providerId}}-system-{{Guid.NewGuid():N}}", "name": "{{providerId}}'s system", "role": "provider", "providerIds": ["{{providerId}}"]}""");
        var answer = await TestHub.CallAsync(HttpCall.Request("POST", "/api/manage/clients", body, "application/json"), r => hub.Function<ApiKeysAdminHttp>().SaveClient(r));
        Assert.Equal(201, answer.Status);
        return System.Text.Json.JsonDocument.Parse(answer.Body).RootElement.GetProperty("apiKey").GetString()!;
    }

    private static ServiceRequest Connection(string parentId, string identifier, CodeableConcept activity, string? performer = null)
    {
        var sr = new ServiceRequest
        {
            Identifier = [new Identifier("https://link-worker-system.example.org/Id/connection", identifier)],
            Status = RequestStatus.Active,
            Intent = RequestIntent.Order,
            Category = [new CodeableConcept(FhirCodes.Snomed, FhirCodes.ReferralToSocialPrescribing, "Referral to social prescribing service")],
            Code = activity,
            BasedOn = [new ResourceReference($"ServiceRequest/{parentId}")],
            Subject = new ResourceReference { Identifier = new Identifier(FhirCodes.NhsNumberSystem, ReferralExamples.ValidNhsNumber), Type = "Patient" },
            AuthoredOn = "2026-12-01T10:00:00+00:00",
            ReasonCode = [new CodeableConcept { Text = "Wants to be outdoors and meet people." }],
        };
        if (performer is not null)
        {
            sr.Performer = [new ResourceReference($"HealthcareService/{performer}")];
        }

        return sr;
    }

    private Task<HttpAnswer> PostAsync(string key, ServiceRequest sr) =>
        hub.PostAsync(IntakeClient.ServiceRequestPath, ReferralExamples.Json(sr), FhirMediaTypes.Json, key);

    private Task<HttpAnswer> SearchAsync(string key, string type, string query) =>
        TestHub.CallAsync(HttpCall.Request("GET", $"/api/fhir/{type}", apiKey: key, query: query),
            r => type == "Task" ? hub.Function<ReferralSearchHttp>().SearchTask(r) : hub.Function<ReferralSearchHttp>().SearchServiceRequest(r));

    private static CodeableConcept Activity(string code) => new(ActivityCategories.System, code, ActivityCategories.Display(code)) { Text = ActivityCategories.Display(code) };

    private List<RecordedEmail> WithdrawalsTo(string providerId) =>
        hub.Mail.Emails.Where(e => e.To.Contains($"{providerId}@providers.example.org") && e.Subject?.StartsWith("Referral withdrawn", StringComparison.Ordinal) == true).ToList();

    private Task<HttpAnswer> SearchByFormAsync(string key, string type, string form) =>
        TestHub.CallAsync(HttpCall.Request("POST", $"/api/fhir/{type}/_search", Encoding.UTF8.GetBytes(form), "application/x-www-form-urlencoded", apiKey: key),
            r => type == "Task" ? hub.Function<ReferralSearchHttp>().SearchTaskForm(r) : hub.Function<ReferralSearchHttp>().SearchServiceRequestForm(r));

    private static string? Next(HttpAnswer answer) => answer.As<Bundle>().Link.SingleOrDefault(l => l.Relation == "next")?.Url;

    [Fact]
    public async System.Threading.Tasks.Task The_practice_pages_a_referrals_connections_with_count_and_next_links_by_GET_and_by_POST_search()
    {
        var (parentId, parentTaskId) = await LinkWorkerAcceptsAsync();
        var key = await ProviderKeyAsync(LinkWorkers);
        var made = new List<(string Id, string TaskId)>();
        foreach (var (activity, performer) in new[] { (ActivityCategories.Gardening, GardenA), (ActivityCategories.Arts, Arts), (ActivityCategories.Gardening, GardenB) })
        {
            var posted = await PostAsync(key, Connection(parentId, $"page-{Guid.NewGuid():N}", Activity(activity), performer));
            Assert.True(posted.Created, posted.ToString());
            made.Add((posted.Referral.Id!, posted.Headers["X-Task-Id"].ToString()));
        }

        var practiceKey = await hub.KeyForAsync(Journey.PracticeClient, ReferralExamples.Practice);
        foreach (var (type, query, expected) in new[]
                 {
                     ("ServiceRequest", $"based-on=ServiceRequest/{parentId}", made.Select(m => m.Id)),
                     ("Task", $"part-of=Task/{parentTaskId}", made.Select(m => m.TaskId)),
                 })
        {
            // GET with _count=2: two, then one through the next link, which carries the search; then no next.
            var first = await SearchAsync(practiceKey, type, $"?{query}&_count=2");
            Assert.Equal(200, first.Status);
            Assert.Equal(2, first.As<Bundle>().Entry.Count);
            Assert.Equal(3, first.As<Bundle>().Total);
            var next = new Uri(Next(first) ?? throw new Xunit.Sdk.XunitException($"no next link: {first.Body}"));
            Assert.Contains("_count=2", next.Query, StringComparison.Ordinal);
            var second = await SearchAsync(practiceKey, type, next.Query);
            Assert.Equal(200, second.Status);
            Assert.Single(second.As<Bundle>().Entry);
            Assert.Null(Next(second));
            var seen = first.As<Bundle>().Entry.Concat(second.As<Bundle>().Entry).Select(e => e.Resource.Id).ToList();
            Assert.Equal(expected.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));

            // POST _search with the same parameters as a form: the same first page.
            var byForm = await SearchByFormAsync(practiceKey, type, $"{query}&_count=2");
            Assert.Equal(200, byForm.Status);
            Assert.Equal(first.As<Bundle>().Entry.Select(e => e.Resource.Id), byForm.As<Bundle>().Entry.Select(e => e.Resource.Id));
            Assert.NotNull(Next(byForm));

            // A page link moved to another search is refused.
            var moved = await SearchAsync(practiceKey, type, $"?{query}&_count=1&_cursor={Uri.EscapeDataString(System.Web.HttpUtility.ParseQueryString(next.Query)["_cursor"]!)}");
            Assert.Equal(400, moved.Status);
        }
    }

    [Fact]
    public async System.Threading.Tasks.Task Two_connections_one_declined_and_rerouted_both_seen_by_the_practice_withdrawn_with_the_parent_and_no_second_survey()
    {
        var (parentId, parentTaskId) = await LinkWorkerAcceptsAsync();
        var key = await ProviderKeyAsync(LinkWorkers);

        // Gardening, routed by activity (Allotment Friends first, then Blossom Growers); arts, to Canvas Arts by name.
        var gardening = await PostAsync(key, Connection(parentId, $"garden-{Guid.NewGuid():N}", Activity(ActivityCategories.Gardening)));
        Assert.True(gardening.Created, gardening.ToString());
        var arts = await PostAsync(key, Connection(parentId, $"arts-{Guid.NewGuid():N}", Activity(ActivityCategories.Arts), Arts));
        Assert.True(arts.Created, arts.ToString());
        var (gardenId, gardenTaskId) = (gardening.Referral.Id!, gardening.Headers["X-Task-Id"].ToString());
        var (artsId, artsTaskId) = (arts.Referral.Id!, arts.Headers["X-Task-Id"].ToString());
        Assert.Equal($"ServiceRequest/{parentId}", gardening.Referral.BasedOn.Single().Reference);

        var firstOffer = await hub.OfferAsync(GardenA, gardenId);
        var declined = await hub.ConfirmAsync(ProviderLinks.Find(firstOffer, "Decline")!, ("reason", "no-capacity"));
        Assert.Contains("Referral declined", declined.Body, StringComparison.Ordinal);
        var rerouted = await hub.OfferAsync(GardenB, gardenId);
        Assert.Contains("Referral accepted", (await hub.ConfirmAsync(ProviderLinks.Find(rerouted, "Accept")!)).Body, StringComparison.Ordinal);
        var artsOffer = await hub.OfferAsync(Arts, artsId);
        Assert.Contains("Referral accepted", (await hub.ConfirmAsync(ProviderLinks.Find(artsOffer, "Accept")!)).Body, StringComparison.Ordinal);

        var gardenTask = await hub.TaskWhenAsync(gardenTaskId, t => t.Status == FhirTask.TaskStatus.Accepted && t.Owner?.Reference == $"HealthcareService/{GardenB}");
        var artsTask = await hub.TaskWhenAsync(artsTaskId, t => t.Status == FhirTask.TaskStatus.Accepted && t.Owner?.Reference == $"HealthcareService/{Arts}");
        Assert.Equal($"Task/{parentTaskId}", gardenTask.PartOf.Single().Reference);
        Assert.Equal($"Task/{parentTaskId}", artsTask.PartOf.Single().Reference);
        await hub.AuditWithAsync(gardenId, "accepted");
        await hub.AuditWithAsync(artsId, "accepted");

        // The practice sees both under its referral, by the ServiceRequest and by the Task.
        var practiceKey = await hub.KeyForAsync(Journey.PracticeClient, ReferralExamples.Practice);
        var children = await SearchAsync(practiceKey, "ServiceRequest", $"?based-on=ServiceRequest/{parentId}");
        Assert.Equal(200, children.Status);
        Assert.Equal(new[] { artsId, gardenId }.Order(StringComparer.Ordinal), children.As<Bundle>().Entry.Select(e => e.Resource.Id).Order(StringComparer.Ordinal));
        var childTasks = await SearchAsync(practiceKey, "Task", $"?part-of=Task/{parentTaskId}");
        Assert.Equal(200, childTasks.Status);
        Assert.Equal(new[] { artsTaskId, gardenTaskId }.Order(StringComparer.Ordinal), childTasks.As<Bundle>().Entry.Select(e => e.Resource.Id).Order(StringComparer.Ordinal));
        var otherKey = await hub.KeyForAsync($"other-{Guid.NewGuid():N}", ReferralExamples.OtherPractice);
        Assert.Empty((await SearchAsync(otherKey, "ServiceRequest", $"?based-on=ServiceRequest/{parentId}")).As<Bundle>().Entry);

        // The child resources validate against FHIR R4.
        var validator = FhirValidation.NewValidator();
        foreach (var entry in children.As<Bundle>().Entry)
        {
            FhirValidation.AssertValid(validator, entry.Resource);
        }

        foreach (var entry in childTasks.As<Bundle>().Entry)
        {
            FhirValidation.AssertValid(validator, entry.Resource);
        }

        // One follow-up: the parent's (its baseline survey went at the link worker's acceptance); none for a connection.
        await hub.SurveyEmailAsync(parentId, _ => true);
        Assert.Null(await hub.Durable.GetInstanceAsync(FollowUpOrchestration.InstanceId(gardenId)));
        Assert.Null(await hub.Durable.GetInstanceAsync(FollowUpOrchestration.InstanceId(artsId)));
        Assert.Empty(hub.SurveyEmails(gardenId));
        Assert.Empty(hub.SurveyEmails(artsId));

        // The GP withdraws the parent: both connections stop, and each provider holding one is told.
        Assert.Equal(200, (await hub.WithdrawAsync(parentId)).Status);
        await hub.TaskWhenAsync(gardenTaskId, t => t.Status == FhirTask.TaskStatus.Cancelled);
        await hub.TaskWhenAsync(artsTaskId, t => t.Status == FhirTask.TaskStatus.Cancelled);
        await Eventually.SeenAsync(() => WithdrawalsTo(GardenB), e => e.Count == 1, what: "the withdrawal email to Blossom Growers");
        await Eventually.SeenAsync(() => WithdrawalsTo(Arts), e => e.Count == 1, what: "the withdrawal email to Canvas Arts");
        await Eventually.SeenAsync(() => WithdrawalsTo(LinkWorkers), e => e.Count == 1, what: "the withdrawal email to the link-worker service");
        Assert.Empty(WithdrawalsTo(GardenA));

        // Withdrawn again (the practice's retry): the same, nobody told twice.
        Assert.Equal(200, (await hub.WithdrawAsync(parentId)).Status);
        await hub.SettledAsync();
        Assert.Single(WithdrawalsTo(GardenB));
        Assert.Single(WithdrawalsTo(Arts));
        Assert.Equal("withdrawn", (await FinishedAsync(gardenId)).ReadOutputAs<string>());
        Assert.Equal("withdrawn", (await FinishedAsync(artsId)).ReadOutputAs<string>());
        Assert.Single(hub.SurveyEmails(parentId));
    }

    private async Task<(HttpAnswer Page, string Cookie, string Csrf, string Form)> OpenFormAsync(string token)
    {
        var page = await TestHub.CallAsync(HttpCall.Request("GET", "/api/provider/onward", query: $"?t={Uri.EscapeDataString(token)}"), r => hub.Function<OnwardConnectionHttp>().Show(r));
        var cookie = page.Headers.SetCookie.ToString().Split(';')[0];
        var csrf = System.Text.RegularExpressions.Regex.Match(page.Body, "name=\"csrf\" value=\"([^\"]+)\"").Groups[1].Value;
        var form = System.Text.RegularExpressions.Regex.Match(page.Body, "name=\"connection\" value=\"([^\"]+)\"").Groups[1].Value;
        var opened = System.Text.RegularExpressions.Regex.Match(page.Body, "name=\"opened\" value=\"([^\"]+)\"").Groups[1].Value;
        return (page, cookie, csrf, $"{form}|{opened}");
    }

    private async Task<HttpAnswer> SendFormAsync(string token, string cookie, string csrf, params (string Name, string Value)[] fields)
    {
        fields = [.. fields.SelectMany(f => f.Name == "connection" ? new[] { ("connection", f.Value.Split('|')[0]), ("opened", f.Value.Split('|')[1]) } : [f])];
        var body = string.Join('&', fields.Append(("t", token)).Append(("csrf", csrf)).Select(f => $"{f.Item1}={Uri.EscapeDataString(f.Item2)}"));
        var request = HttpCall.Request("POST", "/api/provider/onward", TestHub.Utf8(body), "application/x-www-form-urlencoded");
        request.Headers.Cookie = cookie;
        return await TestHub.CallAsync(request, r => hub.Function<OnwardConnectionHttp>().Make(r, hub.Durable));
    }

    [Fact]
    public async System.Threading.Tasks.Task On_the_form_from_the_link_workers_link_a_connection_is_made_once_however_often_it_is_sent()
    {
        var (parentId, _) = await LinkWorkerAcceptsAsync();
        var token = ProviderLinks.Token(ProviderLinks.Find(await hub.OfferAsync(LinkWorkers, parentId), "Accept")!);

        var (page, cookie, csrf, form) = await OpenFormAsync(token);
        Assert.Equal(200, page.Status);
        Assert.Contains("None yet.", page.Body, StringComparison.Ordinal);
        Assert.Contains("Canvas Arts", page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("Riverside Link Workers (", page.Body, StringComparison.Ordinal);

        var nothingChosen = await SendFormAsync(token, cookie, csrf, ("connection", form));
        Assert.Equal(422, nothingChosen.Status);
        Assert.Contains("Select a provider, or an activity", nothingChosen.Body, StringComparison.Ordinal);

        var made = await SendFormAsync(token, cookie, csrf, ("connection", form), ("provider", Arts), ("reason", "Loves painting."));
        Assert.Equal(201, made.Status);
        Assert.Contains("Connection made", made.Body, StringComparison.Ordinal);
        Assert.Equal(200, (await SendFormAsync(token, cookie, csrf, ("connection", form), ("provider", Arts), ("reason", "Loves painting."))).Status);

        var children = await hub.Get<OnwardReferralIndex>().ChildrenAsync(parentId);
        var child = Assert.Single(children);
        Assert.Equal(LinkWorkers, child.RequesterId);
        await hub.OfferAsync(Arts, child.ReferralId);
        var (again, _, _, _) = await OpenFormAsync(token);
        Assert.Contains("Canvas Arts", again.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("None yet.", again.Body, StringComparison.Ordinal);

        // Another provider's link opens no form for this person.
        var (foreign, _, _, _) = await OpenFormAsync(ProviderLinks.Token(ProviderLinks.Find(await hub.OfferAsync(Arts, child.ReferralId), "Accept")!));
        Assert.NotEqual(200, foreign.Status);
    }

    [Fact]
    public async System.Threading.Tasks.Task Through_the_API_only_the_accepting_link_worker_service_connects_and_a_repeat_is_the_same_connection()
    {
        var (parentId, _) = await LinkWorkerAcceptsAsync();
        var key = await ProviderKeyAsync(LinkWorkers);
        var identifier = $"arts-{Guid.NewGuid():N}";

        var first = await PostAsync(key, Connection(parentId, identifier, Activity(ActivityCategories.Arts), Arts));
        Assert.Equal(201, first.Status);
        var repeat = await PostAsync(key, Connection(parentId, identifier, Activity(ActivityCategories.Arts), Arts));
        Assert.Equal(200, repeat.Status);
        Assert.Equal(first.Referral.Id, repeat.Referral.Id);
        Assert.Single(await hub.Get<OnwardReferralIndex>().ChildrenAsync(parentId));

        var otherProvider = await PostAsync(await ProviderKeyAsync(GardenA), Connection(parentId, $"x-{Guid.NewGuid():N}", Activity(ActivityCategories.Gardening)));
        Assert.Equal(404, otherProvider.Status);
        Assert.Contains("ServiceRequest.basedOn", otherProvider.Expressions);

        var noParent = Connection(parentId, $"x-{Guid.NewGuid():N}", Activity(ActivityCategories.Arts));
        noParent.BasedOn.Clear();
        Assert.Equal(422, (await PostAsync(key, noParent)).Status);

        var unknownPerformer = await PostAsync(key, Connection(parentId, $"x-{Guid.NewGuid():N}", Activity(ActivityCategories.Arts), "no-such-provider"));
        Assert.Equal(422, unknownPerformer.Status);
        Assert.Contains("ServiceRequest.performer", unknownPerformer.Expressions);

        var nobodyOffers = await PostAsync(key, Connection(parentId, $"x-{Guid.NewGuid():N}", Activity(ActivityCategories.Walking)));
        Assert.Equal(422, nobodyOffers.Status);

        var someoneElse = Connection(parentId, $"x-{Guid.NewGuid():N}", Activity(ActivityCategories.Arts), Arts);
        someoneElse.Subject = new ResourceReference { Identifier = new Identifier(FhirCodes.NhsNumberSystem, ReferralExamples.AnotherValidNhsNumber), Type = "Patient" };
        Assert.Equal(422, (await PostAsync(key, someoneElse)).Status);
        Assert.Single(await hub.Get<OnwardReferralIndex>().ChildrenAsync(parentId));
    }
}

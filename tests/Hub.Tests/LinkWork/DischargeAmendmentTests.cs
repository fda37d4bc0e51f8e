using Hl7.Fhir.Model;
using Hub.FollowUp;
using Hub.LinkWork;
using Hub.Platform.Fhir;
using Hub.Providers;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using static Hub.Tests.LinkWork.EpisodeJourney;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.LinkWork;

/// <summary>Issue 16: an onward connection that changes after the discharge reached the GP record is sent again, as a new
/// entry with its new outcome and Task status, once per change however often the change is seen; codes only without
/// consent; through the discharge's outbox, so a refusal is parked for operators and written on their retry.</summary>
public sealed class DischargeAmendmentTests(EpisodeWriteBackHub hub) : IClassFixture<EpisodeWriteBackHub>
{
    private const string Arts = "amendment-canvas-arts";
    private static readonly string[] Words = ["allotment", "grandson", "Meet people", "Canvas", "Richard", "SMITH", "reports"];

    private async Task<(string ReferralId, string Link, string ChildId, string ChildTaskId, string ChildAccept)> ConnectedAndAcceptedAsync(Action<Bundle>? change = null)
    {
        await hub.Get<ProviderDirectory>().SaveAsync(new Provider { Id = Arts, Name = "Canvas Arts", Emails = [$"{Arts}@providers.example.org"], Categories = [ActivityCategories.Arts] });
        var (referralId, _, link) = await hub.LinkWorkerAcceptedAsync(change);
        var connection = new ServiceRequest
        {
            Identifier = [new Identifier("https://link-worker-system.example.org/Id/connection", $"amend-{Guid.NewGuid():N}")],
            Status = RequestStatus.Active,
            Intent = RequestIntent.Order,
            Category = [new CodeableConcept(FhirCodes.Snomed, FhirCodes.ReferralToSocialPrescribing, "Referral to social prescribing service")],
            Code = new CodeableConcept(ActivityCategories.System, ActivityCategories.Arts, ActivityCategories.Display(ActivityCategories.Arts)),
            BasedOn = [new ResourceReference($"ServiceRequest/{referralId}")],
            Subject = new ResourceReference { Identifier = new Identifier(FhirCodes.NhsNumberSystem, ReferralExamples.ValidNhsNumber), Type = "Patient" },
            Performer = [new ResourceReference($"HealthcareService/{Arts}")],
            AuthoredOn = "2026-12-01T10:00:00+00:00",
        };
        var posted = await hub.PostAsync(IntakeClient.ServiceRequestPath, ReferralExamples.Json(connection), FhirMediaTypes.Json, await hub.ProviderKeyAsync("alpha"));
        Assert.True(posted.Created, posted.ToString());
        var (childId, childTaskId) = (posted.Referral.Id!, posted.Headers["X-Task-Id"].ToString());
        var accept = ProviderLinks.Find(await hub.OfferAsync(Arts, childId), "Accept")!;
        Assert.Contains("Referral accepted", (await hub.ConfirmAsync(accept)).Body, StringComparison.Ordinal);
        await hub.TaskWhenAsync(childTaskId, t => t.Status == FhirTask.TaskStatus.Accepted);
        return (referralId, link, childId, childTaskId, accept);
    }

    /// <summary>The connection's provider reports on the handover page its accept link opens.</summary>
    private async System.Threading.Tasks.Task ReportAsync(string link, params (string Name, string Value)[] fields) =>
        Assert.Equal(200, (await ProviderLinks.ReportProgressAsync(hub, link, fields)).Answer.Status);

    private List<Observation> Entries(string id) =>
        [.. hub.Practice.All<Observation>().Where(o => o.Identifier.Any(i => i.System == EpisodeGpEntries.IdSystem && i.Value == id))];

    private Task<List<Observation>> WrittenAsync(string id) =>
        Eventually.ValueAsync(async () =>
        {
            await hub.Get<EpisodeWriteBacks>().RunAsync();
            return Entries(id);
        }, w => w.Count >= 1, what: $"{id} in the GP record");

    private static string Value(Observation o) => ((CodeableConcept)o.Value!).Coding[0].Code!;

    private static string Status(Observation o) => ((CodeableConcept)o.Component.Single(c => c.Code.Coding[0].Code == "connection-status").Value).Coding[0].Code!;

    private int Sent(string id) => hub.Practice.Requests.Count(r => r.Answered == 200 && r.Body.Contains($"\"{id}\"", StringComparison.Ordinal));

    [Fact]
    public async System.Threading.Tasks.Task A_connection_finishing_after_the_discharge_reaches_the_GP_record_once_however_often_the_change_is_seen()
    {
        var (referralId, link, childId, _, childAccept) = await ConnectedAndAcceptedAsync();
        await RecordPlanAsync(hub, link);
        Assert.Equal(200, (await RecordAsync(hub, link, "close", ("close-reason", "referred-elsewhere"))).Answer.Status);

        // The discharge carries the connection as it stood: accepted, its Task accepted.
        var first = Assert.Single(await WrittenAsync(EpisodeGpEntries.ConnectionId(referralId, childId)));
        Assert.Equal(("accepted", "accepted"), (Value(first), Status(first)));
        Assert.Equal((WriteBackState.Written, 0), (await hub.Get<EpisodeWriteBacks>().ConnectionStateAsync(referralId, childId))!.Value);
        await hub.Get<EpisodeWriteBacks>().RunAsync();
        Assert.Empty(Entries(EpisodeGpEntries.AmendmentId(referralId, childId, 1)));

        // Weeks later the provider reports it finished; two passes see the change at once.
        await ReportAsync(childAccept, ("report", "finished"), ("outcome", "goals-met"));
        await System.Threading.Tasks.Task.WhenAll(hub.Get<EpisodeWriteBacks>().RunAsync(), hub.Get<EpisodeWriteBacks>().RunAsync());
        var amendmentId = EpisodeGpEntries.AmendmentId(referralId, childId, 1);
        var amended = Assert.Single(await WrittenAsync(amendmentId));
        Assert.Equal(("taken-up", "completed"), (Value(amended), Status(amended)));
        Assert.Equal(ActivityCategories.Arts, ((CodeableConcept)amended.Component.Single(c => c.Code.Coding[0].Code == "activity").Value).Coding[0].Code);
        Assert.Equal(FhirCodes.NhsNumberSystem, amended.Subject.Identifier.System);
        Assert.NotNull(amended.BasedOn.Single().Identifier);
        Assert.Contains("after the link worker's discharge", Assert.Single(amended.Note).Text, StringComparison.Ordinal);
        FhirValidation.AssertValid(FhirValidation.NewValidator(), amended);

        // Once: more passes write nothing more, and the first entry stays as it was.
        await hub.Get<EpisodeWriteBacks>().RunAsync();
        await hub.Get<EpisodeWriteBacks>().RunAsync();
        Assert.Equal(1, Sent(amendmentId));
        Assert.Single(Entries(amendmentId));
        Assert.Empty(Entries(EpisodeGpEntries.AmendmentId(referralId, childId, 2)));
        Assert.Equal("accepted", Value(Assert.Single(Entries(EpisodeGpEntries.ConnectionId(referralId, childId)))));
        Assert.Equal((WriteBackState.Written, 1), (await hub.Get<EpisodeWriteBacks>().ConnectionStateAsync(referralId, childId))!.Value);
        var audit = await hub.AuditWithAsync(referralId, "written-back");
        Assert.Single(audit, a => a.Event == "written-back" && a.Outcome == EpisodeWriteBacks.AmendmentKind);
    }

    [Fact]
    public async System.Threading.Tasks.Task Without_consent_the_amendment_is_codes_only_and_a_refused_one_is_parked_and_written_on_the_operators_retry()
    {
        var (referralId, link, childId, _, childAccept) = await ConnectedAndAcceptedAsync(b =>
            b.Entry.Select(e => e.Resource).OfType<Consent>().Single().Provision = new Consent.provisionComponent { Type = Consent.ConsentProvisionType.Deny });
        await RecordPlanAsync(hub, link);
        Assert.Equal(200, (await RecordAsync(hub, link, "close", ("close-reason", "could-not-engage"))).Answer.Status);
        await WrittenAsync(EpisodeGpEntries.ConnectionId(referralId, childId));

        // The provider stops; the practice refuses the amendment at first.
        var amendmentId = EpisodeGpEntries.AmendmentId(referralId, childId, 1);
        hub.Practice.Refuse(true);
        try
        {
            await ReportAsync(childAccept, ("report", "stopped"), ("reason", "moved-away"));
            await Eventually.ValueAsync(async () =>
            {
                await hub.Get<EpisodeWriteBacks>().RunAsync();
                return await hub.Get<EpisodeWriteBacks>().ConnectionStateAsync(referralId, childId);
            }, s => s?.State == WriteBackState.Refused, what: "the amendment refused");
            var listed = await TestHub.CallAsync(HttpCall.Request("GET", "/api/manage/write-backs"), r => hub.Function<Hub.WriteBack.WriteBackRetryHttp>().List(r));
            Assert.Contains($"\"item\": \"{childId}\"", listed.Body, StringComparison.Ordinal);
            Assert.Contains("\"kind\": \"discharge-amendment\"", listed.Body, StringComparison.Ordinal);
            Assert.Contains(await hub.AuditWithAsync(referralId, "write-back-parked"), a => a.Outcome == $"{EpisodeWriteBacks.AmendmentKind}:refused");
        }
        finally
        {
            hub.Practice.Refuse(false);
        }

        // The older discharge route is the same retry: it requeues the amendment, the next pass writes it.
        var retried = await TestHub.CallAsync(HttpCall.Request("POST", $"/api/manage/episodes/{referralId}/write-back/retry"), r => hub.Function<EpisodeWriteBackRetryHttp>().Retry(r, referralId));
        Assert.Equal(202, retried.Status);
        Assert.Contains("\"discharge-amendment\"", retried.Body, StringComparison.Ordinal);
        var amended = Assert.Single(await WrittenAsync(amendmentId));
        Assert.Equal(("not-taken-up", "failed"), (Value(amended), Status(amended)));
        Assert.Empty(amended.Note);
        Assert.Null(amended.Text);
        var sent = string.Join('\n', hub.Practice.Requests.Select(r => r.Body).Where(b => b.Contains(amendmentId, StringComparison.Ordinal)));
        Assert.NotEmpty(sent);
        foreach (var word in Words)
        {
            Assert.DoesNotContain(word, sent, StringComparison.Ordinal);
        }

        Assert.Equal(1, Sent(amendmentId));

        // The parking was logged (ids only) and nothing of the person reached logs or traces.
        var exported = string.Join('\n', hub.Telemetry.Spans.Select(s => $"{s.DisplayName} {string.Join(' ', s.TagObjects.Select(t => $"{t.Key}={t.Value}"))}"))
                       + '\n' + string.Join('\n', hub.Telemetry.LogLines);
        Assert.Contains(hub.Telemetry.LogLines, l => l.Contains(referralId, StringComparison.Ordinal));
        foreach (var personal in new[] { "allotment", "grandson", "Meet people", "Richard", "Smith", ReferralExamples.ValidNhsNumber, "@" })
        {
            Assert.DoesNotContain(personal, exported, StringComparison.OrdinalIgnoreCase);
        }
    }
}

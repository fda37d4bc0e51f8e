using Hl7.Fhir.Model;
using Hub.LinkWork;
using Hub.Tests.Infrastructure;
using static Hub.Tests.LinkWork.EpisodeJourney;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.LinkWork;

/// <summary>Closing the episode ends the link worker's Task through the provider's progress report, with a coded reason,
/// and puts the message back to the GP in the Task's outputs: the plan, contacts, actions, each goal's status, and a
/// narrative only with consent. The close sent again does nothing twice.</summary>
public sealed class EpisodeDischargeTests(LinkWorkHub hub) : IClassFixture<LinkWorkHub>
{
    private static string? Output(FhirTask task, string type) => task.Output.SingleOrDefault(o => o.Type.Text == type)?.Value switch
    {
        UnsignedInt n => n.Value?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        CodeableConcept c => c.Coding[0].Code,
        ResourceReference r => r.Reference,
        FhirString s => s.Value,
        _ => null,
    };

    [Fact]
    public async System.Threading.Tasks.Task Goals_met_completes_the_Task_with_the_message_back_and_the_referrer_hears_once()
    {
        var (referralId, taskId, link) = await hub.LinkWorkerAcceptedAsync();
        await RecordPlanAsync(hub, link);
        await RecordAsync(hub, link, "action-status", ("status-action", "1.1"), ("action-status", "completed"));
        await RecordAsync(hub, link, "goal-progress", ("progress-goal", "1"), ("progress", "achieved"));

        var (closed, saved) = await RecordAsync(hub, link, "close", ("close-reason", "goals-met"));
        Assert.Equal(200, closed.Status);
        Assert.Contains("This episode has ended (goals met)", closed.Body, StringComparison.Ordinal);

        var task = await hub.TaskAsync(taskId);
        Assert.Equal((FhirTask.TaskStatus.Completed, "finished"), (task.Status!.Value, task.BusinessStatus.Coding[0].Code));
        Assert.Equal("goals-met", Output(task, "provider-outcome"));
        Assert.Equal("goals-met", Output(task, "episode-close-reason"));
        Assert.Equal($"CarePlan/{referralId}", Output(task, "care-plan"));
        Assert.Equal(("1", "45", "1", "1"), (Output(task, "episode-contacts"), Output(task, "episode-contact-minutes"), Output(task, "plan-actions"), Output(task, "plan-actions-done")));
        var goals = task.Output.Where(o => o.Type.Text == "plan-goal").Select(o => (CodeableConcept)o.Value).ToList();
        Assert.Equal(["achieved", "in-progress"], goals.Select(g => g.Coding[0].Code));
        Assert.Equal("Meet people weekly: achieved", goals[0].Text);
        Assert.Contains("allotment", Output(task, "episode-summary"), StringComparison.Ordinal);
        FhirValidation.AssertValid(FhirValidation.NewValidator(), task);

        // The referrer hears through the provider's own progress path, once.
        var told = await Eventually.SeenAsync(() => hub.Mail.Emails.Where(e => e.Subject?.Contains("finished working", StringComparison.Ordinal) == true).ToList(), e => e.Count > 0,
            what: $"the referrer told of the end; sent: {string.Join(" | ", hub.Mail.Emails.Select(e => e.Subject))}");
        Assert.DoesNotContain("allotment", told[0].Body, StringComparison.Ordinal);
        var version = task.Meta.VersionId;
        var again = await ReplayAsync(hub, saved);
        Assert.Equal(409, again.Status);
        Assert.Equal(version, (await hub.TaskAsync(taskId)).Meta.VersionId);
        var audit = await hub.AuditWithAsync(referralId, EpisodeAudit.Closed, "progress-reported");
        Assert.Single(audit, a => a.Event == EpisodeAudit.Closed);
        Assert.Equal(["finished:goals-met"], audit.Where(a => a.Event == "progress-reported").Select(a => a.Outcome));

        // Closed: no more forms, and the plan reads completed.
        var page = await OpenAsync(hub, link);
        Assert.DoesNotContain("name=\"change\"", page.Body, StringComparison.Ordinal);
        Assert.True((await hub.Get<EpisodeStore>().GetAsync(referralId))!.CloseApplied);
    }

    [Fact]
    public async System.Threading.Tasks.Task Without_consent_the_message_back_is_codes_and_numbers_and_a_decline_cancels_with_the_SNOMED_code()
    {
        var (_, taskId, link) = await hub.LinkWorkerAcceptedAsync(b => b.Entry.Select(e => e.Resource).OfType<Consent>().Single().Provision = new Consent.provisionComponent { Type = Consent.ConsentProvisionType.Deny });
        await RecordPlanAsync(hub, link);
        Assert.Equal(200, (await RecordAsync(hub, link, "close", ("close-reason", "person-declined"))).Answer.Status);

        var task = await hub.TaskAsync(taskId);
        Assert.Equal(FhirTask.TaskStatus.Cancelled, task.Status);
        Assert.Equal("871711000000103", task.StatusReason.Coding[0].Code);
        Assert.Equal("person-declined", Output(task, "episode-close-reason"));
        Assert.Null(Output(task, "episode-summary"));
        var json = new Hub.Platform.Fhir.FhirSerializer().Serialize(task, Hub.Platform.Fhir.FhirFormat.Json);
        Assert.DoesNotContain("Meet people", json, StringComparison.Ordinal);
        Assert.DoesNotContain("allotment", json, StringComparison.Ordinal);
        Assert.Contains("Goal 1: in progress", json, StringComparison.Ordinal);
    }

    [Fact]
    public async System.Threading.Tasks.Task Moved_away_fails_the_Task_with_the_stop_reason()
    {
        var (_, taskId, link) = await hub.LinkWorkerAcceptedAsync();
        Assert.Equal(200, (await RecordAsync(hub, link, "close", ("close-reason", "moved-away"))).Answer.Status);
        var task = await hub.TaskAsync(taskId);
        Assert.Equal((FhirTask.TaskStatus.Failed, "moved-away"), (task.Status!.Value, task.StatusReason.Coding[0].Code));
        Assert.Equal(("moved-away", "0"), (Output(task, "episode-close-reason"), Output(task, "episode-contacts")));
    }
}

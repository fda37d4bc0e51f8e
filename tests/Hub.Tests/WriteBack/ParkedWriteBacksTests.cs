using System.Text.Json;
using Hl7.Fhir.Model;
using Hub.FollowUp;
using Hub.LinkWork;
using Hub.Tests.Infrastructure;
using Hub.WriteBack;
using static Hub.Tests.LinkWork.EpisodeJourney;

namespace Hub.Tests.WriteBack;

/// <summary>A link-worker hub with a follow-up in seconds and a practice FHIR server, outbox writes retried in seconds:
/// one referral can park all three kinds of GP-record write.</summary>
public sealed class ParkedWriteBacksHub : TestHub
{
    // A survey window long enough for a loaded machine to answer within it.
    protected override void Setup(HubSetup hub) => hub.FastChase().FastFollowUp().Set("Links:Lifetime", "00:30:00").Set("FollowUp:SurveyWindow", "00:02:00")
        .Set("WriteBack:ProgressFirstRetryAfter", "00:00:00.500")
        .Set("WriteBack:ProgressLongestRetryAfter", "00:00:01");
}

/// <summary>The operators' one surface (issue 15): <c>GET manage/write-backs</c> lists every parked write of every kind
/// (survey answers, progress points, the link worker's discharge) with ids, kinds and states only, and one
/// <c>POST manage/write-backs/{id}/retry</c> queues each of them again; they reach the GP record once it takes them.</summary>
public sealed class ParkedWriteBacksTests(ParkedWriteBacksHub hub) : IClassFixture<ParkedWriteBacksHub>
{
    private Task<HttpAnswer> ListAsync() =>
        TestHub.CallAsync(HttpCall.Request("GET", "/api/manage/write-backs"), r => hub.Function<WriteBackRetryHttp>().List(r));

    private Task<HttpAnswer> RetryAsync(string referralId) =>
        TestHub.CallAsync(HttpCall.Request("POST", $"/api/manage/write-backs/{referralId}/retry"), r => hub.Function<WriteBackRetryHttp>().Retry(r, referralId, hub.Durable));

    private static List<(string Kind, string Item, string State)> Listed(HttpAnswer answer, string referralId)
    {
        using var body = JsonDocument.Parse(answer.Body);
        var parked = body.RootElement.GetProperty("parked").EnumerateArray().ToList();
        Assert.Equal(parked.Count, body.RootElement.GetProperty("count").GetInt32());
        return [.. parked.Where(p => p.GetProperty("referralId").GetString() == referralId)
            .Select(p => (p.GetProperty("kind").GetString()!, p.GetProperty("item").GetString()!, p.GetProperty("state").GetString()!))
            .OrderBy(p => p.Item1, StringComparer.Ordinal)];
    }

    [Fact]
    public async System.Threading.Tasks.Task Every_kind_parked_for_a_referral_is_listed_and_one_retry_requeues_each_and_delivers_them_once_the_practice_takes_them()
    {
        var (referralId, _, link) = await hub.LinkWorkerAcceptedAsync();
        var survey = await hub.SurveyEmailAsync(referralId, _ => true);
        hub.Practice.Refuse(true);
        try
        {
            // Outcomes: the survey's answers refused, the follow-up waiting on an operator.
            await SurveyLinks.SendAsync(hub, SurveyLinks.Survey(survey)!, Journey.FollowUpAnswers);
            await Eventually.ValueAsync(() => hub.ResponseAsync(referralId, "follow-up"), r => r?.WriteBack == WriteBackState.Parked, what: "the answers parked");
            await Eventually.StepAsync(hub.Durable, FollowUpOrchestration.InstanceId(referralId), "write-back-parked");

            // The close: the link worker's finished point and the discharge, both refused.
            await RecordPlanAsync(hub, link);
            Assert.Equal(200, (await RecordAsync(hub, link, "close", ("close-reason", "goals-met"))).Answer.Status);
            await Eventually.ValueAsync(async () =>
            {
                await hub.Get<GpProgressWrites>().RunAsync();
                await hub.Get<EpisodeWriteBacks>().RunAsync();
                return (await hub.Get<GpProgressWrites>().StateAsync(referralId, GpProgressPoint.Finished), (await hub.Get<EpisodeWriteBacks>().StateAsync(referralId))?.State);
            }, s => s == (WriteBackState.Refused, WriteBackState.Refused), what: "the finished point and the discharge refused");

            var listed = await ListAsync();
            Assert.Equal(200, listed.Status);
            Assert.Equal([("discharge", "discharge", "refused"), ("outcomes", "follow-up", "parked"), ("progress", "finished", "refused")], Listed(listed, referralId));
            // Ids, kinds and states only: neither the person nor the server's words.
            Assert.DoesNotContain("not registered", listed.Body, StringComparison.Ordinal);
            Assert.DoesNotContain("Richard", listed.Body, StringComparison.Ordinal);
            Assert.DoesNotContain(ReferralExamples.ValidNhsNumber, listed.Body, StringComparison.Ordinal);
        }
        finally
        {
            hub.Practice.Refuse(false);
        }

        var retried = await RetryAsync(referralId);
        Assert.Equal(202, retried.Status);
        using (var answer = JsonDocument.Parse(retried.Body))
        {
            var requeued = answer.RootElement.GetProperty("requeued");
            Assert.Equal("follow-up", requeued.GetProperty("outcomes").EnumerateArray().Single().GetProperty("item").GetString());
            var progress = requeued.GetProperty("progress").EnumerateArray().Single();
            Assert.Equal(("finished", "written"), (progress.GetProperty("item").GetString(), progress.GetProperty("state").GetString()));
            Assert.Equal(("discharge", "pending"), (requeued.GetProperty("discharge").EnumerateArray().Single().GetProperty("item").GetString(),
                requeued.GetProperty("discharge").EnumerateArray().Single().GetProperty("state").GetString()));
            Assert.True(answer.RootElement.GetProperty("delivered").GetBoolean());
        }

        // Each reaches the GP record: the answers through the follow-up, the discharge on the next pass.
        await Eventually.ValueAsync(() => hub.ResponseAsync(referralId, "follow-up"), r => r?.WriteBack == WriteBackState.Written, what: "the answers written");
        await Eventually.ValueAsync(async () =>
        {
            await hub.Get<EpisodeWriteBacks>().RunAsync();
            return (await hub.Get<EpisodeWriteBacks>().StateAsync(referralId))?.State;
        }, s => s == WriteBackState.Written, what: "the discharge written");
        Assert.Single(hub.Practice.All<Observation>(), o => o.Identifier.Any(i => i.System == EpisodeGpEntries.IdSystem && i.Value == EpisodeGpEntries.DischargeId(referralId)));
        Assert.Single(hub.Practice.All<Observation>(), o => o.Identifier.Any(i => i.System == GpProgressResources.IdSystem && i.Value == $"{referralId}-finished"));
        Assert.Contains(hub.Practice.All<QuestionnaireResponse>(), r => r.Identifier?.Value?.StartsWith(referralId, StringComparison.Ordinal) == true);

        // Nothing is left: not listed, a second retry is the route's 409, and so is the older discharge route.
        Assert.Empty(Listed(await ListAsync(), referralId));
        Assert.Equal(409, (await RetryAsync(referralId)).Status);
        Assert.Equal(409, (await TestHub.CallAsync(HttpCall.Request("POST", $"/api/manage/episodes/{referralId}/write-back/retry"),
            r => hub.Function<EpisodeWriteBackRetryHttp>().Retry(r, referralId))).Status);
        Assert.Equal(409, (await RetryAsync(Guid.NewGuid().ToString())).Status);
    }
}

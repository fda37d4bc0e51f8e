using System.Text;
using System.Text.Json;
using Hub.LinkWork;
using Hub.Tests.Infrastructure;
using static Hub.Tests.LinkWork.EpisodeJourney;

namespace Hub.Tests.LinkWork;

/// <summary>The accepting link-worker service records the episode on the page under the handover and through the provider
/// API: contacts, what matters, a plan with goals and actions, a review date. Stored once: a replayed or stale form is a 409
/// and changes nothing. Only the accepting link-worker service may; the person's words never reach the audit.</summary>
public sealed class EpisodeTests(LinkWorkHub hub) : IClassFixture<LinkWorkHub>
{
    [Fact]
    public async Task The_link_worker_records_contacts_what_matters_and_a_plan_of_two_goals_and_the_page_shows_them()
    {
        var (referralId, _, link) = await hub.LinkWorkerAcceptedAsync();
        var empty = await OpenAsync(hub, link);
        Assert.Contains("No contact recorded yet", empty.Body, StringComparison.Ordinal);
        Assert.Equal("no-store", empty.Headers.CacheControl.ToString());

        await RecordPlanAsync(hub, link);
        Assert.Equal(200, (await RecordAsync(hub, link, "action-status", ("status-action", "1.1"), ("action-status", "completed"))).Answer.Status);
        var (progressed, _) = await RecordAsync(hub, link, "goal-progress", ("progress-goal", "2"), ("progress", "achieved"));
        Assert.Contains("Recorded", progressed.Body, StringComparison.Ordinal);

        var page = await OpenAsync(hub, link);
        Assert.Contains("Face to face", page.Body, StringComparison.Ordinal);
        Assert.Contains("Getting back to the allotment with my grandson", page.Body, StringComparison.Ordinal);
        Assert.Contains("Lonely since moving flat", page.Body, StringComparison.Ordinal);
        Assert.Contains("Goal 1: Meet people weekly", page.Body, StringComparison.Ordinal);
        Assert.Contains("9 out of 10", page.Body, StringComparison.Ordinal);
        Assert.Contains("Try the Tuesday lunch club (done)", page.Body, StringComparison.Ordinal);
        Assert.Contains(InThreeMonths.ToString("d MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture), page.Body, StringComparison.Ordinal);

        var episode = (await hub.Get<EpisodeStore>().GetAsync(referralId))!;
        Assert.Equal(9, episode.Version);
        Assert.Equal([(ContactMode.FaceToFace, 45)], episode.Contacts.Select(c => (c.Mode, c.Minutes)));
        Assert.Equal(EpisodeCodes.NeedsAndConcernsRefset, episode.Needs.Single().Category);
        Assert.Equal([(9, 4, GoalProgress.InProgress), (6, 7, GoalProgress.Achieved)], episode.Goals.Select(g => (g.Importance, g.Confidence, g.Progress)));
        Assert.Equal(PlanActionStatus.Completed, episode.Goals[0].Actions.Single().Status);

        // The audit says what kind of change, never the person's words.
        var audit = await hub.AuditWithAsync(referralId, EpisodeAudit.Recorded);
        var recorded = audit.Where(a => a.Event == EpisodeAudit.Recorded).Select(a => a.Outcome).ToList();
        Assert.Equal(["contact:1", "what-matters:2", "need:3", "goal:4", "goal:5", "action:6", "review-date:7", "action-status:8", "goal-progress:9"], recorded);
        Assert.All(audit, a => Assert.DoesNotContain("allotment", $"{a.Outcome}{a.Actor}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_same_form_sent_again_or_a_stale_page_is_a_409_and_changes_nothing()
    {
        var (referralId, _, link) = await hub.LinkWorkerAcceptedAsync();
        var (_, staleCookie, staleCsrf, staleVersion) = await OpenFormAsync(hub, link);

        var (first, saved) = await RecordAsync(hub, link, "contact", ("contact-date", Yesterday.ToString("O", System.Globalization.CultureInfo.InvariantCulture)),
            ("contact-mode", "phone"), ("contact-minutes", "20"));
        Assert.Equal(200, first.Status);

        var again = await ReplayAsync(hub, saved);
        Assert.Equal(409, again.Status);
        Assert.Contains("This page was out of date", again.Body, StringComparison.Ordinal);

        var stale = await PostAsync(hub, $"change=need&need-text=x&t={Uri.EscapeDataString(ProviderLinks.Token(link))}&n={staleVersion}&csrf={staleCsrf}", staleCookie);
        Assert.Equal(409, stale.Status);

        var episode = (await hub.Get<EpisodeStore>().GetAsync(referralId))!;
        Assert.Equal((1, 1, 0), (episode.Version, episode.Contacts.Count, episode.Needs.Count));
    }

    [Fact]
    public async Task A_bad_form_says_what_to_fix_and_a_goal_the_plan_does_not_have_is_refused()
    {
        var (referralId, _, link) = await hub.LinkWorkerAcceptedAsync();
        var tomorrow = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1);
        var (future, _) = await RecordAsync(hub, link, "contact", ("contact-day", $"{tomorrow.Day}"), ("contact-month", $"{tomorrow.Month}"), ("contact-year", $"{tomorrow.Year}"),
            ("contact-mode", "video"), ("contact-minutes", "30"));
        Assert.Equal(400, future.Status);
        Assert.Contains("must be today or in the past", future.Body, StringComparison.Ordinal);
        Assert.Contains("href=\"#contact-day\"", future.Body, StringComparison.Ordinal);

        var (importance, _) = await RecordAsync(hub, link, "goal", ("goal-text", "Sleep better"), ("goal-importance", "11"), ("goal-confidence", "5"));
        Assert.Equal(400, importance.Status);
        Assert.Contains("from 1 to 10", importance.Body, StringComparison.Ordinal);

        var (noGoal, _) = await RecordAsync(hub, link, "action", ("action-goal", "3"), ("action-text", "Something"));
        Assert.Equal(400, noGoal.Status);
        Assert.Contains("Select a goal of the plan", noGoal.Body, StringComparison.Ordinal);
        Assert.Null(await hub.Get<EpisodeStore>().GetAsync(referralId));
    }

    [Fact]
    public async Task Only_the_accepting_link_worker_service_opens_the_episode()
    {
        // Alpha accepted as a befriending provider, not a link-worker service: it reports progress on the handover only.
        var (referralId, _, _) = await hub.AcceptedAsync();
        var link = ProviderLinks.Find(await hub.OfferAsync("alpha", referralId), "Accept")!;
        await hub.AuditWithAsync(referralId, "accepted");
        var notLinkWorker = await Eventually.ValueAsync(() => OpenAsync(hub, link), p => p.Status != 409, what: "the handover to be recorded");
        Assert.Equal(404, notLinkWorker.Status);
        Assert.Contains("Episodes are kept by link-worker services", notLinkWorker.Body, StringComparison.Ordinal);

        // A forged or altered link opens nothing.
        var forged = await OpenAsync(hub, link.Replace("t=", "t=x", StringComparison.Ordinal));
        Assert.Equal(400, forged.Status);
        Assert.DoesNotContain("Richard", forged.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_provider_API_reads_and_records_the_episode_with_the_same_rules_and_other_keys_find_nothing()
    {
        var (referralId, _, link) = await hub.LinkWorkerAcceptedAsync();
        var key = await hub.ProviderKeyAsync("alpha");
        var read = await ReadAsync(key, referralId);
        Assert.Equal(200, read.Status);
        Assert.Equal(0, JsonDocument.Parse(read.Body).RootElement.GetProperty("version").GetInt32());

        var recorded = await ChangeAsync(key, referralId, $$"""{"change": "goal", "n": 0, "goal-text": "Join a choir", "goal-importance": 8, "goal-confidence": "3"}""");
        Assert.Equal(200, recorded.Status);
        var goals = JsonDocument.Parse(recorded.Body).RootElement.GetProperty("goals");
        Assert.Equal(("Join a choir", 8, 3, $"{referralId}-goal-1"),
            (goals[0].GetProperty("text").GetString(), goals[0].GetProperty("importance").GetInt32(), goals[0].GetProperty("confidence").GetInt32(), goals[0].GetProperty("goal").GetString()));

        var replayed = await ChangeAsync(key, referralId, $$"""{"change": "goal", "n": 0, "goal-text": "Join a choir", "goal-importance": 8, "goal-confidence": "3"}""");
        Assert.Equal(409, replayed.Status);
        Assert.Contains("OperationOutcome", replayed.Body, StringComparison.Ordinal);

        var invalid = await ChangeAsync(key, referralId, """{"change": "contact", "n": 1, "contact-date": "yesterday", "contact-mode": "phone", "contact-minutes": 10}""");
        Assert.Equal(400, invalid.Status);
        Assert.Contains("contact-day", invalid.Body, StringComparison.Ordinal);

        // The page sees what the API recorded.
        Assert.Contains("Join a choir", (await OpenAsync(hub, link)).Body, StringComparison.Ordinal);

        var beta = await hub.ProviderKeyAsync("beta");
        Assert.Equal(404, (await ReadAsync(beta, referralId)).Status);
        Assert.Equal(404, (await ChangeAsync(beta, referralId, """{"change": "need", "n": 1, "need-text": "x"}""")).Status);
        var practice = await hub.KeyForAsync(Journey.PracticeClient, ReferralExamples.Practice);
        Assert.Equal(404, (await ReadAsync(practice, referralId)).Status);
        Assert.Equal(401, (await ReadAsync(null, referralId)).Status);
    }

    private Task<HttpAnswer> ReadAsync(string? key, string referralId) =>
        TestHub.CallAsync(HttpCall.Request("GET", $"/api/provider/episodes/{referralId}", apiKey: key), r => hub.Function<EpisodeApiHttp>().Read(r, referralId));

    private Task<HttpAnswer> ChangeAsync(string key, string referralId, string json) =>
        TestHub.CallAsync(HttpCall.Request("POST", $"/api/provider/episodes/{referralId}", Encoding.UTF8.GetBytes(json), "application/json", key),
            r => hub.Function<EpisodeApiHttp>().Record(r, referralId));
}

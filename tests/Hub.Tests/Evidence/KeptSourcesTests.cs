using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Hub.Evidence;
using Hub.FollowUp;
using Hub.LinkWork;
using Hub.Platform.Storage;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Hub.Tests.Evidence;

/// <summary>A hub that counts the storage requests made to each table; its evidence update reads no note twice (one
/// process, one clock: no overlap needed), so what an update reads is what the test did since the last one.</summary>
public sealed class CountedRequestsHub : TestHub
{
    public TableRequests Requests { get; } = new();

    protected override void Setup(HubSetup hub) =>
        hub.Set("Reporting:UpdateOverlap", "00:00:00").AddServices(s => s.Configure<TableClientOptions>("Default", o => o.AddPolicy(Requests, HttpPipelinePosition.PerCall)));

    /// <summary>Requests per table, by the table's stored name (the hub's prefix and the table), made by the calls that
    /// flow from the test since <see cref="Counted"/> (not the hub's own timers and orchestrations).</summary>
    public sealed class TableRequests : HttpPipelineSynchronousPolicy
    {
        private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
        private readonly AsyncLocal<bool> _counting = new();

        /// <summary>Starts counting afresh, for the calls that flow from here.</summary>
        public void Counted()
        {
            _counts.Clear();
            _counting.Value = true;
        }

        /// <summary>Requests whose path names a table ending in <paramref name="table"/> (its point reads and its queries).</summary>
        public int To(string table) => _counts.Where(c => c.Key.EndsWith(table, StringComparison.Ordinal)).Sum(c => c.Value);

        public override void OnSendingRequest(HttpMessage message)
        {
            if (!_counting.Value)
            {
                return;
            }

            // "/{account}/{Table}(PartitionKey='…',RowKey='…')" or "/{account}/{Table}()": the segment before any '('.
            var path = message.Request.Uri.Path;
            var name = path[(path.LastIndexOf('/') + 1)..].Split('(')[0];
            _counts.AddOrUpdate(name, 1, (_, n) => n + 1);
        }
    }
}

/// <summary>Each referral's answers and episode are kept beside its counted row, and the changes index says which
/// sources were written: an update after audit entries alone (the most of a day: offers, clicks, reports) reads
/// neither again, while answers or an episode written since are read and counted, even an episode saved before the
/// acceptance that makes it count.</summary>
public sealed class KeptSourcesTests(CountedRequestsHub hub) : IClassFixture<CountedRequestsHub>
{
    private static readonly string[] Practices = ["P30401", "P30402"];

    [Fact]
    public async System.Threading.Tasks.Task An_update_after_audit_entries_alone_reads_no_answers_and_no_episode_yet_counts_answers_and_episodes_written_since()
    {
        var tables = hub.Get<HubTables>();
        var update = hub.Get<EvidenceUpdate>();
        var rows = hub.Get<EvidenceRowStore>();
        var measures = hub.Get<QuestionnaireLibrary>().Measures;
        var population = new EvidencePopulation(seed: 27, referrals: 60, practices: Practices);
        await population.WriteAsync(tables);
        await update.UpdateAsync();

        // A provider reports progress on a referral accepted without a follow-up answer yet: an audit entry, nothing else.
        var reported = population.Referrals.First(r => r.Events.Any(e => e.Event == "accepted") && r.Responses.All(s => s.Kind != SurveyKind.FollowUp)
            && !r.Events.Any(e => e.Event is "withdrawn" or "follow-up-ended"));
        var acceptedBy = reported.Events.First(e => e.Event == "accepted").Actor;
        await hub.Get<AuditTrail>().AppendAsync(reported.ReferralId, "progress-reported", acceptedBy, "sessions:4");
        hub.Requests.Counted();
        await update.UpdateAsync();
        Assert.False(update.LastRun!.Rebuild);
        Assert.Equal(1, update.LastRun.Changed);
        Assert.Equal(0, hub.Requests.To(FollowUpStore.SurveyResponses));
        Assert.Equal(0, hub.Requests.To(EpisodeStore.Table));
        var withReport = (await rows.GetAsync(reported.PracticeOds, reported.ReferralId)).Row!;
        Assert.Equal(4, withReport.Engagement?.Sessions);
        Assert.Equal(population.Rows().Single(r => r.ReferralId == reported.ReferralId).Baseline, withReport.Baseline);

        // Then the person answers the follow-up, through the follow-up store: the note says answers were written.
        var answer = new SurveyResponse(reported.ReferralId, reported.PracticeOds, SurveyKind.FollowUp, "https://social-prescribing-hub.nhs.example/Questionnaire/sp-follow-up",
            AnswerSource.Patient, DateTimeOffset.UtcNow, true, new Dictionary<string, decimal> { ["ons4-life-satisfaction"] = 9, ["ons4-anxiety"] = 1, ["ucla3-total"] = 3 }, 0, WriteBackState.Written);
        Assert.True(await hub.Get<FollowUpStore>().TryAddResponseAsync(answer, "{}"));
        hub.Requests.Counted();
        await update.UpdateAsync();
        Assert.True(hub.Requests.To(FollowUpStore.SurveyResponses) > 0, "the answers noted were not read");
        Assert.Equal(1, update.LastRun!.Changed);
        Assert.Equal(9, (await rows.GetAsync(reported.PracticeOds, reported.ReferralId)).Row!.FollowUp["ons4-life-satisfaction"]);
        var truth = population.Referrals.Select(r => r == reported
            ? ReferralJourney.From(r.ReferralId, r.PracticeOds, [.. r.Events, new AuditEntry(r.ReferralId, "progress-reported", acceptedBy, DateTimeOffset.UtcNow, "sessions:4")], [.. r.Responses, answer])!
            : ReferralJourney.From(r.ReferralId, r.PracticeOds, r.Events, r.Responses)!).ToList();
        await StoredCellsTests.AssertFiguresAsync(truth, hub.Get<EvidenceCellStore>(), measures);

        // A link worker's episode saved while the referral still waits counts nothing yet, but is kept: when the
        // acceptance arrives later (an audit entry alone), the row carries the episode.
        var one = new EvidencePopulation(seed: 28, referrals: 1, practices: [Practices[0]]);
        var waiting = one.Referrals[0];
        var offered = waiting.Events.First(e => e.Event == "offered");
        var service = offered.Actor;
        waiting.Events.RemoveAll(e => e.At > offered.At);
        waiting.Responses.RemoveAll(r => r.Kind == SurveyKind.FollowUp);
        await one.WriteAsync(tables);
        await update.UpdateAsync();
        Assert.Equal(ChaseResult.InProgress, (await rows.GetAsync(waiting.PracticeOds, waiting.ReferralId)).Row!.Chase);
        var episode = Episode.Start(waiting.ReferralId, service["provider:".Length..], waiting.PracticeOds, waiting.ReferralId, DateTimeOffset.UtcNow) with
        {
            Contacts = [new EpisodeContact(new DateOnly(2026, 3, 2), ContactMode.Phone, 20), new EpisodeContact(new DateOnly(2026, 3, 9), ContactMode.FaceToFace, 45)],
        };
        Assert.True(await hub.Get<EpisodeStore>().TrySaveAsync(episode));
        await update.UpdateAsync();
        Assert.Equal(0, update.LastRun!.Changed);
        Assert.Null((await rows.GetAsync(waiting.PracticeOds, waiting.ReferralId)).Row!.Episode);

        await hub.Get<AuditTrail>().AppendAsync(waiting.ReferralId, "accepted", service, null);
        hub.Requests.Counted();
        await update.UpdateAsync();
        Assert.Equal(0, hub.Requests.To(EpisodeStore.Table));
        var accepted = (await rows.GetAsync(waiting.PracticeOds, waiting.ReferralId)).Row!;
        Assert.Equal(ChaseResult.Accepted, accepted.Chase);
        Assert.Equal(2, accepted.Episode?.Contacts);
        Assert.Equal(new DateOnly(2026, 3, 2), accepted.Episode?.FirstContact);
    }
}

/// <summary>A referral new since the last update, whose whole trail is in the notes read (its referral-received entry
/// among them), has no kept copy of its sources: its answers and episode are read only when a note says they were
/// written, since every write to them is noted after that first entry.</summary>
public sealed class NewReferralSourcesTests(CountedRequestsHub hub) : IClassFixture<CountedRequestsHub>
{
    private static readonly string[] Practices = ["P30501", "P30502"];

    [Fact]
    public async System.Threading.Tasks.Task New_referrals_have_their_answers_read_only_when_noted_and_count_as_the_truth()
    {
        var tables = hub.Get<HubTables>();
        var update = hub.Get<EvidenceUpdate>();
        var measures = hub.Get<QuestionnaireLibrary>().Measures;
        var changes = hub.Get<ReferralChanges>();
        await update.UpdateAsync();

        // Referrals received since, none answered yet: their entries noted as the audit trail's append notes them.
        var unanswered = new EvidencePopulation(seed: 31, referrals: 30, practices: Practices);
        foreach (var referral in unanswered.Referrals)
        {
            referral.Responses.Clear();
        }

        await WriteWithEntriesNotedAsync(unanswered);
        hub.Requests.Counted();
        await update.UpdateAsync();
        Assert.Equal(30, update.LastRun!.Changed);
        Assert.Equal(0, hub.Requests.To(FollowUpStore.SurveyResponses));
        Assert.Equal(0, hub.Requests.To(EpisodeStore.Table));
        Assert.Equal(0, hub.Requests.To(AuditTrail.Table));
        await StoredCellsTests.AssertFiguresAsync(unanswered.Rows(), hub.Get<EvidenceCellStore>(), measures);

        // Referrals received and answered since (baselines with the referral, some follow-ups): noted, read, counted.
        var answered = new EvidencePopulation(seed: 32, referrals: 30, practices: Practices);
        Assert.Contains(answered.Referrals, r => r.Responses.Count > 0);
        await WriteWithEntriesNotedAsync(answered);
        hub.Requests.Counted();
        await update.UpdateAsync();
        Assert.True(hub.Requests.To(FollowUpStore.SurveyResponses) > 0, "the answers noted were not read");
        await StoredCellsTests.AssertFiguresAsync([.. unanswered.Rows(), .. answered.Rows()], hub.Get<EvidenceCellStore>(), measures);

        async System.Threading.Tasks.Task WriteWithEntriesNotedAsync(EvidencePopulation population)
        {
            await population.WriteAsync(tables);
            await changes.NoteAsync(population.Referrals.SelectMany(r => r.Events.Select((e, i) => new ReferralNote(r.ReferralId, r.PracticeOds, e, $"{e.At.UtcTicks:D19}-{i:D3}"))).ToList());
        }
    }
}

using Hub.Evidence;
using Hub.Platform.Storage;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Evidence;

/// <summary>The snapshot as another instance reads it: a fresh store (a restart, a second host) loads what one saved,
/// across several entities, and a newer snapshot replaces it.</summary>
public sealed class EvidenceSnapshotStoreTests(TestHub hub) : IClassFixture<TestHub>
{
    [Fact]
    public async System.Threading.Tasks.Task A_snapshot_spanning_several_entities_is_read_back_whole_by_a_fresh_instance()
    {
        var rows = new EvidencePopulation(seed: 5, referrals: 25_000).Rows();
        var packed = EvidenceSnapshotStore.Pack(rows);
        Assert.True(packed.Length > 2 * 11 * 63 * 1024, $"{packed.Length} bytes: the test must span more than two entities");

        using var writer = new EvidenceSnapshotStore(hub.Get<HubTables>());
        var saved = await writer.SaveAsync(rows, new DateTimeOffset(2026, 11, 25, 2, 30, 0, TimeSpan.Zero));

        using var reader = new EvidenceSnapshotStore(hub.Get<HubTables>());
        var loaded = await reader.LatestAsync();
        Assert.Equal(saved.Id, loaded!.Id);
        Assert.Equal(saved.TakenAt, loaded.TakenAt);
        Assert.Equal(rows.Count, loaded.Rows.Count);
        Assert.Equal(packed, EvidenceSnapshotStore.Pack(loaded.Rows));
        var answered = loaded.Rows.First(r => r.FollowUpResult == FollowUpResult.Answered);
        var original = rows.Single(r => r.ReferralId == answered.ReferralId);
        Assert.Equal(original.FollowUp["ons4-life-satisfaction"], answered.FollowUp["ons4-life-satisfaction"]);
        Assert.Equal(original.Offers.Select(o => (o.ProviderId, o.Answer, o.AnsweredAt)), answered.Offers.Select(o => (o.ProviderId, o.Answer, o.AnsweredAt)));

        // A newer snapshot replaces it for every reader.
        var newer = await writer.SaveAsync(rows.Take(10).ToList(), saved.TakenAt.AddDays(1));
        Assert.Equal(newer.Id, (await reader.LatestAsync())!.Id);
        Assert.Equal(10, (await reader.LatestAsync())!.Rows.Count);
    }
}

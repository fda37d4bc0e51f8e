using Hub.Evidence;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Evidence;

/// <summary>A hub that has never taken a snapshot takes one on its first report. Reports asked for together (a scheme
/// lead's page and the FHIR report, a dashboard's parallel requests) share that one pass over the tables.</summary>
public sealed class FirstSnapshotTests(TestHub hub) : IClassFixture<TestHub>
{
    [Fact]
    public async System.Threading.Tasks.Task Reports_asked_for_together_on_a_hub_without_a_snapshot_share_one()
    {
        var snapshots = hub.Get<EvidenceSnapshots>();
        var together = await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 4).Select(_ => snapshots.CurrentAsync()));

        Assert.Single(together.Select(s => s.Id).Distinct());
        Assert.Equal(together[0].Id, (await snapshots.CurrentAsync()).Id);
        Assert.NotEqual(together[0].Id, (await snapshots.TakeAsync()).Id);   // an operator's snapshot is always a new one
    }
}

using Hub.Evidence;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Evidence;

/// <summary>A hub whose evidence was never counted counts it on its first report. Reports asked for together (a scheme
/// lead's page and the FHIR report, a dashboard's parallel requests) share that one pass; an operator's update is always
/// a new one.</summary>
public sealed class FirstUpdateTests(TestHub hub) : IClassFixture<TestHub>
{
    [Fact]
    public async System.Threading.Tasks.Task Reports_asked_for_together_on_a_hub_never_counted_share_one_update()
    {
        var update = hub.Get<EvidenceUpdate>();
        var together = await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 4).Select(_ => update.CurrentAsync()));

        Assert.Single(together.Select(s => s.Id).Distinct());
        Assert.Equal(together[0].Id, (await update.CurrentAsync()).Id);
        Assert.NotEqual(together[0].Id, (await update.UpdateAsync()).Id);
    }
}

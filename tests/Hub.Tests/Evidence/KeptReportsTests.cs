using Hub.Access;
using Hub.Evidence;
using Hub.Platform.Storage;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Evidence;

/// <summary>A report is protected (audited with every report inside it) once per state of the cells: asked again before
/// an update it gives the same figures without a second audit; once an update has counted more referrals it is made
/// afresh, never served from the state before.</summary>
public sealed class KeptReportsTests(TestHub hub) : IClassFixture<TestHub>
{
    private static readonly string[] Practices = ["P40101", "P40102"];

    [Fact]
    public async System.Threading.Tasks.Task A_report_kept_for_one_state_gives_way_to_the_new_figures_after_an_update()
    {
        var tables = hub.Get<HubTables>();
        var caller = (await hub.Get<ApiKeys>().AuthenticateAsync(await hub.KeyForAsync("kept-reports", Practices)))!;
        var reports = hub.Get<EvidenceReports>();
        var update = hub.Get<EvidenceUpdate>();
        var (year, problems) = ReportQuery.Parse(default, "2026");
        Assert.Empty(problems);

        await new EvidencePopulation(seed: 41, referrals: 120, Practices).WriteAsync(tables);
        await update.UpdateAsync();
        var first = (await reports.ForAsync(caller, year!)).Report!;
        var again = (await reports.ForAsync(caller, year!)).Report!;

        Assert.Equal(120, first.Funnel[0].Count.Count);
        // The same figures, not audited again: the second answer holds the first one's stages.
        Assert.Same(first.Funnel, again.Funnel);

        await new EvidencePopulation(seed: 42, referrals: 40, Practices).WriteAsync(tables);
        await update.UpdateAsync();
        var after = (await reports.ForAsync(caller, year!)).Report!;

        Assert.Equal(160, after.Funnel[0].Count.Count);
        Assert.NotSame(first.Funnel, after.Funnel);
    }
}

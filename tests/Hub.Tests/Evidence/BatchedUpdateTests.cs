using Hub.Evidence;
using Hub.FollowUp;
using Hub.Platform.Storage;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Evidence;

/// <summary>A hub whose evidence update reads and counts 7 referrals at a time.</summary>
public sealed class BatchedUpdateHub : TestHub
{
    protected override void Setup(HubSetup hub) => hub.Set("Reporting:UpdateBatchReferrals", "7");
}

/// <summary>An update cut into batches (<see cref="ReportingOptions.UpdateBatchReferrals"/>, so that its memory follows
/// the batch, not the day) counts what one batch would: each batch journalled and applied before the next is read, the
/// watermark moved by the last one only.</summary>
public sealed class BatchedUpdateTests(BatchedUpdateHub hub) : IClassFixture<BatchedUpdateHub>
{
    private static readonly string[] Practices = ["P30301", "P30302"];

    [Fact]
    public async System.Threading.Tasks.Task An_update_in_batches_counts_the_whole_day_and_finds_nothing_left_after()
    {
        var tables = hub.Get<HubTables>();
        var measures = hub.Get<QuestionnaireLibrary>().Measures;
        var update = hub.Get<EvidenceUpdate>();
        var population = new EvidencePopulation(seed: 25, referrals: 80, practices: Practices);
        await population.WriteAsync(tables);
        await update.UpdateAsync();

        var arrivals = new EvidencePopulation(seed: 26, referrals: 30, practices: Practices);
        await arrivals.WriteAsync(tables);
        var state = await update.UpdateAsync();

        var run = update.LastRun!;
        Assert.False(run.Rebuild);
        Assert.Equal(30, run.Changed);
        Assert.True(run.Batches > 1, $"{run.Touched} referrals read in {run.Batches} batch(es) of 7");
        Assert.Equal((run.Touched + 6) / 7, run.Batches);
        Assert.Equal(110, state.Referrals);
        Assert.Null(state.PendingBatch);
        await StoredCellsTests.AssertFiguresAsync([.. population.Rows(), .. arrivals.Rows()], hub.Get<EvidenceCellStore>(), measures);

        await update.UpdateAsync();
        Assert.Equal(0, update.LastRun!.Changed);
        Assert.Equal(110, (await hub.Get<EvidenceCellStore>().StateAsync())!.Referrals);
    }
}

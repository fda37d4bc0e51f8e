using System.Runtime.CompilerServices;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Hub.Evidence;
using Hub.FollowUp;
using Hub.Platform.Storage;
using Hub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Hub.Tests.Evidence;

/// <summary>A hub whose evidence update reads and counts 7 referrals at a time, and whose process can die in the middle
/// of an update's second batch (<see cref="Death"/>).</summary>
public sealed class BatchedUpdateHub : TestHub
{
    public DiesInSecondBatch Death { get; } = new();

    protected override void Setup(HubSetup hub) =>
        hub.Set("Reporting:UpdateBatchReferrals", "7")
            .AddServices(s => s.Configure<TableClientOptions>("Default", o => o.AddPolicy(Death, HttpPipelinePosition.PerCall)));

    /// <summary>For the calls that flow from <see cref="Armed"/>: once a second batch's journal is written and three of
    /// its cells' writes have gone through, the process dies, so every storage call after fails (half a batch applied).</summary>
    public sealed class DiesInSecondBatch : HttpPipelineSynchronousPolicy
    {
        private readonly AsyncLocal<StrongBox<int>?> _journals = new();
        private readonly AsyncLocal<StrongBox<int>?> _cellWrites = new();

        public void Armed()
        {
            _journals.Value = new StrongBox<int>(0);
            _cellWrites.Value = new StrongBox<int>(0);
        }

        public void Disarmed() => (_journals.Value, _cellWrites.Value) = (null, null);

        public override void OnSendingRequest(HttpMessage message)
        {
            if (_journals.Value is not { } journals || _cellWrites.Value is not { } cellWrites)
            {
                return;
            }

            var path = Uri.UnescapeDataString(message.Request.Uri.Path);
            var write = message.Request.Method != RequestMethod.Get && path.Contains(EvidenceCellStore.Table, StringComparison.Ordinal);
            if (write && path.Contains("'batch|", StringComparison.Ordinal))
            {
                journals.Value++;
            }
            else if (write && journals.Value >= 2 && ++cellWrites.Value > 3)
            {
                throw new IOException("The process died.");
            }
        }
    }
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

/// <summary>An update that dies between or inside its batches loses nothing and counts nothing twice: the batch in hand
/// is journalled before any of its cells move, the next update finishes it exactly once, then reads again from the
/// watermark the last whole run left (only the last batch moves it).</summary>
public sealed class InterruptedUpdateTests(BatchedUpdateHub hub) : IClassFixture<BatchedUpdateHub>
{
    private static readonly string[] Practices = ["P30311", "P30312", "P30313"];
    private static readonly ReportScope Scope = new(null, null, [], DateTimeOffset.UnixEpoch);
    private static readonly ReportingOptions Costs = new();

    [Fact]
    public async System.Threading.Tasks.Task An_update_that_dies_half_way_through_a_batch_is_finished_exactly_once_by_the_next()
    {
        var tables = hub.Get<HubTables>();
        var measures = hub.Get<QuestionnaireLibrary>().Measures;
        var update = hub.Get<EvidenceUpdate>();
        var store = hub.Get<EvidenceCellStore>();
        await update.UpdateAsync();
        var before = (await store.StateAsync())!.Referrals;
        var population = new EvidencePopulation(seed: 29, referrals: 40, practices: Practices);
        await population.WriteAsync(tables);
        await update.UpdateAsync();

        var arrivals = new EvidencePopulation(seed: 30, referrals: 30, practices: Practices);
        await arrivals.WriteAsync(tables);
        hub.Death.Armed();
        try
        {
            await Assert.ThrowsAsync<IOException>(() => update.UpdateAsync());
        }
        finally
        {
            hub.Death.Disarmed();
        }

        // The first batch is applied, the second journalled and half applied: the state says so, and a report sees
        // neither the half batch nor a referral counted twice until the next update finishes it.
        var stopped = (await store.StateAsync())!;
        Assert.NotNull(stopped.PendingBatch);

        var finished = await update.UpdateAsync();
        Assert.Null(finished.PendingBatch);
        Assert.Equal(before + 70, finished.Referrals);
        List<EvidenceRow> rows = [.. population.Rows(), .. arrivals.Rows()];
        await StoredCellsTests.AssertFiguresAsync(rows, store, measures);
        foreach (var practice in Practices)
        {
            // Each practice's own cells too (the figures above read the running totals): a cell the dead run wrote is not
            // counted again by the run that finishes its batch.
            EvidenceCellsTests.AssertSame(EvidenceReport.Build(rows.Where(r => r.PracticeOds == practice).ToList(), Scope, Costs, measures),
                EvidenceReport.FromCell(await store.MergeAsync([practice], null, null), Scope, Costs, measures));
        }

        await update.UpdateAsync();
        Assert.Equal(0, update.LastRun!.Changed);
        Assert.Equal(before + 70, (await store.StateAsync())!.Referrals);
    }
}

using Hub.Evidence;
using Hub.Platform.Storage;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Evidence;

/// <summary>How the stored cells are read: a bounded period cell by cell (point reads) and a long or open one by
/// partition range give the same sums; cells read for reports are kept as at the stored state, so a report never mixes
/// an update half applied, and once the state moves (this instance's update or another's) the cells are read again.</summary>
public sealed class EvidenceCellStoreTests(TestHub hub) : IClassFixture<TestHub>
{
    private static DateTimeOffset Month(int year, int month) => new(year, month, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async System.Threading.Tasks.Task A_period_read_cell_by_cell_sums_the_same_months_as_one_read_by_range()
    {
        var store = hub.Get<EvidenceCellStore>();
        await store.SaveStateAsync(new EvidenceState(1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, null, 0) { Counting = EvidenceUpdate.Counting }, whateverIsThere: true);
        var cells = new[] { (Month(2024, 1), 1), (Month(2024, 2), 10), (Month(2024, 3), 100), (Month(2021, 6), 1000) }
            .Select(c => new CellDelta("P31002", CellKey.MonthOf(c.Item1), CellKey.Everyone, new EvidenceCell { Referred = c.Item2 })).ToList();
        await store.ApplyAsync(new EvidenceBatch("b-periods", null, cells, [], [new ViewPractices(CellKey.Everyone, ["P31002"])], 0));
        await store.SaveStateAsync((await store.StateAsync())!);

        async System.Threading.Tasks.Task<int> Referred(DateTimeOffset? from, DateTimeOffset? to) => (await store.MergeAsync(["P31002"], from, to)).Referred;

        Assert.Equal(11, await Referred(Month(2024, 1), Month(2024, 3)));                         // two months, cell by cell
        Assert.Equal(11, await Referred(Month(2024, 1).AddDays(14), Month(2024, 3).AddDays(14))); // months of referral: the month a day falls in, to the month of the end
        Assert.Equal(100, await Referred(Month(2024, 3), Month(2024, 4)));
        Assert.Equal(0, await Referred(Month(2024, 4), Month(2024, 4)));
        Assert.Equal(1111, await Referred(null, null));                                             // open: by range
        Assert.Equal(1111, await Referred(Month(2015, 1), Month(2030, 1)));                        // fifteen years: by range
        Assert.Equal(111, await Referred(Month(2022, 1), null));
    }

    [Fact]
    public async System.Threading.Tasks.Task Cells_kept_for_reports_are_as_at_the_stored_state_and_read_again_once_another_instance_moves_it()
    {
        var reader = hub.Get<EvidenceCellStore>();
        var writer = new EvidenceCellStore(hub.Get<HubTables>());   // another instance's store over the same tables
        var may = new DateOnly(2024, 5, 1);
        EvidenceBatch Batch(string id, int referred) =>
            new(id, null, [new CellDelta("P31001", may, CellKey.Everyone, new EvidenceCell { Referred = referred })], [], [new ViewPractices(CellKey.Everyone, ["P31001"])], 0);
        async System.Threading.Tasks.Task<int> Read() => (await reader.MergeAsync(["P31001"], Month(2024, 5), Month(2024, 6))).Referred;

        await writer.SaveStateAsync(new EvidenceState(1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, null, 0) { Counting = EvidenceUpdate.Counting }, whateverIsThere: true);
        await writer.ApplyAsync(Batch("b-kept-1", 2));
        var state = await writer.SaveStateAsync((await writer.StateAsync())! with { Version = 2 });
        Assert.Equal(2, await Read());

        // The other instance applies a batch but has not yet saved the state that says it is done: a report still reads
        // the cells as at the last state, not a mix of half an update.
        await writer.ApplyAsync(Batch("b-kept-2", 3));
        Assert.Equal(2, await Read());

        await writer.SaveStateAsync(state with { Version = 3 });
        Assert.Equal(5, await Read());
    }
}

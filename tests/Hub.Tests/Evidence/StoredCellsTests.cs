using System.Text.Json;
using Azure.Data.Tables;
using Hub.Evidence;
using Hub.FollowUp;
using Hub.Platform.Storage;
using Hub.Referrals;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Evidence;

/// <summary>The evidence cells in Table storage, kept current by the nightly update: the figures read from stored cells
/// are today's figures over the same referrals (before rounding); an update after new events rewrites only the cells
/// those events touch, counts a referral whose journey moved on once (its old contribution replaced), and changes
/// nothing when run again; a rebuild from the audit trail gives the same cells as the updates did.</summary>
public sealed class StoredCellsTests(TestHub hub) : IClassFixture<TestHub>
{
    private static readonly ReportScope Scope = new(null, null, [], DateTimeOffset.UnixEpoch);
    private static readonly ReportingOptions Costs = new();
    private static readonly string[] Practices = ["P30001", "P30002", "P30003"];

    [Fact]
    public async System.Threading.Tasks.Task Cells_kept_by_updates_give_todays_figures_change_only_where_events_fall_and_rebuild_the_same()
    {
        var measures = hub.Get<QuestionnaireLibrary>().Measures;
        var update = hub.Get<EvidenceUpdate>();
        var store = hub.Get<EvidenceCellStore>();
        // Referrals the class's other tests counted before this one (the order of tests in a class is not fixed).
        var earlier = (await store.StateAsync())?.Referrals ?? 0;
        var population = new EvidencePopulation(seed: 21, referrals: 400, practices: Practices);
        await population.WriteAsync(hub.Get<HubTables>());
        var first = await update.UpdateAsync();
        Assert.Equal(earlier + 400, first.Referrals);

        // Today's figures (rows in memory) and the stored cells' figures agree: the whole hub, one practice-month, one provider.
        var rows = population.Rows();
        await AssertFiguresAsync(rows, store, measures);
        // The providers' progress reports are in the stored cells too (engagement, reported by providers).
        Assert.Equal(population.ExpectedOf("provider-reported"), (await store.MergeAsync(Practices, null, null)).ProviderReported);

        // New events: one accepted referral is withdrawn; three new referrals arrive at another practice.
        var before = await CellsAsync(store);
        var moved = population.Referrals.First(r => r.PracticeOds == Practices[1] && r.Events.Any(e => e.Event == "accepted") && !r.Events.Any(e => e.Event == "follow-up-ended"));
        // Through the hub's own append: the audit trail notes the referral in the changes index, which is all the update reads.
        await hub.Get<AuditTrail>().AppendAsync(moved.ReferralId, "withdrawn", "hub", "practice");
        var at = (await hub.Get<AuditTrail>().ReadAsync(moved.ReferralId)).Single(e => e.Event == "withdrawn").At;
        var arrivals = new EvidencePopulation(seed: 22, referrals: 3, practices: ["P30009"]);
        await arrivals.WriteAsync(hub.Get<HubTables>());

        var second = await update.UpdateAsync();
        Assert.Equal(earlier + 403, second.Referrals);
        Assert.False(update.LastRun!.Rebuild);
        Assert.Equal(4, update.LastRun.Changed);
        var after = await CellsAsync(store);
        var changed = after.Where(c => before.GetValueOrDefault(c.Key) != c.Value).Select(c => c.Key).ToHashSet();
        var movedRow = rows.Single(r => r.ReferralId == moved.ReferralId);
        var month = CellKey.MonthOf(movedRow.ReferredAt);
        var allowed = new HashSet<CellKey>();
        foreach (var row in arrivals.Rows().Append(movedRow))
        {
            foreach (var view in row.Offers.Select(o => o.ProviderId).Append(CellKey.Everyone))
            {
                allowed.Add(new CellKey(row.PracticeOds, CellKey.MonthOf(row.ReferredAt), view));
                allowed.Add(new CellKey(CellKey.AllPractices, CellKey.MonthOf(row.ReferredAt), view));
            }
        }

        Assert.Contains(new CellKey(Practices[1], month, CellKey.Everyone), changed);
        Assert.Empty(changed.Except(allowed));
        Assert.DoesNotContain(new CellKey(Practices[0], month, CellKey.Everyone), changed);

        // The moved referral counts once, as it now is; the new ones are in.
        var now = population.Referrals.Concat(arrivals.Referrals).Select(r => ReferralJourney.From(r.ReferralId, r.PracticeOds,
            r == moved ? [.. r.Events, new AuditEntry(r.ReferralId, "withdrawn", "hub", at, "practice")] : r.Events, r.Responses)!).ToList();
        Assert.NotEqual(movedRow.FollowUpResult, now.Single(r => r.ReferralId == moved.ReferralId).FollowUpResult);
        await AssertFiguresAsync(now, store, measures);

        // Run again: nothing to change, nothing changes; nor when the same referral is noted again (a step that ran twice).
        await update.UpdateAsync();
        Assert.Equal(0, update.LastRun!.Changed);
        Assert.Equal(after, await CellsAsync(store));
        await hub.Get<ReferralChanges>().NoteAsync(moved.ReferralId);
        await hub.Get<ReferralChanges>().NoteAsync(moved.ReferralId);
        await update.UpdateAsync();
        Assert.Contains(moved.ReferralId, await ChangedAsync(hub));
        Assert.Equal(0, update.LastRun!.Changed);
        Assert.Equal(earlier + 403, (await store.StateAsync())!.Referrals);
        Assert.Equal(after, await CellsAsync(store));

        // A rebuild from the audit trail (the operator's command) gives the very same cells.
        var rebuilt = await TestHub.CallAsync(HttpCall.Request("POST", "/api/manage/evidence/rebuild"), r => hub.Function<EvidenceSnapshotTimer>().Rebuild(r));
        Assert.Equal(200, rebuilt.Status);
        using var answer = JsonDocument.Parse(rebuilt.Body);
        Assert.True(answer.RootElement.GetProperty("rebuilt").GetBoolean());
        Assert.Equal(earlier + 403, answer.RootElement.GetProperty("referrals").GetInt32());
        Assert.Equal(after, await CellsAsync(store));
    }

    [Fact]
    public async System.Threading.Tasks.Task Evidence_counted_before_the_changes_index_is_counted_afresh_once_then_updated_from_the_index()
    {
        var update = hub.Get<EvidenceUpdate>();
        var store = hub.Get<EvidenceCellStore>();
        await update.UpdateAsync();
        // A state as an earlier version of the hub saved it: a watermark, but not one taken with the index kept.
        var old = (await store.StateAsync())!;
        await store.SaveStateAsync(old with { Counting = null }, whateverIsThere: true);

        await update.UpdateAsync();
        Assert.True(update.LastRun!.Rebuild);
        Assert.Equal(EvidenceUpdate.Counting, (await store.StateAsync())!.Counting);

        await update.UpdateAsync();
        Assert.False(update.LastRun!.Rebuild);
    }

    [Theory]
    [InlineData("month-only", 23, "P30201", "P30202")]
    [InlineData("month|partition", 24, "P30211", "P30212")]
    public async System.Threading.Tasks.Task Cells_stored_under_an_earlier_layout_are_read_until_the_next_update_keys_a_practice_year_an_entity(string layout, int seed, string practice, string other)
    {
        await new EvidencePopulation(seed, referrals: 120, practices: [practice, other]).WriteAsync(hub.Get<HubTables>());
        var update = hub.Get<EvidenceUpdate>();
        var store = hub.Get<EvidenceCellStore>();
        await update.UpdateAsync();
        var current = await CellsAsync(store);
        var march = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var marchMerged = await store.MergeAsync([practice], march, march.AddMonths(1));
        Assert.True(marchMerged.Referred > 0, $"The population has referrals at {practice} in March 2026.");
        var marchCell = Canonical(JsonSerializer.SerializeToNode(marchMerged.Pruned())!).ToJsonString();
        var yearMerged = Canonical(JsonSerializer.SerializeToNode((await store.MergeAsync([practice, other], march.AddMonths(-2), march.AddMonths(10))).Pruned())!).ToJsonString();

        // The table as an earlier version left it: every cell an entity of its own, row keyed by its month (alone, or
        // followed by its partition), pieces named Piece00…; and a state counted then.
        var table = await hub.Get<HubTables>().GetAsync(EvidenceCellStore.Table);
        var monthOnly = layout == "month-only";
        await foreach (var entity in table.QueryAsync<TableEntity>())
        {
            var year = entity.RowKey.Length > 4 && entity.RowKey[4] == '|';
            var month = entity.RowKey.Length > 7 && entity.RowKey[7] == '|';
            if (!year && !month || entity.PartitionKey.StartsWith("batch|", StringComparison.Ordinal))
            {
                continue;
            }

            await table.DeleteEntityAsync(entity.PartitionKey, entity.RowKey);
            if (month)
            {
                entity.RowKey = monthOnly ? entity.RowKey[..7] : entity.RowKey;
                await table.UpsertEntityAsync(entity, TableUpdateMode.Replace);
                continue;
            }

            foreach (var m in Enumerable.Range(1, 12).Where(m => entity.ContainsKey($"M{m:D2}P00")))
            {
                var monthKey = $"{entity.RowKey[..4]}-{m:D2}";
                var cell = new TableEntity(entity.PartitionKey, monthOnly ? monthKey : $"{monthKey}|{entity.PartitionKey}") { ["LastBatch"] = entity.GetString("LastBatch") };
                for (var piece = 0; entity.GetBinary($"M{m:D2}P{piece:D2}") is { } bytes; piece++)
                {
                    cell[$"Piece{piece:D2}"] = bytes;
                }

                await table.UpsertEntityAsync(cell, TableUpdateMode.Replace);
            }
        }

        var state = (await store.StateAsync())!;
        var counting = monthOnly ? "referral-changes:" + string.Join(',', ReferralJourney.Events.Select(e => e.Spelling()))
            : EvidenceUpdate.Counting.Replace(EvidenceCellStore.Layout, "rows:month|partition", StringComparison.Ordinal);
        await store.SaveStateAsync(state with { Counting = counting }, whateverIsThere: true);

        // Reports read the old keys meanwhile: a month read cell by cell, a year of two practices, and everything by range.
        Assert.Equal(marchCell, Canonical(JsonSerializer.SerializeToNode((await store.MergeAsync([practice], march, march.AddMonths(1))).Pruned())!).ToJsonString());
        Assert.Equal(yearMerged, Canonical(JsonSerializer.SerializeToNode((await store.MergeAsync([practice, other], march.AddMonths(-2), march.AddMonths(10))).Pruned())!).ToJsonString());
        Assert.Equal(current, await CellsAsync(store));

        await update.UpdateAsync();
        Assert.True(update.LastRun!.Rebuild);
        Assert.Equal(current, await CellsAsync(store));
        Assert.Equal(marchCell, Canonical(JsonSerializer.SerializeToNode((await store.MergeAsync([practice], march, march.AddMonths(1))).Pruned())!).ToJsonString());
        Assert.Equal(yearMerged, Canonical(JsonSerializer.SerializeToNode((await store.MergeAsync([practice, other], march.AddMonths(-2), march.AddMonths(10))).Pruned())!).ToJsonString());
        var rowKeys = new List<string>();
        await foreach (var entity in table.QueryAsync<TableEntity>(e => e.PartitionKey != "state", select: ["PartitionKey", "RowKey"]))
        {
            if (!entity.PartitionKey.StartsWith("batch|", StringComparison.Ordinal) && entity.RowKey != "practices")
            {
                rowKeys.Add(entity.RowKey);
                Assert.EndsWith("|" + entity.PartitionKey, entity.RowKey);
                // A practice's cells a year an entity; the running totals (practice *) a month an entity.
                Assert.Equal(entity.PartitionKey.EndsWith("|*", StringComparison.Ordinal) ? '-' : '|', entity.RowKey[4]);
            }
        }

        Assert.NotEmpty(rowKeys);
        Assert.Equal(rowKeys.Count, rowKeys.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async System.Threading.Tasks.Task A_batch_applied_twice_after_a_stop_counts_once()
    {
        var store = hub.Get<EvidenceCellStore>();
        var delta = new EvidenceCell { Referred = 2, Accepted = 1 };
        var month = new DateOnly(2025, 1, 1);
        var batch = new EvidenceBatch("b-test-once", null, [new CellDelta("P30099", month, CellKey.Everyone, delta), new CellDelta(CellKey.AllPractices, month, CellKey.Everyone, delta)], [], [new ViewPractices(CellKey.Everyone, ["P30099"])], 0);

        await store.ApplyAsync(batch);
        await store.ApplyAsync(batch);   // the run stopped before saying it was done, and the next run finishes it

        var cell = await store.MergeAsync(["P30099"], new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 2, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal((2, 1), (cell.Referred, cell.Accepted));
    }

    internal static async System.Threading.Tasks.Task AssertFiguresAsync(IReadOnlyList<EvidenceRow> rows, EvidenceCellStore store, MeasureCatalogue measures)
    {
        var practices = rows.Select(r => r.PracticeOds).Distinct().ToList();
        EvidenceCellsTests.AssertSame(EvidenceReport.Build(rows, Scope, Costs, measures),
            EvidenceReport.FromCell(await store.MergeAsync(practices, null, null), Scope, Costs, measures));

        var march = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        EvidenceCellsTests.AssertSame(EvidenceReport.Build(rows.Where(r => r.PracticeOds == Practices[0] && r.ReferredAt >= march && r.ReferredAt < march.AddMonths(1)).ToList(), Scope, Costs, measures),
            EvidenceReport.FromCell(await store.MergeAsync([Practices[0]], march, march.AddMonths(1)), Scope, Costs, measures));

        var provider = EvidencePopulation.Providers[1];
        EvidenceCellsTests.AssertSame(EvidenceReport.Build(rows.Select(r => r.AsSeenBy(provider)).OfType<EvidenceRow>().ToList(), Scope, Costs, measures),
            EvidenceReport.FromCell(await store.MergeAsync(practices, null, null, provider), Scope, Costs, measures));
    }

    private static async System.Threading.Tasks.Task<HashSet<string>> ChangedAsync(TestHub hub)
    {
        var noted = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var change in hub.Get<ReferralChanges>().SinceAsync(DateTimeOffset.UtcNow.AddMinutes(-1)))
        {
            noted.Add(change.ReferralId);
        }

        return noted;
    }

    /// <summary>The JSON with every object's members in order: histograms filled in another order are the same.</summary>
    private static System.Text.Json.Nodes.JsonNode Canonical(System.Text.Json.Nodes.JsonNode node) => node switch
    {
        System.Text.Json.Nodes.JsonObject o => new System.Text.Json.Nodes.JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : Canonical(p.Value.DeepClone())))),
        _ => node.DeepClone(),
    };

    /// <summary>Every stored cell of these tests' practices (and the running totals), as its JSON.</summary>
    private static async System.Threading.Tasks.Task<Dictionary<CellKey, string>> CellsAsync(EvidenceCellStore store)
    {
        var cells = new Dictionary<CellKey, string>();
        await foreach (var (key, cell) in store.AllAsync())
        {
            if (key.Month.Year != 2025)
            {
                cells[key] = Canonical(JsonSerializer.SerializeToNode(cell.Pruned())!).ToJsonString();
            }
        }

        return cells;
    }
}

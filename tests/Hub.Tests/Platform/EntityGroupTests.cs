using Azure;
using Azure.Data.Tables;
using Hub.Platform.Storage;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Platform;

/// <summary>One action on a partition goes as the plain request it is, many as one transaction: the outcome and the
/// errors a writer retries on (409 for an add that finds the entity, 412 for a stale ETag) are the same either way.</summary>
public sealed class EntityGroupTests(TestHub hub) : IClassFixture<TestHub>
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async System.Threading.Tasks.Task One_action_or_many_write_the_same_and_refuse_the_same(int count)
    {
        var table = hub.Get<HubTables>().Service.GetTableClient($"{hub.TablePrefix}EntityGroup{count}");
        await table.CreateIfNotExistsAsync();
        var partition = $"p{count}";
        TableEntity Entity(int i, string value) => new(partition, $"r{i}") { ["Value"] = value };

        await table.SubmitAsync(Enumerable.Range(0, count).Select(i => new TableTransactionAction(TableTransactionActionType.Add, Entity(i, "first"))).ToList());
        var stored = await table.GetEntityAsync<TableEntity>(partition, "r0");
        Assert.Equal("first", stored.Value.GetString("Value"));

        // Added again: the entity is there (409), and nothing is changed.
        var again = await Assert.ThrowsAnyAsync<RequestFailedException>(() =>
            table.SubmitAsync(Enumerable.Range(0, count).Select(i => new TableTransactionAction(TableTransactionActionType.Add, Entity(i, "second"))).ToList()));
        Assert.Equal(409, again.Status);

        // Replaced with the ETag it was read with: written; with that ETag once more: stale (412).
        var etags = new List<ETag>();
        for (var i = 0; i < count; i++)
        {
            etags.Add((await table.GetEntityAsync<TableEntity>(partition, $"r{i}")).Value.ETag);
        }

        await table.SubmitAsync(Enumerable.Range(0, count).Select(i => new TableTransactionAction(TableTransactionActionType.UpdateReplace, Entity(i, "third"), etags[i])).ToList());
        Assert.Equal("third", (await table.GetEntityAsync<TableEntity>(partition, "r0")).Value.GetString("Value"));
        var stale = await Assert.ThrowsAnyAsync<RequestFailedException>(() =>
            table.SubmitAsync(Enumerable.Range(0, count).Select(i => new TableTransactionAction(TableTransactionActionType.UpdateReplace, Entity(i, "fourth"), etags[i])).ToList()));
        Assert.Equal(412, stale.Status);
        Assert.Equal("third", (await table.GetEntityAsync<TableEntity>(partition, "r0")).Value.GetString("Value"));

        // Merged: the property sent changes, the others stay; then deleted.
        await table.SubmitAsync(Enumerable.Range(0, count).Select(i => new TableTransactionAction(TableTransactionActionType.UpsertMerge, new TableEntity(partition, $"r{i}") { ["Other"] = 1 })).ToList());
        var merged = (await table.GetEntityAsync<TableEntity>(partition, "r0")).Value;
        Assert.Equal(("third", 1), (merged.GetString("Value"), merged.GetInt32("Other")));
        await table.SubmitAsync(Enumerable.Range(0, count).Select(i => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, $"r{i}"), ETag.All)).ToList());
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>(partition, "r0")).HasValue);
    }

    /// <summary>A rewrite leaves exactly the new entity stored, whether it goes as a merge (it sets every stored
    /// property) or as a replace (a property it drops or sets to null must not survive), and stays conditional.</summary>
    [Fact]
    public async System.Threading.Tasks.Task A_rewrite_leaves_exactly_the_new_entity_as_a_merge_or_a_replace()
    {
        var table = hub.Get<HubTables>().Service.GetTableClient($"{hub.TablePrefix}EntityRewrite");
        await table.CreateIfNotExistsAsync();
        await table.AddEntityAsync(new TableEntity("p", "r") { ["A"] = "one", ["B"] = new byte[] { 1, 2 } });
        async System.Threading.Tasks.Task<TableEntity> StoredAsync() => (await table.GetEntityAsync<TableEntity>("p", "r")).Value;
        static string[] Properties(TableEntity e) => [.. e.Keys.Where(k => k is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag")).Order(StringComparer.Ordinal)];

        // Every stored property set again, and one more: a merge, and what is stored is the new entity.
        var stored = await StoredAsync();
        var grown = EntityRewrite.UpdateOf(new TableEntity("p", "r") { ["A"] = "two", ["B"] = new byte[] { 3 }, ["C"] = 3, ["D"] = null }, stored);
        Assert.Equal(TableTransactionActionType.UpdateMerge, grown.ActionType);
        await table.SubmitAsync([grown]);
        var afterGrown = await StoredAsync();
        Assert.Equal(["A", "B", "C"], Properties(afterGrown));
        Assert.Equal(("two", "03", 3), (afterGrown.GetString("A"), Convert.ToHexString(afterGrown.GetBinary("B")), afterGrown.GetInt32("C")));

        // Its ETag is spent: the same rewrite again is refused, and nothing changes.
        var stale = await Assert.ThrowsAnyAsync<RequestFailedException>(() => table.SubmitAsync([grown]));
        Assert.Equal(412, stale.Status);

        // One property changed among unchanged ones (a month in a year's entity): the merge carries that one alone, and
        // what is stored is still the whole new entity.
        var oneChanged = EntityRewrite.UpdateOf(new TableEntity("p", "r") { ["A"] = "two", ["B"] = new byte[] { 3 }, ["C"] = 4 }, afterGrown);
        Assert.Equal(TableTransactionActionType.UpdateMerge, oneChanged.ActionType);
        Assert.Equal(["C"], Properties(oneChanged.Entity as TableEntity ?? throw new InvalidOperationException("A TableEntity was rewritten.")));
        await table.SubmitAsync([oneChanged]);
        afterGrown = await StoredAsync();
        Assert.Equal(("two", "03", 4), (afterGrown.GetString("A"), Convert.ToHexString(afterGrown.GetBinary("B")), afterGrown.GetInt32("C")));

        // One stored property dropped and one set to null: a replace, and neither survives.
        var shrunk = EntityRewrite.UpdateOf(new TableEntity("p", "r") { ["A"] = "three", ["B"] = null }, afterGrown);
        Assert.Equal(TableTransactionActionType.UpdateReplace, shrunk.ActionType);
        await table.SubmitAsync([shrunk]);
        Assert.Equal(["A"], Properties(await StoredAsync()));

        // An upsert naming every property: a merge when each is set, a replace when one is null.
        var full = EntityRewrite.UpsertOf(new TableEntity("p", "r") { ["A"] = "four", ["B"] = new byte[] { 4 } });
        Assert.Equal(TableTransactionActionType.UpsertMerge, full.ActionType);
        await table.SubmitAsync([full]);
        Assert.Equal(["A", "B"], Properties(await StoredAsync()));
        var withNull = EntityRewrite.UpsertOf(new TableEntity("p", "r") { ["A"] = "five", ["B"] = null });
        Assert.Equal(TableTransactionActionType.UpsertReplace, withNull.ActionType);
        await table.SubmitAsync([withNull]);
        Assert.Equal(["A"], Properties(await StoredAsync()));
    }

    /// <summary>Actions on many partitions go partition by partition, each cut into transactions the service takes:
    /// at most 100 entities, and a request body under 4 MiB even when each entity is a few hundred KB (a rebuild's
    /// running totals), all written.</summary>
    [Fact]
    public async System.Threading.Tasks.Task Actions_by_partition_go_in_transactions_of_at_most_100_entities_and_under_4_MiB()
    {
        var bodies = new BatchBodies();
        var options = new TableClientOptions();
        options.AddPolicy(bodies, Azure.Core.HttpPipelinePosition.PerCall);
        var table = new TableClient((await Azurite.SharedAsync()).ConnectionString, $"{hub.TablePrefix}EntityGroupSplit", options);
        await table.CreateIfNotExistsAsync();
        var piece = new byte[63 * 1024];
        Random.Shared.NextBytes(piece);
        var large = Enumerable.Range(0, 14).Select(i => new TableEntity("large", $"r{i:D3}") { ["P0"] = piece, ["P1"] = piece, ["P2"] = piece, ["P3"] = piece });
        var small = Enumerable.Range(0, 250).Select(i => new TableEntity("small", $"r{i:D3}") { ["Value"] = i });
        await table.SubmitByPartitionAsync(large.Concat(small).Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)).ToList(), parallelism: 2);

        Assert.Equal(14, await table.QueryAsync<TableEntity>(e => e.PartitionKey == "large", select: ["RowKey"]).CountAsync());
        Assert.Equal(250, await table.QueryAsync<TableEntity>(e => e.PartitionKey == "small", select: ["RowKey"]).CountAsync());
        Assert.NotEmpty(bodies.Sizes);
        Assert.All(bodies.Sizes, size => Assert.True(size < 4L * 1024 * 1024, $"A transaction's body was {size:N0} bytes, over the service's 4 MiB."));
        Assert.Equal(3, bodies.Sizes.Count(size => size < 200_000));   // the small partition: 100, 100 and 50
        Assert.True(bodies.Sizes.Count >= 5, "14 entities of 336 KB each (base64) fit in no fewer than 2 transactions of under 4 MiB.");
    }

    private sealed class BatchBodies : Azure.Core.Pipeline.HttpPipelineSynchronousPolicy
    {
        public System.Collections.Concurrent.ConcurrentBag<long> Sizes { get; } = [];

        public override void OnSendingRequest(Azure.Core.HttpMessage message)
        {
            if (message.Request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal) && message.Request.Content is { } content && content.TryComputeLength(out var length))
            {
                Sizes.Add(length);
            }
        }
    }
}

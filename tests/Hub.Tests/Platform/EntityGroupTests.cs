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
}

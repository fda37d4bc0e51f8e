using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Hub.Platform;
using Hub.Platform.Storage;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Hub.Tests.Referrals;

/// <summary>A referral's document is written as a new version and then pointed to: a failure or a race between the two
/// never leaves a reader with half a referral, or with one that is not the row's.</summary>
public sealed class ReferralVersionTests(TestHub hub) : IClassFixture<TestHub>
{
    /// <summary>Fails every write of a Referrals row (the pointer) while switched on; documents still write.</summary>
    private sealed class PointerFault(string referralsTable) : HttpPipelineSynchronousPolicy
    {
        public volatile bool On;

        public override void OnSendingRequest(HttpMessage message)
        {
            var method = message.Request.Method;
            if (On && (method == RequestMethod.Put || method == RequestMethod.Patch || method.Method == "MERGE")
                   && message.Request.Uri.Path.Contains($"/{referralsTable}(", StringComparison.Ordinal))
            {
                throw new RequestFailedException(503, "Injected: the referral row could not be written.");
            }
        }
    }

    private (ReferralStore Store, PointerFault Fault) FaultyStore()
    {
        var configuration = hub.Get<IConfiguration>();
        var tables = hub.Get<HubTables>();
        var fault = new PointerFault(tables.NameOf(ReferralStore.Table));
        var options = new TableClientOptions { Retry = { MaxRetries = 0 } };
        options.AddPolicy(fault, HttpPipelinePosition.PerCall);
        var faulty = new HubTables(new TableServiceClient(configuration[PlatformServices.StorageSetting], options), configuration, []);
        return (new ReferralStore(faulty, new DocumentStore(faulty)), fault);
    }

    private static ReferralRecord NewRecord() =>
        new(Guid.NewGuid().ToString(), ReferralExamples.Practice, Guid.NewGuid().ToString(), "https://gp.example/Id/referral", Guid.NewGuid().ToString("N"),
            "hash", "active", "http", 1, DateTimeOffset.UtcNow, 0);

    // A document several chunks long, distinct per version, as the store sees it (a string; FHIR is the caller's).
    private static string Document(string version, int chars = 95_000) =>
        $"{{\"version\":\"{version}\",\"text\":\"" + string.Concat(Enumerable.Repeat(version + " café — ", chars / (version.Length + 8))) + "\"}";

    private async Task<int> ChunkRowsAsync(string referralId)
    {
        var table = await hub.Get<HubTables>().GetAsync(DocumentStore.Table);
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(e => e.PartitionKey == referralId, select: ["RowKey"]))
        {
            count++;
        }

        return count;
    }

    [Fact]
    public async System.Threading.Tasks.Task A_pointer_update_that_fails_after_the_new_chunks_are_written_leaves_the_old_version_whole_and_readable()
    {
        var (store, fault) = FaultyStore();
        var first = NewRecord();
        var v1 = Document("one");
        await store.SaveAsync(first, v1);
        var read = (await store.GetAsync(first.PracticeOds, first.ReferralId))!;

        fault.On = true;
        await Assert.ThrowsAnyAsync<RequestFailedException>(() =>
            store.SaveAsync(read with { VersionId = 2, Status = "revoked" }, Document("two-longer", 70_000)));
        fault.On = false;

        var after = (await hub.Get<ReferralStore>().GetAsync(first.PracticeOds, first.ReferralId))!;
        Assert.Equal((1, "active"), (after.VersionId, after.Status));
        Assert.Equal(v1, await hub.Get<ReferralStore>().ReadSubmissionAsync(after));
        // The version that was never pointed to is gone again: only version one's chunks remain.
        Assert.Equal(after.DocumentChunks, await ChunkRowsAsync(first.ReferralId));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_reader_holding_the_old_pointer_gets_the_new_version_whole_and_the_old_chunks_are_deleted()
    {
        var store = hub.Get<ReferralStore>();
        var first = NewRecord();
        await store.SaveAsync(first, Document("one"));
        var stale = (await store.GetAsync(first.PracticeOds, first.ReferralId))!;

        var v2 = Document("two", 40_000);
        var saved = await store.SaveAsync(stale with { VersionId = 2, Status = "revoked" }, v2);

        var (record, json) = (await store.ReadVersionAsync(stale))!.Value;
        Assert.Equal(v2, json);
        Assert.Equal((2, "revoked", saved.ETag), (record.VersionId, record.Status, record.ETag));
        Assert.Equal(saved.DocumentChunks, await ChunkRowsAsync(first.ReferralId));
    }

    [Fact]
    public async System.Threading.Tasks.Task Two_saves_from_the_same_read_keep_the_first_and_refuse_the_second_whole()
    {
        var store = hub.Get<ReferralStore>();
        var first = NewRecord();
        await store.SaveAsync(first, Document("one"));
        var read = (await store.GetAsync(first.PracticeOds, first.ReferralId))!;

        await store.SaveAsync(read with { VersionId = 2, Status = "revoked" }, Document("revoked"));
        await Assert.ThrowsAsync<ReferralChangedException>(() => store.SaveAsync(read with { VersionId = 2, Status = "entered-in-error" }, Document("entered-in-error")));

        var after = (await store.GetAsync(first.PracticeOds, first.ReferralId))!;
        Assert.Equal("revoked", after.Status);
        Assert.Equal(Document("revoked"), await store.ReadSubmissionAsync(after));
        Assert.Equal(after.DocumentChunks, await ChunkRowsAsync(first.ReferralId));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_small_referral_is_kept_in_its_row_with_no_document_rows()
    {
        var store = hub.Get<ReferralStore>();
        var first = NewRecord();
        var json = Document("small", 3_000);

        await store.SaveAsync(first, json);

        var read = (await store.GetAsync(first.PracticeOds, first.ReferralId))!;
        Assert.Equal(json, await store.ReadSubmissionAsync(read));
        Assert.Equal(0, await ChunkRowsAsync(first.ReferralId));
        Assert.DoesNotContain("small", read.ToString(), StringComparison.Ordinal);
    }
}

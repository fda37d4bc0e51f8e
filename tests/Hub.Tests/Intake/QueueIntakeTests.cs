using Azure.Storage.Queues.Models;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Intake;
using Hub.Operations;
using Hub.Platform.Fhir;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using static Hub.Tests.Infrastructure.ReferralExamples;

namespace Hub.Tests.Intake;

/// <summary>Integration engines drop referrals on the inbound queue: accepted ones are stored, refused ones are recorded
/// for the practice to read, transient failures go round again and end in poison, from where an operator replays them.</summary>
public sealed class QueueIntakeTests(TestHub hub) : IClassFixture<TestHub>
{
    private static QueueMessage Message(byte[] body, string? id = null, long dequeueCount = 1) =>
        QueuesModelFactory.QueueMessage(id ?? Guid.NewGuid().ToString(), "pop", BinaryData.FromBytes(body), dequeueCount);

    private System.Threading.Tasks.Task RunAsync(QueueMessage message) => hub.Function<QueuedReferralIntake>().RunAsync(message, hub.Durable, CancellationToken.None);

    private async Task<HttpAnswer> RejectionsAsync(string key) =>
        await TestHub.CallAsync(HttpCall.Request("GET", "/api/intake/rejections", apiKey: key), r => hub.Function<RejectionsHttp>().ListRejections(r));

    [Fact]
    public async System.Threading.Tasks.Task A_queued_referral_is_stored_once_even_when_delivered_twice()
    {
        await hub.KeyForAsync(TestHub.EngineClientId, Practice, OtherPractice);
        var body = Json(ReferralBundle("queued-1"));

        await RunAsync(Message(body));
        await RunAsync(Message(body));

        var reservation = await hub.Get<ReferralStore>().GetReservationAsync(Practice, ReferralStore.IdentifierKey(GpSystem, "queued-1"));
        Assert.NotNull(reservation);
        Assert.True(reservation.Stored);
        var record = await hub.Get<ReferralStore>().GetAsync(Practice, reservation.ReferralId);
        Assert.Equal("queue", record!.Channel);
        var instance = await hub.Durable.WaitForInstanceStartAsync(reservation.ReferralId, new CancellationTokenSource(TimeSpan.FromSeconds(Eventually.DefaultTimeoutSeconds)).Token);
        Assert.NotNull(instance);
        // Read once the orchestration has done its steps (it writes its own lines, as "hub", while it runs): what intake
        // recorded is one receipt and one duplicate.
        await hub.SettledAsync();
        var audit = await hub.Get<AuditTrail>().ReadAsync(reservation.ReferralId);
        Assert.Contains(audit, a => a.Event == "orchestration-started");
        Assert.Equal(["referral-received", "duplicate-received"], audit.Where(a => a.Actor != "hub").Select(a => a.Event));
    }

    [Fact]
    public async System.Threading.Tasks.Task An_invalid_message_is_recorded_as_a_rejection_the_practice_can_read_and_is_not_retried()
    {
        await hub.KeyForAsync(TestHub.EngineClientId, Practice, OtherPractice);
        var practiceKey = await hub.KeyForAsync("practice-a-queue", Practice);
        var otherKey = await hub.KeyForAsync("practice-b-queue", OtherPractice);
        var invalid = ServiceRequest("queued-bad");
        invalid.AuthoredOnElement = null;
        var message = Message(Json(invalid));

        // Returning normally is what tells the host not to retry.
        await RunAsync(message);

        var mine = (await RejectionsAsync(practiceKey)).As<Bundle>();
        var outcome = (OperationOutcome)mine.Entry.Single(e => e.Resource!.Id == message.MessageId).Resource!;
        Assert.Contains(message.MessageId, outcome.Issue[0].Diagnostics, StringComparison.Ordinal);
        Assert.Contains("queued-bad", outcome.Issue[0].Diagnostics, StringComparison.Ordinal);
        Assert.Contains("ServiceRequest.authoredOn", outcome.Issue.SelectMany(i => i.Expression));
        Assert.NotNull(outcome.Meta?.LastUpdated);
        Assert.DoesNotContain((await RejectionsAsync(otherKey)).As<Bundle>().Entry, e => e.Resource!.Id == message.MessageId);
    }

    [Fact]
    public async System.Threading.Tasks.Task Unreadable_and_out_of_scope_messages_are_rejections_too()
    {
        await hub.KeyForAsync(TestHub.EngineClientId, Practice, OtherPractice);
        var thirdKey = await hub.KeyForAsync("practice-c-queue", "C83003");
        var garbage = Message(TestHub.Utf8("{\"resourceType\": \"ServiceRequest\","));
        var notOurs = Message(Json(ServiceRequest(practice: "C83003")));

        await RunAsync(garbage);
        await RunAsync(notOurs);

        var forC = (await RejectionsAsync(thirdKey)).As<Bundle>();
        var forbidden = (OperationOutcome)forC.Entry.Single(e => e.Resource!.Id == notOurs.MessageId).Resource!;
        Assert.Equal(OperationOutcome.IssueType.Forbidden, forbidden.Issue[1].Code);
        var unknown = await hub.Get<RejectionStore>().ListAsync([RejectionStore.UnknownPractice], 10);
        Assert.Contains(unknown, r => r.MessageId == garbage.MessageId && r.OutcomeJson.Contains("not valid JSON", StringComparison.Ordinal));
    }

    [Fact]
    public async System.Threading.Tasks.Task Without_a_configured_client_the_message_fails_so_the_host_retries_it()
    {
        var keys = hub.Get<ApiKeys>();
        // The engine's client is configured but not registered yet: a transient, operator-fixable failure.
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            var message = Message(Json(ServiceRequest()));
            var fresh = new QueuedReferralIntake(hub.Get<ReferralIntake>(), keys, hub.Get<RejectionStore>(), hub.Get<FhirSerializer>(),
                Microsoft.Extensions.Options.Options.Create(new IntakeOptions { QueueClientId = "not-registered" }), TimeProvider.System,
                Microsoft.Extensions.Logging.Abstractions.NullLogger<QueuedReferralIntake>.Instance);
            await fresh.RunAsync(message, hub.Durable, CancellationToken.None);
        });
    }

    [Fact]
    public async System.Threading.Tasks.Task Poison_messages_are_listed_and_replayed_without_loss_or_duplication()
    {
        await hub.KeyForAsync(TestHub.EngineClientId, Practice, OtherPractice);
        var poison = hub.Get<PoisonMessages>();
        var poisonQueue = hub.Queue(poison.PoisonName);
        await poisonQueue.CreateIfNotExistsAsync();
        var first = Json(ServiceRequest("poison-1"));
        var second = Json(ServiceRequest("poison-2"));
        var sentFirst = (await poisonQueue.SendMessageAsync(BinaryData.FromBytes(first))).Value;
        await poisonQueue.SendMessageAsync(BinaryData.FromBytes(second));

        var listed = await TestHub.CallAsync(HttpCall.Request("GET", "/api/manage/poison"), r => hub.Function<PoisonMessagesHttp>().List(r));
        Assert.Equal(200, listed.Status);
        Assert.Contains(sentFirst.MessageId, listed.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("poison-1", listed.Body, StringComparison.Ordinal);

        // Replay one message by id, then the rest.
        var one = await TestHub.CallAsync(HttpCall.Request("POST", "/api/manage/poison/replay", query: $"?messageId={sentFirst.MessageId}"), r => hub.Function<PoisonMessagesHttp>().Replay(r));
        Assert.Contains(sentFirst.MessageId, one.Body, StringComparison.Ordinal);
        Assert.Single(await poison.ListAsync());
        Assert.Single(await poison.ReplayAsync(null));
        Assert.Empty(await poison.ListAsync());

        // A crash between copying and deleting would deliver a message twice: intake still makes one referral per identifier.
        var inbound = hub.Queue(poison.InboundName);
        await inbound.SendMessageAsync(BinaryData.FromBytes(first));
        QueueMessage[] delivered = await inbound.ReceiveMessagesAsync(maxMessages: 10);
        Assert.Equal(3, delivered.Length);
        foreach (var message in delivered)
        {
            await RunAsync(message);
        }

        var store = hub.Get<ReferralStore>();
        Assert.True((await store.GetReservationAsync(Practice, ReferralStore.IdentifierKey(GpSystem, "poison-1")))!.Stored);
        Assert.True((await store.GetReservationAsync(Practice, ReferralStore.IdentifierKey(GpSystem, "poison-2")))!.Stored);
        var poisonOne = (await store.GetReservationAsync(Practice, ReferralStore.IdentifierKey(GpSystem, "poison-1")))!.ReferralId;
        Assert.Single(await hub.Get<AuditTrail>().ReadAsync(poisonOne), a => a.Event == "referral-received");
    }
}

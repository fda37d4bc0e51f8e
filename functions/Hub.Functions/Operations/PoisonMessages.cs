using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Hub.Intake;

namespace Hub.Operations;

/// <summary>A message in the poison queue, as an operator sees it: ids and counts, never the referral itself.</summary>
public sealed record PoisonMessage(string MessageId, DateTimeOffset? InsertedOn, long DequeueCount, int Bytes);

/// <summary>Queued referrals that failed <c>maxDequeueCount</c> times wait in <c>{queue}-poison</c>. Replay moves them back:
/// copy to the inbound queue first, then delete from poison, so a crash in between can only duplicate a message,
/// never lose one; and intake is idempotent, so a duplicate message never becomes a second referral.</summary>
public sealed class PoisonMessages(QueueServiceClient queues, IntakeQueues intake)
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    public string InboundName => intake.InboundName;

    public string PoisonName => intake.PoisonName;

    public async Task<IReadOnlyList<PoisonMessage>> ListAsync(CancellationToken cancellationToken = default)
    {
        var poison = queues.GetQueueClient(PoisonName);
        if (!await poison.ExistsAsync(cancellationToken))
        {
            return [];
        }

        PeekedMessage[] peeked = await poison.PeekMessagesAsync(maxMessages: 32, cancellationToken);
        return peeked.Select(m => new PoisonMessage(m.MessageId, m.InsertedOn, m.DequeueCount, m.Body.ToMemory().Length)).ToList();
    }

    /// <summary>Moves poison messages back to the inbound queue: all of them, or only <paramref name="messageId"/>.</summary>
    /// <returns>The ids of the messages replayed.</returns>
    public async Task<IReadOnlyList<string>> ReplayAsync(string? messageId, CancellationToken cancellationToken = default)
    {
        var poison = queues.GetQueueClient(PoisonName);
        if (!await poison.ExistsAsync(cancellationToken))
        {
            return [];
        }

        var inbound = queues.GetQueueClient(InboundName);
        await inbound.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var replayed = new List<string>();
        var skipped = new List<QueueMessage>();
        while (true)
        {
            QueueMessage[] batch = await poison.ReceiveMessagesAsync(maxMessages: 32, visibilityTimeout: Lease, cancellationToken);
            if (batch.Length == 0)
            {
                break;
            }

            foreach (var message in batch)
            {
                if (messageId is not null && message.MessageId != messageId)
                {
                    skipped.Add(message);
                    continue;
                }

                // The body is copied byte for byte, so whatever encoding the sender used still decodes.
                await inbound.SendMessageAsync(message.Body, cancellationToken: cancellationToken);
                await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                replayed.Add(message.MessageId);
            }

            if (messageId is not null && replayed.Count > 0)
            {
                break;
            }
        }

        // Messages passed over become visible again at once rather than after the lease.
        foreach (var message in skipped)
        {
            await poison.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: cancellationToken);
        }

        return replayed;
    }
}

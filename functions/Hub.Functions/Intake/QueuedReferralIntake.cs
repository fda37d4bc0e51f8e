using System.Net;
using System.Text;
using Azure.Storage.Queues.Models;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Platform.Fhir;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hub.Intake;

/// <summary>Queue intake for integration engines: the same FHIR JSON as over HTTP, on the <c>referrals-inbound</c> queue.
/// A message that can never be accepted is recorded as a rejection and not retried; a transient failure throws, so the
/// host retries it and, after maxDequeueCount, moves it to the poison queue for an operator to replay.</summary>
public sealed partial class QueuedReferralIntake(
    ReferralIntake intake,
    ApiKeys keys,
    RejectionStore rejections,
    FhirSerializer fhir,
    IOptions<IntakeOptions> options,
    TimeProvider time,
    ILogger<QueuedReferralIntake> logger)
{
    public const string QueueNameSetting = "IntakeQueueName";

    [Function(nameof(QueuedReferralIntake))]
    public async System.Threading.Tasks.Task RunAsync(
        [QueueTrigger($"%{QueueNameSetting}%")] QueueMessage message,
        [DurableClient] DurableTaskClient durable,
        CancellationToken cancellationToken)
    {
        // No configured client is the operator's mistake, not the sender's: fail, so the message waits in poison for a replay.
        var caller = await keys.CallerForClientAsync(options.Value.QueueClientId, cancellationToken)
                     ?? throw new InvalidOperationException($"Intake:QueueClientId does not name a known API client; queued referrals cannot be authorised.");

        var result = await SubmitAsync(message.Body.ToMemory(), caller, durable);
        if (result.IsStored)
        {
            LogAccepted(logger, message.MessageId, result.ReferralId!);
            return;
        }

        if (!result.IsPermanentRefusal)
        {
            throw new InvalidOperationException($"Queued referral {message.MessageId} could not be stored yet ({(int)result.Status}); it will be retried.");
        }

        await rejections.RecordAsync(new Rejection(
            message.MessageId,
            result.PracticeOds ?? RejectionStore.UnknownPractice,
            time.GetUtcNow(),
            fhir.Serialize(result.Outcome!, FhirFormat.Json),
            result.IdentifierSystem,
            result.IdentifierValue), cancellationToken);
        LogRejected(logger, message.MessageId, (int)result.Status);
    }

    private async Task<IntakeResult> SubmitAsync(ReadOnlyMemory<byte> body, Caller caller, DurableTaskClient durable)
    {
        if (body.Length > options.Value.MaxBodyBytes)
        {
            return IntakeResult.Refused(HttpStatusCode.RequestEntityTooLarge,
                [new FhirProblem(OperationOutcome.IssueType.TooCostly, "The message is larger than the hub accepts.")]);
        }

        var parsed = fhir.ParseJson(body.Span);
        if (!parsed.Succeeded)
        {
            return IntakeResult.Refused(HttpStatusCode.BadRequest, parsed.Problems);
        }

        // One queue takes every shape HTTP takes: the shape picks the route.
        var route = parsed.Resource switch
        {
            Bundle { Type: Bundle.BundleType.Message } => IntakeRoute.ProcessMessage,
            Bundle => IntakeRoute.Bundle,
            _ => IntakeRoute.ServiceRequest,
        };
        return await intake.SubmitAsync(parsed.Resource!, route, caller, "queue", durable, CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Queued message {MessageId} stored as referral {ReferralId}")]
    private static partial void LogAccepted(ILogger logger, string messageId, string referralId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queued message {MessageId} rejected with status {Status}")]
    private static partial void LogRejected(ILogger logger, string messageId, int status);
}

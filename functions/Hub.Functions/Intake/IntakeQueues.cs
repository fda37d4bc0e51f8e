using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hub.Intake;

/// <summary>Creates the intake queue and its poison queue when the app starts. The Functions host only polls the queue
/// trigger's queue and moves failures to <c>{queue}-poison</c>; it never creates either, so a new deployment logged a
/// 404 on every poll until someone did. Storage not up yet is logged, never fatal: the queue trigger retries anyway.</summary>
public sealed partial class IntakeQueues(QueueServiceClient queues, IConfiguration configuration, ILogger<IntakeQueues> logger) : IHostedService
{
    public string InboundName => configuration[QueuedReferralIntake.QueueNameSetting] ?? "referrals-inbound";

    public string PoisonName => $"{InboundName}-poison";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var name in new[] { InboundName, PoisonName })
        {
            try
            {
                await queues.GetQueueClient(name).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogNotCreated(logger, ex, name);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not create queue {Queue} at start-up; the queue trigger will keep trying")]
    private static partial void LogNotCreated(ILogger logger, Exception exception, string queue);
}

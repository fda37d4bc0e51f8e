using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Hub.Email;
using Hub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Hub.Tests.Chase;

/// <summary>A hub whose process can die mid-step: its first request to the email log (the first offer being sent) is
/// held in the process until the test lets it go.</summary>
public sealed class CrashHub : TestHub
{
    public HeldRequest FirstEmailLogRequest { get; } = new(EmailSender.LogTable);

    protected override void Setup(HubSetup hub) =>
        hub.FastChase()
            .Set("Chase:Reminders:0", "01:00:00")
            .Set("Chase:Reminders:1", "02:00:00")
            .Set("Chase:EscalateAfter", "03:00:00")
            .Set("Links:Lifetime", "04:00:00")
            .WithRestartableWorker()
            .AddServices(s => s.Configure<TableClientOptions>("Default", o => o.AddPolicy(FirstEmailLogRequest, HttpPipelinePosition.PerCall)));

    /// <summary>Holds the first request to one table until <see cref="Release"/>; the others pass.</summary>
    public sealed class HeldRequest(string table) : HttpPipelinePolicy
    {
        private readonly TaskCompletionSource _holding = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _taken;

        /// <summary>Completes once the request is held (a step is running in the process).</summary>
        public Task Holding => _holding.Task;

        public void Release() => _released.TrySetResult();

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) => ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (message.Request.Uri.Path.Contains(table, StringComparison.Ordinal) && Interlocked.Exchange(ref _taken, 1) == 0)
            {
                _holding.TrySetResult();
                await _released.Task;
            }

            await ProcessNextAsync(message, pipeline);
        }
    }
}

/// <summary>The hub's process dies while a referral's step is running (the worker with its activity, the hub's
/// services): the task hub gives the step to the next process, which carries the referral on.</summary>
public sealed class CrashTests(CrashHub hub) : IClassFixture<CrashHub>
{
    [Fact]
    public async System.Threading.Tasks.Task A_first_offer_whose_process_died_while_sending_it_is_sent_once_by_the_next_process()
    {
        var (referralId, _, _) = await hub.ReferAsync();
        await hub.FirstEmailLogRequest.Holding.WaitAsync(TimeSpan.FromSeconds(Eventually.DefaultTimeoutSeconds));

        await hub.RestartAsync(down: TimeSpan.FromMilliseconds(500), redeliverAfter: TimeSpan.FromSeconds(2));

        var offer = await hub.OfferAsync("alpha", referralId);
        await Eventually.StepAsync(hub.Durable, referralId, "awaiting-provider");
        Assert.Equal(1, hub.Engine.Redelivered);
        Assert.Single(hub.EmailsTo("alpha", referralId));
        Assert.NotNull(ProviderLinks.Find(offer, "Accept"));
        // What the dead process was doing can no longer report: let it end.
        hub.FirstEmailLogRequest.Release();
    }
}

using DurableTask.AzureStorage;
using Grpc.Net.Client;
using Hub.Tests.Infrastructure;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hub.Benchmarks;

/// <summary>The hub's orchestrations on the Durable Azure Storage backend (Azurite), the backend the Functions host
/// runs, with the queue visibility timeouts host.json sets; the whole host (backend, gRPC sidecar and worker) can be
/// restarted while work is in flight. What the stopped host had taken and not finished stays invisible in its queue
/// until the visibility timeout passes, then the new host runs it: the redelivery a crashed or redeployed Functions
/// host relies on, which the in-process test engine does not have.</summary>
public sealed class RestartingStorageEngine : IHubEngine
{
    private readonly string _connectionString;
    private readonly string _taskHub;
    private readonly Action<DurableTaskRegistry> _tasks;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Generation? _current;

    private RestartingStorageEngine(string connectionString, string taskHub, Action<DurableTaskRegistry> tasks)
    {
        _connectionString = connectionString;
        _taskHub = taskHub;
        _tasks = tasks;
    }

    public int Restarts { get; private set; }

    public DurableTaskClient Client => (_current ?? throw new InvalidOperationException("The engine is not running.")).Client;

    /// <summary>The visibility timeout of host.json's <c>storageProvider</c> (work a lost host held comes back after it).</summary>
    public static readonly TimeSpan VisibilityTimeout = TimeSpan.FromMinutes(1);

    public static HubEngineStart Start(string connectionString, string taskHub, Action<RestartingStorageEngine> started) =>
        async tasks =>
        {
            var engine = new RestartingStorageEngine(connectionString, taskHub, tasks);
            engine._current = await engine.StartGenerationAsync();
            started(engine);
            return engine;
        };

    /// <summary>Stops the host without letting it finish what it holds (its work items are neither completed nor
    /// abandoned) and starts a new one over the same task hub.</summary>
    public async Task RestartAsync()
    {
        await _gate.WaitAsync();
        try
        {
            var old = _current;
            if (old is not null)
            {
                await old.KillAsync();
            }

            _current = await StartGenerationAsync();
            Restarts++;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Generation> StartGenerationAsync()
    {
        var backend = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = new StorageAccountClientProvider(_connectionString),
            TaskHubName = _taskHub,
            PartitionCount = 4,
            ControlQueueVisibilityTimeout = VisibilityTimeout,
            WorkItemQueueVisibilityTimeout = VisibilityTimeout,
            // The soak's clock is compressed to seconds: an idle queue is polled every second, not backed off to the
            // default 30 s (a setting of the backend's, `maxQueuePollingInterval` in host.json).
            MaxQueuePollingInterval = TimeSpan.FromSeconds(1),
        });
        await backend.CreateIfNotExistsAsync();
        var (sidecar, address) = await RestartableEngine.StartSidecarAsync(backend);
        var channel = GrpcChannel.ForAddress(address);
        var worker = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(s =>
            {
                s.AddDurableTaskWorker(b =>
                {
                    b.UseGrpc(channel);
                    b.AddTasks(_tasks);
                });
                s.AddDurableTaskClient(b =>
                {
                    b.UseGrpc(channel);
                    b.RegisterDirectly();
                });
            })
            .Build();
        await worker.StartAsync();
        return new Generation(backend, sidecar, channel, worker);
    }

    public async ValueTask DisposeAsync()
    {
        if (_current is not null)
        {
            await _current.KillAsync();
            _current = null;
        }

        _gate.Dispose();
    }

    private sealed class Generation(AzureStorageOrchestrationService backend, IHost sidecar, GrpcChannel channel, IHost worker)
    {
        public DurableTaskClient Client => worker.Services.GetRequiredService<DurableTaskClient>();

        /// <summary>As a process dying: nothing is given time to finish. The backend is stopped (forced) so that its
        /// polling and lease renewal end with it, as they would with the process; the next host takes the partitions.</summary>
        public async Task KillAsync()
        {
            using var now = new CancellationTokenSource();
            await now.CancelAsync();
            await IgnoreAsync(() => worker.StopAsync(now.Token));
            await IgnoreAsync(() => backend.StopAsync(isForced: true));
            await IgnoreAsync(() => sidecar.StopAsync(now.Token));
            worker.Dispose();
            channel.Dispose();
            sidecar.Dispose();
        }

        private static async Task IgnoreAsync(Func<Task> stop)
        {
            try
            {
                await stop().WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (Exception)
            {
                // A dying process reports nothing; whatever it held is left for the visibility timeout.
            }
        }
    }
}

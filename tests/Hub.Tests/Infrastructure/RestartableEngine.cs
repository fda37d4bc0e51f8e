using System.Collections;
using System.Reflection;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hub.Tests.Infrastructure;

/// <summary>An in-memory Durable Task backend that outlives its workers: orchestrations keep their history while the
/// worker (the app) is stopped and a new one started, as in a redeployment. DurableTaskTestHost cannot restart its
/// worker, so this hosts the same in-memory service behind its own gRPC sidecar. A worker can also be killed
/// (<see cref="KillWorkerAsync"/>): it is given no time to finish, and what it held comes back to the next worker
/// after a visibility timeout, as work a crashed host took comes back on the Durable Azure Storage queues.</summary>
public sealed class RestartableEngine : IAsyncDisposable
{
    private readonly IHost _sidecar;
    private readonly string _address;
    private readonly HeldWork _held;
    private readonly List<Task> _redeliveries = [];
    private readonly List<GrpcChannel> _stoppedChannels = [];
    private IHost? _worker;
    private GrpcChannel? _workerChannel;
    private (DateTime At, TimeSpan RedeliverAfter)? _killed;

    private RestartableEngine(IHost sidecar, string address)
    {
        _sidecar = sidecar;
        _address = address;
        _held = new HeldWork(sidecar.Services.GetRequiredService<TaskHubGrpcServer>());
    }

    public DurableTaskClient Client => _worker?.Services.GetRequiredService<DurableTaskClient>() ?? throw new InvalidOperationException("No worker is running.");

    /// <summary>Whether a worker is running (false between a kill or stop and the next deployment).</summary>
    public bool IsUp => _worker is not null;

    /// <summary>Work items (activities, orchestrator episodes) that killed workers held and the engine gave back to
    /// the backend for the next worker to run.</summary>
    public int Redelivered => _held.Redelivered;

    public static async Task<RestartableEngine> StartAsync()
    {
        var (sidecar, address) = await StartSidecarAsync(new InMemoryOrchestrationService());
        return new RestartableEngine(sidecar, address);
    }

    /// <summary>The Durable Task gRPC sidecar over a backend (in memory here; the Azure Storage one in the benchmarks), on
    /// a free loopback port: what workers and clients connect to.</summary>
    public static async Task<(IHost Sidecar, string Address)> StartSidecarAsync<TBackend>(TBackend backend)
        where TBackend : class, IOrchestrationService, IOrchestrationServiceClient
    {
        var address = $"http://127.0.0.1:{Ports.FreeLoopback()}";
        var sidecar = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureWebHostDefaults(web =>
            {
                web.UseUrls(address);
                web.ConfigureKestrel(k => k.ConfigureEndpointDefaults(o => o.Protocols = HttpProtocols.Http2));
                web.ConfigureServices(s =>
                {
                    s.AddGrpc();
                    s.AddSingleton<IOrchestrationService>(backend);
                    s.AddSingleton<IOrchestrationServiceClient>(backend);
                    s.AddSingleton<TaskHubGrpcServer>();
                });
                web.Configure(app =>
                {
                    app.UseRouting();
                    app.UseEndpoints(e => e.MapGrpcService<TaskHubGrpcServer>());
                });
            })
            .Build();
        await sidecar.StartAsync();
        return (sidecar, address);
    }

    /// <summary>Starts a worker (a deployment of the app) with the given tasks; stops the one before, if any. After a
    /// kill, what the dead worker held is given back to the backend once the kill's visibility timeout has passed.</summary>
    public async Task DeployAsync(Action<DurableTaskRegistry> tasks, Action<IServiceCollection>? workerServices = null)
    {
        await StopWorkerAsync();
        if (_killed is { } killed)
        {
            // Everything the sidecar waits on now was sent to the dead worker (no other is connected): after the
            // visibility timeout (counted from the kill) it goes back to the backend, which hands it to this worker.
            _killed = null;
            var held = _held.Snapshot();
            var wait = killed.At + killed.RedeliverAfter - DateTime.UtcNow;
            _redeliveries.Add(Task.Run(async () =>
            {
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
                _held.GiveBack(held);
            }));
        }

        var channel = GrpcChannel.ForAddress(_address);
        _worker = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(s =>
            {
                s.AddDurableTaskWorker(b =>
                {
                    b.UseGrpc(channel);
                    b.AddTasks(tasks);
                });
                s.AddDurableTaskClient(b =>
                {
                    b.UseGrpc(channel);
                    b.RegisterDirectly();
                });
                workerServices?.Invoke(s);
            })
            .Build();
        _workerChannel = channel;
        await _worker.StartAsync();
    }

    /// <summary>Stops the worker gracefully (it finishes what it is running), as a deployment slot swap would.</summary>
    public async Task StopWorkerAsync()
    {
        if (_worker is not null)
        {
            await _worker.StopAsync();
            _worker.Dispose();
            _worker = null;
        }

        // Kept open until the engine goes: what the stopped worker finishes late still reaches the sidecar.
        if (_workerChannel is not null)
        {
            _stoppedChannels.Add(_workerChannel);
            _workerChannel = null;
        }
    }

    /// <summary>Kills the worker as a process dies: it is given no time to finish, its connection is cut, so nothing it
    /// was running is completed or abandoned by it (an activity still running in it can no longer report). The sidecar
    /// keeps waiting on those work items, as the Azure Storage queues keep the messages a dead host took invisible;
    /// the next <see cref="DeployAsync"/> gives them back to the backend <paramref name="redeliverAfter"/> after the kill
    /// (the queues' visibility timeout), to run again in the new worker.</summary>
    public async Task KillWorkerAsync(TimeSpan redeliverAfter)
    {
        if (_worker is null)
        {
            return;
        }

        var worker = _worker;
        _worker = null;
        _killed = (DateTime.UtcNow, redeliverAfter);
        using var now = new CancellationTokenSource();
        await now.CancelAsync();
        _workerChannel?.Dispose();
        _workerChannel = null;
        try
        {
            await worker.StopAsync(now.Token).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception)
        {
            // A dying process reports nothing.
        }

        worker.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopWorkerAsync();
        await Task.WhenAll(_redeliveries);
        _stoppedChannels.ForEach(c => c.Dispose());
        await _sidecar.StopAsync();
        _sidecar.Dispose();
    }

    /// <summary>The work items the sidecar has sent to a worker and waits on (its pending activity and orchestrator
    /// completions). The test sidecar waits on them for ever, even after their worker has gone (it has no lock
    /// timeout); failing one makes its dispatcher abandon the work item, and the in-memory backend puts it back on its
    /// queue (an activity) or the instance's messages (an orchestrator episode), as a queue message whose visibility
    /// timeout has passed. Read by reflection: the sidecar keeps them private.</summary>
    private sealed class HeldWork(TaskHubGrpcServer server)
    {
        private static readonly string[] PendingFields = ["pendingActivityTasks", "pendingOrchestratorTasks"];
        private int _redelivered;

        public int Redelivered => Volatile.Read(ref _redelivered);

        public List<(IDictionary Pending, object Key, object Completion)> Snapshot()
        {
            var held = new List<(IDictionary, object, object)>();
            foreach (var name in PendingFields)
            {
                var field = typeof(TaskHubGrpcServer).GetField(name, BindingFlags.Instance | BindingFlags.NonPublic)
                            ?? throw new InvalidOperationException($"The Durable test sidecar has no field {name} any more: this engine cannot give back a killed worker's work.");
                var pending = (IDictionary)field.GetValue(server)!;
                foreach (DictionaryEntry entry in pending)
                {
                    held.Add((pending, entry.Key, entry.Value!));
                }
            }

            return held;
        }

        public void GiveBack(List<(IDictionary Pending, object Key, object Completion)> held)
        {
            foreach (var (pending, key, completion) in held)
            {
                // Only if it still waits on the same completion (a work item is never sent twice while it is held).
                if (!ReferenceEquals(pending[key], completion))
                {
                    continue;
                }

                pending.Remove(key);
                var failed = completion.GetType().GetMethod("TrySetException", [typeof(Exception)])!
                    .Invoke(completion, [new IOException("The worker that took this work item is gone.")]);
                if (failed is true)
                {
                    Interlocked.Increment(ref _redelivered);
                }
            }
        }
    }
}

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
/// worker, so this hosts the same in-memory service behind its own gRPC sidecar.</summary>
public sealed class RestartableEngine : IAsyncDisposable
{
    private readonly IHost _sidecar;
    private readonly GrpcChannel _channel;
    private IHost? _worker;

    private RestartableEngine(IHost sidecar, GrpcChannel channel)
    {
        _sidecar = sidecar;
        _channel = channel;
    }

    public DurableTaskClient Client => _worker?.Services.GetRequiredService<DurableTaskClient>() ?? throw new InvalidOperationException("No worker is running.");

    public static async Task<RestartableEngine> StartAsync()
    {
        var (sidecar, address) = await StartSidecarAsync(new InMemoryOrchestrationService());
        return new RestartableEngine(sidecar, GrpcChannel.ForAddress(address));
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

    /// <summary>Starts a worker (a deployment of the app) with the given tasks; stops the one before, if any.</summary>
    public async Task DeployAsync(Action<DurableTaskRegistry> tasks)
    {
        await StopWorkerAsync();
        _worker = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(s =>
            {
                s.AddDurableTaskWorker(b =>
                {
                    b.UseGrpc(_channel);
                    b.AddTasks(tasks);
                });
                s.AddDurableTaskClient(b =>
                {
                    b.UseGrpc(_channel);
                    b.RegisterDirectly();
                });
            })
            .Build();
        await _worker.StartAsync();
    }

    public async Task StopWorkerAsync()
    {
        if (_worker is not null)
        {
            await _worker.StopAsync();
            _worker.Dispose();
            _worker = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopWorkerAsync();
        _channel.Dispose();
        await _sidecar.StopAsync();
        _sidecar.Dispose();
    }
}

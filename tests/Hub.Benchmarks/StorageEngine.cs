using DurableTask.AzureStorage;
using DurableTask.Core;
using Grpc.Net.Client;
using Hub.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hub.Benchmarks;

/// <summary>A Durable client over the Durable Azure Storage backend on Azurite (instances table, control queues), as
/// the Functions host schedules orchestrations, behind the same gRPC sidecar the tests' engine uses. No worker: the
/// load run measures the cost of starting orchestrations, not of running them.</summary>
public sealed class StorageEngine : IAsyncDisposable
{
    private readonly IHost _sidecar;
    private readonly GrpcChannel _channel;
    private readonly IHost _client;

    private StorageEngine(IHost sidecar, GrpcChannel channel, IHost client)
    {
        _sidecar = sidecar;
        _channel = channel;
        _client = client;
    }

    public DurableTaskClient Client => _client.Services.GetRequiredService<DurableTaskClient>();

    public static async Task<StorageEngine> StartAsync(string connectionString, string taskHub)
    {
        var backend = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = new StorageAccountClientProvider(connectionString),
            TaskHubName = taskHub,
            PartitionCount = 4,
        });
        await backend.CreateIfNotExistsAsync();
        var (sidecar, address) = await RestartableEngine.StartSidecarAsync(backend);
        var channel = GrpcChannel.ForAddress(address);
        var client = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(s => s.AddDurableTaskClient(b =>
            {
                b.UseGrpc(channel);
                b.RegisterDirectly();
            }))
            .Build();
        await client.StartAsync();
        return new StorageEngine(sidecar, channel, client);
    }

    public async ValueTask DisposeAsync()
    {
        await _client.StopAsync();
        _client.Dispose();
        _channel.Dispose();
        // Not stopped: the sidecar stops its dispatcher on stopping, and the Azure Storage backend, never started
        // (no worker), throws from StopAsync. Disposing ends the loopback server.
        _sidecar.Dispose();
    }
}

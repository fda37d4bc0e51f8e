using System.Text.Json;
using Hub.Operations;
using Hub.Platform;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Operations;

public sealed class HealthTests(TestHub hub) : IClassFixture<TestHub>
{
    [Fact]
    public async Task A_ready_hub_reports_healthy()
    {
        var request = HttpCall.Request("GET", "/api/health");
        var answer = await HttpCall.RunAsync(request, await hub.Function<HealthHttp>().Health(request));

        Assert.Equal(200, answer.Status);
        var body = JsonDocument.Parse(answer.Body).RootElement;
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal("ok", body.GetProperty("checks").GetProperty("storage").GetString());
        Assert.DoesNotContain("test-signing-key", answer.Body, StringComparison.Ordinal);
    }
}

/// <summary>A hub whose storage is a closed port: health must say so, quickly, with 503.</summary>
public sealed class UnreachableStorageHub : TestHub
{
    protected override void Setup(HubSetup hub) =>
        hub.Set(PlatformServices.StorageSetting, "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;");
}

public sealed class UnreachableStorageHealthTests(UnreachableStorageHub hub) : IClassFixture<UnreachableStorageHub>
{
    [Fact]
    public async Task Unreachable_storage_is_reported_as_unhealthy()
    {
        var request = HttpCall.Request("GET", "/api/health");
        var answer = await HttpCall.RunAsync(request, await hub.Function<HealthHttp>().Health(request));

        Assert.Equal(503, answer.Status);
        Assert.Equal("unreachable", JsonDocument.Parse(answer.Body).RootElement.GetProperty("checks").GetProperty("storage").GetString());
    }
}

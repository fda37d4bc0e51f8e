using System.Text.Json;
using Hub.Platform.Http;
using Hub.Providers;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Providers;

/// <summary>A hub with the provider seed started as the Functions worker starts it (no seed file unless a test's fixture
/// names one).</summary>
public sealed class ProviderHub : TestHub
{
    protected override void Setup(HubSetup hub) => hub.WithProviderSeed();
}

/// <summary>The sample directory, <c>samples/providers.json</c>, read as the admin import and the seed read it.</summary>
public static class ProviderSamples
{
    public static string File => Path.Combine(Azurite.RepositoryRoot(), "samples", "providers.json");

    public static List<Provider> All() =>
        JsonSerializer.Deserialize<List<Provider>>(System.IO.File.ReadAllText(File), JsonBody.Options)!;
}

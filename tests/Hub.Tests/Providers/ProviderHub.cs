using System.Text.Json;
using Hub.Platform.Http;
using Hub.Providers;
using Hub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Hub.Tests.Providers;

/// <summary>A <see cref="TestHub"/> (the app's registrations over Azurite, tables of its own) with the provider seed
/// started as the Functions worker starts it.</summary>
public class ProviderHub : TestHub
{
    public static string SamplesFile => Path.Combine(Azurite.RepositoryRoot(), "samples", "providers.json");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        foreach (var hosted in Services.GetServices<IHostedService>().OfType<ProviderSeed>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }
    }

    public ProviderDirectory Directory => Get<ProviderDirectory>();

    /// <summary>The providers in <c>samples/providers.json</c>, read as the admin import and the seed read them.</summary>
    public static List<Provider> Samples() =>
        JsonSerializer.Deserialize<List<Provider>>(File.ReadAllText(SamplesFile), JsonBody.Options)!;
}

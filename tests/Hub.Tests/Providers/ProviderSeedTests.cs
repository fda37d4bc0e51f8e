using Hub.Providers;
using Microsoft.Extensions.DependencyInjection;
using Hub.Tests.Infrastructure;
using Microsoft.Extensions.Hosting;

namespace Hub.Tests.Providers;

/// <summary>A hub started with <c>Providers:SeedFile</c> pointing at the sample directory.</summary>
public sealed class SeededHub : TestHub
{
    protected override void Setup(HubSetup hub) => hub.WithProviderSeed().Set("Providers:SeedFile", ProviderSamples.File);
}

/// <summary>A hub whose seed file does not exist.</summary>
public sealed class MissingSeedHub : TestHub
{
    protected override void Setup(HubSetup hub) => hub.WithProviderSeed().Set("Providers:SeedFile", "no/such/providers.json");
}

/// <summary>A hub whose seed file has an entry without emails or categories: nothing of it is loaded.</summary>
public sealed class BrokenSeedHub : TestHub
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"providers-{Guid.NewGuid():N}.json");

    protected override void Setup(HubSetup hub)
    {
        File.WriteAllText(_file, "[{\"id\": \"fine\", \"name\": \"Fine\", \"emails\": [\"a@example.org\"], \"categories\": [\"arts\"]}, {\"id\": \"broken\"}]");
        hub.WithProviderSeed().Set("Providers:SeedFile", _file).OnDisposed(() => File.Delete(_file));
    }
}

/// <summary>Local runs start with the sample directory; restarting keeps what was changed since.</summary>
public sealed class ProviderSeedTests
{
    [Fact]
    public async Task The_seed_file_fills_the_directory_at_startup_and_a_restart_keeps_later_changes()
    {
        var hub = new SeededHub();
        await hub.InitializeAsync();
        try
        {
            var seeded = await hub.Get<ProviderDirectory>().ListAsync();
            Assert.Equal(ProviderDirectory.InDirectoryOrder(ProviderSamples.All()).Select(p => p.Id), seeded.Select(p => p.Id));
            Assert.All(seeded, p => Assert.Equal(ProviderStatus.Active, p.Status));

            await hub.Get<ProviderDirectory>().SetStatusAsync("shipley-mens-shed", ProviderStatus.Paused);
            await hub.Get<ProviderDirectory>().SaveAsync(seeded.Single(p => p.Id == "leeds-money-matters") with { WeeklyLimit = 1 });
            var seed = hub.Services.GetServices<IHostedService>().OfType<ProviderSeed>().Single();
            await seed.StartAsync(CancellationToken.None);

            var after = await hub.Get<ProviderDirectory>().ListAsync();
            Assert.Equal(ProviderSamples.All().Count, after.Count);
            Assert.Equal(ProviderStatus.Paused, after.Single(p => p.Id == "shipley-mens-shed").Status);
            Assert.Equal(1, after.Single(p => p.Id == "leeds-money-matters").WeeklyLimit);
        }
        finally
        {
            await hub.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_missing_or_broken_seed_file_or_none_leaves_the_directory_empty_and_the_hub_running()
    {
        foreach (var hub in new TestHub[] { new MissingSeedHub(), new BrokenSeedHub(), new ProviderHub() })
        {
            await hub.InitializeAsync();
            try
            {
                Assert.Empty(await hub.Get<ProviderDirectory>().ListAsync());
            }
            finally
            {
                await hub.DisposeAsync();
            }
        }
    }
}

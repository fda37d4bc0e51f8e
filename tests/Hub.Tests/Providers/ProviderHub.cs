using System.Text.Json;
using Hub.Access;
using Hub.Http;
using Hub.Providers;
using Hub.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hub.Tests.Providers;

/// <summary>A hub with the provider directory, as <see cref="TestHub"/> builds one (the app's registrations over Azurite,
/// tables of its own) plus <see cref="ProviderServices.AddProviders"/>, with the provider seed started as the Functions
/// worker starts it. No Durable engine and no other hosted services: the directory needs neither.</summary>
public class ProviderHub : IAsyncLifetime
{
    private readonly Dictionary<string, string?> _settings = [];

    public string TablePrefix { get; } = $"p{Guid.NewGuid():N}"[..11];

    public IServiceProvider Services { get; private set; } = null!;

    public static string SamplesFile => Path.Combine(Azurite.RepositoryRoot(), "samples", "providers.json");

    /// <summary>Settings a test class may add before the hub starts (a seed file).</summary>
    protected virtual void Configure(IDictionary<string, string?> settings)
    {
    }

    public virtual async Task InitializeAsync()
    {
        var azurite = await Azurite.SharedAsync();
        _settings[HubServices.StorageSetting] = azurite.ConnectionString;
        _settings["Storage:TablePrefix"] = TablePrefix;
        Configure(_settings);

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(_settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddHub(configuration);
        services.AddProviders(configuration);
        Services = services.BuildServiceProvider();

        foreach (var hosted in Services.GetServices<IHostedService>().OfType<ProviderSeed>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }
    }

    public virtual async Task DisposeAsync()
    {
        if (Services is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    public T Function<T>() where T : class => ActivatorUtilities.CreateInstance<T>(Services);

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public ProviderDirectory Directory => Get<ProviderDirectory>();

    /// <summary>Registers an API client for a practice and returns its key, as an admin would.</summary>
    public async Task<string> KeyForAsync(string clientId, params string[] practiceOdsCodes)
    {
        var keys = Get<ApiKeys>();
        await keys.SaveClientAsync(clientId, clientId, practiceOdsCodes);
        return (await keys.IssueAsync(clientId))!.ApiKey;
    }

    /// <summary>The providers in <c>samples/providers.json</c>, read as the admin import and the seed read them.</summary>
    public static List<Provider> Samples() =>
        JsonSerializer.Deserialize<List<Provider>>(File.ReadAllText(SamplesFile), JsonBody.Options)!;
}

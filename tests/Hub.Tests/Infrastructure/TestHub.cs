using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Hub.Access;
using Hub.Evidence;
using Hub.Platform;
using Hub.Platform.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hub.Tests.Infrastructure;

/// <summary>One hub for a test class: the app's own service registrations (<see cref="HubServices.AddHub"/>) over Azurite,
/// with tables and queue of its own, and the in-process Durable Task engine running the app's orchestrations and activities.</summary>
public class TestHub : IAsyncLifetime
{
    public const string EngineClientId = "integration-engine";

    private readonly Dictionary<string, string?> _settings = [];
    private DurableTaskTestHost? _durable;

    public TestHub()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        TablePrefix = $"t{run}";
        QueueName = $"referrals-{run}";
    }

    public string TablePrefix { get; }

    public string QueueName { get; }

    public IServiceProvider Services { get; private set; } = null!;

    public DurableTaskClient Durable => _durable!.Client;

    /// <summary>Where the hub's emails go: the real SendGrid client, pointed at a recording server.</summary>
    public SendGridSink Mail { get; private set; } = null!;

    /// <summary>Services a test class adds after the app's own (telemetry capture).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>Services for the Durable engine's worker (its timer splitting, for one).</summary>
    protected virtual void ConfigureWorker(IServiceCollection services)
    {
    }

    /// <summary>Settings a test class may change before the hub starts (durations, limits).</summary>
    protected virtual void Configure(IDictionary<string, string?> settings)
    {
    }

    public virtual async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
        var azurite = await Azurite.SharedAsync();
        _settings[PlatformServices.StorageSetting] = azurite.ConnectionString;
        _settings["Storage:TablePrefix"] = TablePrefix;
        _settings["IntakeQueueName"] = QueueName;
        _settings["Intake:QueueClientId"] = EngineClientId;
        _settings["Intake:AbandonedAfter"] = "00:00:30";
        Mail = await SendGridSink.StartAsync();
        _settings["SendGrid:ApiKey"] = "SG.test-key";
        _settings["SendGrid:Host"] = Mail.BaseUrl;
        _settings["Links:SigningKeys:k1"] = "test-signing-key-k1-0123456789abcdef0123";
        _settings["Links:CurrentKeyId"] = "k1";
        _settings["Links:BaseUrl"] = "http://localhost:7071";
        _settings["Chase:WorkingHoursOnly"] = "false";
        _settings["Chase:RetryFirstInterval"] = "00:00:01";
        Configure(_settings);

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(_settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddHub(configuration);
        ConfigureServices(services);
        Services = services.BuildServiceProvider();

        // The engine's own default is a random port in 30000-40000, which collides once many fixtures run at once:
        // take one the OS says is free, and try again on the rare clash.
        for (var attempt = 1; _durable is null; attempt++)
        {
            try
            {
                _durable = await DurableTaskTestHost.StartAsync(
                    registry => DurableFunctionsRegistry.Register(registry, () => Services),
                    new DurableTaskTestHostOptions { Port = Ports.FreeLoopback(), LoggerFactory = LoggerFactory.Create(l => l.SetMinimumLevel(LogLevel.Warning)), ConfigureServices = ConfigureWorker });
            }
            catch (IOException) when (attempt < 5)
            {
            }
        }
    }

    public virtual async Task DisposeAsync()
    {
        if (_durable is not null)
        {
            await _durable.DisposeAsync();
        }

        if (Services is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }

        if (Mail is not null)
        {
            await Mail.DisposeAsync();
        }
    }

    /// <summary>A function class, built from the hub's services as the Functions worker builds it.</summary>
    public T Function<T>() where T : class => ActivatorUtilities.CreateInstance<T>(Services);

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>Registers an API client for the given practices and returns its key, as an admin would.</summary>
    public async Task<string> KeyForAsync(string clientId, params string[] practiceOdsCodes)
    {
        var keys = Get<ApiKeys>();
        await keys.SaveClientAsync(clientId, clientId, practiceOdsCodes);
        return (await keys.IssueAsync(clientId))!.ApiKey;
    }

    /// <summary>A referral as the evidence reads it, from a snapshot taken now.</summary>
    public async Task<EvidenceRow> EvidenceRowAsync(string referralId) =>
        (await Get<EvidenceSnapshots>().TakeAsync()).Rows.Single(r => r.ReferralId == referralId);

    public static async Task<HttpAnswer> CallAsync(HttpRequest request, Func<HttpRequest, Task<IActionResult>> trigger) =>
        await HttpCall.RunAsync(request, await trigger(request));

    public QueueClient Queue(string name) => new(Get<IConfiguration>()[PlatformServices.StorageSetting], name);

    /// <summary>Every row in every hub table: what "nothing was stored" is checked against. Orchestrations of earlier
    /// tests in the class may still be writing (audit lines, chase steps), so the counts are read until they hold still.</summary>
    public async Task<IReadOnlyDictionary<string, int>> CountRowsAsync()
    {
        var counts = await CountRowsOnceAsync();
        for (var i = 0; i < 100; i++)
        {
            await Task.Delay(100);
            var again = await CountRowsOnceAsync();
            if (again.SequenceEqual(counts))
            {
                return counts;
            }

            counts = again;
        }

        return counts;
    }

    private async Task<IReadOnlyDictionary<string, int>> CountRowsOnceAsync()
    {
        var tables = Get<HubTables>();
        var counts = new Dictionary<string, int>();
        foreach (var name in tables.All)
        {
            var table = await tables.GetAsync(name);
            var n = 0;
            await foreach (var _ in table.QueryAsync<TableEntity>(select: ["RowKey"]))
            {
                n++;
            }

            counts[name] = n;
        }

        return counts;
    }

    public async Task<int> CountOrchestrationsAsync()
    {
        var n = 0;
        await foreach (var _ in Durable.GetAllInstancesAsync(new OrchestrationQuery()))
        {
            n++;
        }

        return n;
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}

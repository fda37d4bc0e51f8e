using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Hub.Access;
using Hub.Chase;
using Hub.Evidence;
using Hub.Platform;
using Hub.Platform.Storage;
using Hub.Providers;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hub.Tests.Infrastructure;

/// <summary>One hub for a test class: the app's own service registrations (<see cref="HubServices.AddHub"/>) over Azurite,
/// with tables (its own <c>Storage:TablePrefix</c>) and queue of its own, and the in-process Durable Task engine running
/// the app's orchestrations and activities. It is the only fixture base: a test class's fixture is a small class that
/// overrides <see cref="Setup"/> and says what it needs through <see cref="HubSetup"/> (settings, services, the practice
/// FHIR server, seeded providers, the page server...). Used as is, it is a plain hub.</summary>
public class TestHub : IAsyncLifetime
{
    public const string EngineClientId = "integration-engine";

    private readonly HubSetup _setup = new();
    private DurableTaskTestHost? _durable;
    private RestartableEngine? _restartable;
    private IConfiguration? _configuration;
    private PracticeFhirServer? _practice;
    private PageServer? _pages;

    public TestHub()
        : this(Guid.NewGuid().ToString("N")[..10])
    {
    }

    /// <summary>A hub over the tables and queue of another's run (<see cref="Run"/>): a benchmark measures one step of
    /// its own run in a process of its own.</summary>
    protected TestHub(string run)
    {
        Run = run;
        TablePrefix = $"t{run}";
        QueueName = $"referrals-{run}";
    }

    /// <summary>What names this hub's tables and queue.</summary>
    public string Run { get; }

    public string TablePrefix { get; }

    public string QueueName { get; }

    public IServiceProvider Services { get; private set; } = null!;

    public DurableTaskClient Durable => _restartable?.Client ?? _durable!.Client;

    /// <summary>The engine under a hub whose worker can be killed (<see cref="HubSetup.WithRestartableWorker"/>).</summary>
    public RestartableEngine Engine => _restartable ?? throw new InvalidOperationException("This hub's worker cannot be restarted: its fixture's Setup must call WithRestartableWorker().");

    /// <summary>How many times the hub's process has been started (1, then one more per <see cref="RestartAsync"/>).</summary>
    public int Generation { get; private set; }

    /// <summary>Where the hub's emails go: the real SendGrid client, pointed at a recording server.</summary>
    public SendGridSink Mail { get; private set; } = null!;

    /// <summary>The practice's FHIR server that write-back goes to (<see cref="HubSetup.WithPracticeFhirServer"/>).</summary>
    public PracticeFhirServer Practice => _practice ?? throw new InvalidOperationException("This hub has no practice FHIR server: its fixture's Setup must call WithPracticeFhirServer().");

    /// <summary>The hub's pages over real HTTP for a browser (<see cref="HubSetup.WithPageServer"/>).</summary>
    public PageServer Pages => _pages ?? throw new InvalidOperationException("This hub has no page server: its fixture's Setup must call WithPageServer().");

    /// <summary>What this test class's hub needs beyond a plain hub. The one thing a fixture overrides.</summary>
    protected virtual void Setup(HubSetup hub)
    {
    }

    public async Task InitializeAsync()
    {
        Setup(_setup);
        Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
        var azurite = await Azurite.SharedAsync();
        var settings = new Dictionary<string, string?>
        {
            [PlatformServices.StorageSetting] = azurite.ConnectionString,
            ["Storage:TablePrefix"] = TablePrefix,
            ["IntakeQueueName"] = QueueName,
            ["Intake:QueueClientId"] = EngineClientId,
            ["Intake:AbandonedAfter"] = "00:00:30",
            ["SendGrid:ApiKey"] = "SG.test-key",
            ["Links:SigningKeys:k1"] = "test-signing-key-k1-0123456789abcdef0123",
            ["Links:CurrentKeyId"] = "k1",
            ["Links:BaseUrl"] = "http://localhost:7071",
            ["Chase:WorkingHoursOnly"] = "false",
            ["Chase:RetryFirstInterval"] = "00:00:01",
        };
        Mail = await SendGridSink.StartAsync();
        settings["SendGrid:Host"] = Mail.BaseUrl;
        if (_setup.PracticeServer)
        {
            _practice = await PracticeFhirServer.StartAsync();
            settings[$"WriteBack:Practices:{ReferralExamples.Practice}:BaseUrl"] = _practice.BaseUrl;
            settings[$"WriteBack:Practices:{ReferralExamples.Practice}:BearerToken"] = Journey.PracticeToken;
        }

        foreach (var (key, value) in _setup.Settings)
        {
            settings[key] = value;
        }

        _configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        Services = BuildServices();
        Generation = 1;
        if (_setup.RestartableWorker)
        {
            _restartable = await RestartableEngine.StartAsync();
            await DeployWorkerAsync();
        }

        // The engine's own default is a random port in 30000-40000, which collides once many fixtures run at once:
        // take one the OS says is free, and try again on the rare clash.
        for (var attempt = 1; _restartable is null && _durable is null; attempt++)
        {
            try
            {
                _durable = await DurableTaskTestHost.StartAsync(
                    registry => DurableFunctionsRegistry.Register(registry, () => Services),
                    new DurableTaskTestHostOptions
                    {
                        Port = Ports.FreeLoopback(),
                        LoggerFactory = LoggerFactory.Create(l => l.SetMinimumLevel(LogLevel.Warning)),
                        ConfigureServices = worker => _setup.WorkerServices.ForEach(configure => configure(worker)),
                    });
            }
            catch (IOException) when (attempt < 5)
            {
            }
        }

        if (_setup.ProviderSeed)
        {
            foreach (var hosted in Services.GetServices<IHostedService>().OfType<ProviderSeed>())
            {
                await hosted.StartAsync(CancellationToken.None);
            }
        }

        foreach (var provider in _setup.SeededProviders)
        {
            await Get<ProviderDirectory>().SaveAsync(provider);
        }

        if (_setup.PageServer)
        {
            _pages = await PageServer.StartAsync(this);
        }

        foreach (var started in _setup.Started)
        {
            await started(this);
        }
    }

    public async Task DisposeAsync()
    {
        if (_pages is not null)
        {
            await _pages.DisposeAsync();
        }

        if (_durable is not null)
        {
            await _durable.DisposeAsync();
        }

        if (_restartable is not null)
        {
            await _restartable.DisposeAsync();
        }

        if (Services is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }

        if (Mail is not null)
        {
            await Mail.DisposeAsync();
        }

        if (_practice is not null)
        {
            await _practice.DisposeAsync();
        }

        foreach (var cleanUp in _setup.CleanUps)
        {
            cleanUp();
        }
    }

    private ServiceProvider BuildServices()
    {
        var services = new ServiceCollection();
        services.AddSingleton(_configuration!);
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddHub(_configuration!);
        foreach (var extra in _setup.ExtraServices)
        {
            extra(services);
        }

        return services.BuildServiceProvider();
    }

    private Task DeployWorkerAsync() =>
        _restartable!.DeployAsync(
            registry => DurableFunctionsRegistry.Register(registry, () => Services),
            worker => _setup.WorkerServices.ForEach(configure => configure(worker)));

    /// <summary>The hub's process dies and starts again (<see cref="HubSetup.WithRestartableWorker"/>): the Durable worker
    /// is killed with whatever it runs (see <see cref="RestartableEngine.KillWorkerAsync"/>), the hub's services (its
    /// singletons, caches, clients) are disposed; after <paramref name="down"/> a new set is built from the same settings
    /// and a new worker connects. The task hub's state, the tables and the mail sink stay. Until then
    /// <see cref="Services"/> is the dead process's (disposed) and <see cref="Durable"/> throws.</summary>
    public async Task RestartAsync(TimeSpan down, TimeSpan redeliverAfter)
    {
        await Engine.KillWorkerAsync(redeliverAfter);
        if (Services is IAsyncDisposable dead)
        {
            try
            {
                await dead.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception)
            {
                // A dying process disposes nothing cleanly.
            }
        }

        await Task.Delay(down);
        Services = BuildServices();
        Generation++;
        await DeployWorkerAsync();
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

    /// <summary>A referral as the evidence reads it, after an evidence update run now.</summary>
    public async Task<EvidenceRow> EvidenceRowAsync(string referralId)
    {
        await Get<EvidenceUpdate>().UpdateAsync();
        var rows = Get<EvidenceRowStore>();
        var practice = await rows.PracticeOfAsync(referralId) ?? throw new InvalidOperationException($"Referral {referralId} has no evidence row.");
        return (await rows.GetAsync(practice, referralId)).Row ?? throw new InvalidOperationException($"Referral {referralId} has no evidence row yet.");
    }

    public static async Task<HttpAnswer> CallAsync(HttpRequest request, Func<HttpRequest, Task<IActionResult>> trigger) =>
        await HttpCall.RunAsync(request, await trigger(request));

    public QueueClient Queue(string name) => new(Get<IConfiguration>()[PlatformServices.StorageSetting], name);

    /// <summary>Steps at which a referral's orchestration has finished its activities and waits on an event or a timer
    /// (the step is set after the activity before it completed, in the same episode that starts the wait).</summary>
    private static readonly HashSet<string> WaitingSteps = new(StringComparer.Ordinal)
    {
        "received", "escalated", "awaiting-provider", "accepted", "awaiting-follow-up", "survey-sent", "write-back-parked",
    };

    /// <summary>Waits until every orchestration of this hub has ended or sits waiting (nothing of it is writing to the
    /// tables), and a referral that went to the follow-up is judged by its follow-up instance.</summary>
    public async Task SettledAsync(int timeoutSeconds = Eventually.DefaultTimeoutSeconds)
    {
        await Eventually.ValueAsync<IReadOnlyList<string>>(async () =>
        {
            var busy = new List<string>();
            await foreach (var instance in Durable.GetAllInstancesAsync(new OrchestrationQuery { FetchInputsAndOutputs = true }))
            {
                if (instance.RuntimeStatus is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated)
                {
                    continue;
                }

                var step = instance.SerializedCustomStatus is null ? null : instance.ReadCustomStatusAs<ReferralProgress>()?.Step.Spelling();
                if (step == "following-up")
                {
                    continue;   // the chase waits on its follow-up, whose own instance is listed too
                }

                if (instance.RuntimeStatus != OrchestrationRuntimeStatus.Running || step is null || !WaitingSteps.Contains(step))
                {
                    busy.Add($"{instance.InstanceId} {instance.RuntimeStatus} step={step ?? "(none)"}");
                }
            }

            return busy;
        }, busy => busy.Count == 0, timeoutSeconds, "every orchestration of the hub to end or wait (instances still working)");
    }

    /// <summary>Every row in every hub table: what "nothing was stored" is checked against. The hub's own orchestrations
    /// (earlier tests in the class) are waited for first, so the counts are not read while they write.</summary>
    public async Task<IReadOnlyDictionary<string, int>> CountRowsAsync()
    {
        await SettledAsync();
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

/// <summary>What a test class's hub needs beyond a plain <see cref="TestHub"/>, said in its fixture's
/// <see cref="TestHub.Setup"/>. Each method adds to what is there; settings given later win.</summary>
public sealed class HubSetup
{
    internal Dictionary<string, string?> Settings { get; } = new(StringComparer.Ordinal);

    internal List<Action<IServiceCollection>> ExtraServices { get; } = [];

    internal List<Action<IServiceCollection>> WorkerServices { get; } = [];

    internal List<Provider> SeededProviders { get; } = [];

    internal List<Func<TestHub, Task>> Started { get; } = [];

    internal List<Action> CleanUps { get; } = [];

    internal bool PracticeServer { get; private set; }

    internal bool RestartableWorker { get; private set; }

    internal bool PageServer { get; private set; }

    internal bool ProviderSeed { get; private set; }

    /// <summary>A setting, as the app reads it (<c>Section:Key</c>).</summary>
    public HubSetup Set(string key, string? value)
    {
        Settings[key] = value;
        return this;
    }

    /// <summary>Services added after the app's own (telemetry capture, a fake clock).</summary>
    public HubSetup AddServices(Action<IServiceCollection> configure)
    {
        ExtraServices.Add(configure);
        return this;
    }

    /// <summary>Services for the Durable engine's worker (its timer splitting, for one).</summary>
    public HubSetup ConfigureWorker(Action<IServiceCollection> configure)
    {
        WorkerServices.Add(configure);
        return this;
    }

    /// <summary>The hub's orchestrations on an engine that outlives the hub's process, so that <see cref="TestHub.RestartAsync"/>
    /// can kill and restart it (the soak run), instead of the in-process test host.</summary>
    public HubSetup WithRestartableWorker()
    {
        RestartableWorker = true;
        return this;
    }

    /// <summary>A practice FHIR server inside the test (<see cref="TestHub.Practice"/>), configured as the write-back
    /// endpoint of <see cref="ReferralExamples.Practice"/> with <see cref="Journey.PracticeToken"/>.</summary>
    public HubSetup WithPracticeFhirServer()
    {
        PracticeServer = true;
        return this;
    }

    /// <summary>The hub's pages over real HTTP (<see cref="TestHub.Pages"/>), for a browser.</summary>
    public HubSetup WithPageServer()
    {
        PageServer = true;
        return this;
    }

    /// <summary>Runs the provider seed (<c>Providers:SeedFile</c>) as the Functions worker runs it at start.</summary>
    public HubSetup WithProviderSeed()
    {
        ProviderSeed = true;
        return this;
    }

    /// <summary>Providers in the directory before the first test.</summary>
    public HubSetup WithProviders(params Provider[] providers)
    {
        SeededProviders.AddRange(providers);
        return this;
    }

    /// <summary>Something to do once the hub runs (seed data, keys), before the first test.</summary>
    public HubSetup OnStarted(Func<TestHub, Task> started)
    {
        Started.Add(started);
        return this;
    }

    /// <summary>Something to undo when the hub stops (a temporary file).</summary>
    public HubSetup OnDisposed(Action cleanUp)
    {
        CleanUps.Add(cleanUp);
        return this;
    }

    /// <summary>A chase that runs in seconds: reminders at 2 s and 4 s, escalation at 6 s, links (and so each provider's
    /// turn) expire at 9 s. <see cref="Journey.ReferAsync"/> puts the three befriending providers in the directory.</summary>
    public HubSetup FastChase() =>
        Set("Chase:Reminders:0", "00:00:02")
            .Set("Chase:Reminders:1", "00:00:04")
            .Set("Chase:EscalateAfter", "00:00:06")
            .Set("Links:Lifetime", "00:00:09");

    /// <summary>A follow-up in seconds, after <see cref="FastChase"/>: the survey 5 s after acceptance, reminders at 2 s
    /// and 4 s, the window closing at 8 s, write-back retried from 1 s for 5 s into a practice FHIR server.</summary>
    public HubSetup FastFollowUp() =>
        // Development is what lets every duration shrink; outside it the follow-up must fall in 3–4 months.
        Set("AZURE_FUNCTIONS_ENVIRONMENT", "Development")
            .Set("FollowUp:FollowUpAfter", "00:00:05")
            .Set("FollowUp:Reminders:0", "00:00:02")
            .Set("FollowUp:Reminders:1", "00:00:04")
            .Set("FollowUp:SurveyWindow", "00:00:08")
            .Set("FollowUp:BaselineWindow", "00:00:30")
            .Set("FollowUp:WriteBackFirstRetry", "00:00:01")
            .Set("FollowUp:WriteBackRetryFor", "00:00:05")
            .WithPracticeFhirServer();

    /// <summary>Every span and log line the hub makes, kept in <paramref name="capture"/> as an exporter would see them.</summary>
    public HubSetup CaptureTelemetry(TelemetryCapture capture) =>
        AddServices(capture.Register).OnStarted(hub =>
        {
            capture.Start(hub.Services);
            return Task.CompletedTask;
        });
}

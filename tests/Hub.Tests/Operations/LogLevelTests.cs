using System.Text.Json;
using Hub.Platform;
using Hub.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hub.Tests.Operations;

/// <summary>The Azure SDK logs every storage request at Information: left alone it is most of the log, and of what an
/// operator pays Application Insights for. The host (host.json) and the worker (the app's own logging) keep it to
/// warnings and errors, which still show.</summary>
[Trait("Category", "Unit")]
public sealed class LogLevelTests
{
    [Fact]
    public void Host_json_keeps_the_Azure_SDK_and_Durable_storage_chatter_at_warning()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(Azurite.RepositoryRoot(), "host.json")));
        var levels = host.RootElement.GetProperty("logging").GetProperty("logLevel");
        Assert.Equal("Warning", levels.GetProperty(PlatformServices.AzureSdkLogCategory).GetString());
        Assert.Equal("Warning", levels.GetProperty("DurableTask.AzureStorage").GetString());
        Assert.Equal("Information", levels.GetProperty("default").GetString());
    }

    [Fact]
    public void The_worker_drops_Azure_SDK_information_but_keeps_its_warnings_and_the_hubs_own_logs()
    {
        var settings = new Dictionary<string, string?>
        {
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development",
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["Links:SigningKeys:dev1"] = "local-development-only-signing-key-change-me-0001",
            ["Links:CurrentKeyId"] = "dev1",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var seen = new Recorder();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration)
            .AddLogging(l => l.SetMinimumLevel(LogLevel.Information).AddProvider(seen)).AddHub(configuration).BuildServiceProvider();
        var loggers = services.GetRequiredService<ILoggerFactory>();

        loggers.CreateLogger("Azure.Core").LogInformation("Request [1] GET http://127.0.0.1/devstoreaccount1/Referrals");
        loggers.CreateLogger("Azure.Core").LogWarning("Request [2] failed, retrying");
        loggers.CreateLogger("Hub.Intake.ReferralIntake").LogInformation("Referral stored");

        Assert.Equal(["Azure.Core: Request [2] failed, retrying", "Hub.Intake.ReferralIntake: Referral stored"], seen.Lines);
    }

    private sealed class Recorder : ILoggerProvider
    {
        public List<string> Lines { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Line(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Line(Recorder recorder, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (recorder.Lines)
                {
                    recorder.Lines.Add($"{category}: {formatter(state, exception)}");
                }
            }
        }
    }
}

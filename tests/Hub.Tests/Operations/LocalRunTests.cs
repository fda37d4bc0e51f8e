using System.Diagnostics;
using Hub.Chase;
using Hub.FollowUp;
using Hub.Providers;
using Hub.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hub.Tests.Operations;

/// <summary>The README's first command, as far as this machine allows: <c>npm start</c> without <c>func</c>
/// (<c>--no-func</c>) checks prerequisites, starts Azurite, creates the settings, builds and seeds the app.</summary>
public sealed class LocalRunTests
{
    private static (int ExitCode, string Output) StartScript(string settings, string azuriteData)
    {
        var start = new ProcessStartInfo("node", ["scripts/start.mjs", "--no-func"])
        {
            WorkingDirectory = Azurite.RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["HUB_LOCAL_SETTINGS"] = settings;
        start.Environment["HUB_AZURITE_LOCATION"] = azuriteData;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("npm start --no-func did not finish in 5 minutes:\n" + output);
        }

        return (process.ExitCode, output + error.Result);
    }

    [Fact]
    public void The_local_run_creates_settings_starts_storage_builds_and_seeds_a_demo_key_shown_once()
    {
        var folder = Directory.CreateTempSubdirectory("hub-local-run-").FullName;
        try
        {
            var settings = Path.Combine(folder, "local.settings.json");
            var (exit, output) = StartScript(settings, Path.Combine(folder, "azurite"));
            Assert.True(exit == 0, output);
            Assert.Contains("from local.settings.sample.json", output, StringComparison.Ordinal);
            Assert.Equal(File.ReadAllText(Path.Combine(Azurite.RepositoryRoot(), "local.settings.sample.json")), File.ReadAllText(settings));
            Assert.Contains("Provider directory seeded from providers.json", output, StringComparison.Ordinal);
            Assert.Matches(@"X-API-Key: sph_\S+", output);
            Assert.Contains("Ready: everything but `func start` is done", output, StringComparison.Ordinal);

            // Run again: the settings are kept and the key is not shown a second time.
            var (again, secondOutput) = StartScript(settings, Path.Combine(folder, "azurite"));
            Assert.True(again == 0, secondOutput);
            Assert.DoesNotContain("from local.settings.sample.json", secondOutput, StringComparison.Ordinal);
            Assert.DoesNotContain("X-API-Key: sph_", secondOutput, StringComparison.Ordinal);
            Assert.Contains("already has an API key", secondOutput, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void Demo_mode_is_configuration_that_the_app_accepts_and_that_compresses_the_whole_life_to_minutes()
    {
        var demo = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Azurite.RepositoryRoot(), "scripts", "demo.settings.json")))
            .RootElement.EnumerateObject().Where(p => p.Name != "//").ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.GetString());
        demo["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development";
        demo["AzureWebJobsStorage"] = "UseDevelopmentStorage=true";
        demo["Links:SigningKeys:dev1"] = "local-development-only-signing-key-change-me-0001";
        demo["Links:CurrentKeyId"] = "dev1";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(demo).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddHub(configuration).BuildServiceProvider();

        var followUp = services.GetRequiredService<IOptions<FollowUpOptions>>().Value;   // throws if the app would refuse it
        var chase = services.GetRequiredService<IOptions<ChaseOptions>>().Value;
        Assert.False(chase.WorkingHoursOnly);
        var longest = chase.EffectiveReminders.Append(chase.EscalateAfter).Max() + followUp.FollowUpAfter + followUp.SurveyWindow;
        Assert.True(longest <= TimeSpan.FromMinutes(10), $"The demo's longest path is {longest}.");
        Assert.True(followUp.FollowUpAfter <= TimeSpan.FromMinutes(2));
    }
}

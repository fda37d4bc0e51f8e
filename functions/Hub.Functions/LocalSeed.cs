using System.Text.Json;
using Hub.Access;
using Hub.Platform.Http;
using Hub.Providers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hub;

/// <summary>Seeds a local hub before the Functions host starts (<c>npm start</c> runs the built worker as
/// <c>dotnet Hub.Functions.dll seed {local.settings.json} {providers.json}</c>): imports the sample
/// provider directory and gives the demo practice (ODS A81001) an API key, printed once. It uses the app's own
/// registrations over the settings the host will use, so it needs Azurite but not the host.</summary>
public static class LocalSeed
{
    public const string DemoClientId = "demo-practice";
    public const string DemoPractice = "A81001";

    public static async Task<int> RunAsync(string settingsPath, string providersPath, TextWriter output)
    {
        using var settings = JsonDocument.Parse(await File.ReadAllTextAsync(settingsPath));
        var values = settings.RootElement.GetProperty("Values").EnumerateObject()
            .ToDictionary(v => v.Name.Replace("__", ":", StringComparison.Ordinal), v => (string?)v.Value.ToString());
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(l => l.SetMinimumLevel(LogLevel.Warning))
            .AddHub(configuration);
        await using var provider = services.BuildServiceProvider();

        await using (var file = File.OpenRead(providersPath))
        {
            var providers = await JsonSerializer.DeserializeAsync<List<Provider>>(file, JsonBody.Options) ?? [];
            var imported = await provider.GetRequiredService<ProviderDirectory>().ImportAsync(providers, replaceExisting: false);
            await output.WriteLineAsync($"Provider directory seeded from {Path.GetFileName(providersPath)}: {imported.Saved} added, {imported.Kept} already there.");
        }

        var keys = provider.GetRequiredService<ApiKeys>();
        var existing = await keys.GetClientAsync(DemoClientId);
        await keys.SaveClientAsync(DemoClientId, "Demo practice", [DemoPractice]);
        if (existing is not null)
        {
            await output.WriteLineAsync($"Demo practice {DemoPractice} already has an API key (shown when it was issued). Another: POST /api/manage/clients/{DemoClientId}/keys");
            return 0;
        }

        var issued = await keys.IssueAsync(DemoClientId);
        if (issued is null || await keys.AuthenticateAsync(issued.ApiKey) is null)
        {
            await output.WriteLineAsync("The demo practice's API key could not be issued.");
            return 1;
        }

        await output.WriteLineAsync($"Demo practice {DemoPractice} can post referrals with:\n  X-API-Key: {issued.ApiKey}\n(shown once; see README for curl examples)");
        return 0;
    }
}

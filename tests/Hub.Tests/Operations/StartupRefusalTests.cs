using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Hub.Tests.Operations;

/// <summary>A hub whose settings refuse it says so on standard error, naming each setting, in every environment.</summary>
[Trait("Category", "Unit")]
public sealed class StartupRefusalTests
{
    private static async Task<(bool Started, string Console)> StartAsync(string environment, Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = environment, DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = environment,
            ["Links:SigningKeys:k1"] = new string('k', 40),
            ["Links:CurrentKeyId"] = "k1",
            ["SendGrid:ApiKey"] = "SG.test",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddHub(builder.Configuration);
        using var host = builder.Build();
        var console = new StringWriter();
        var started = await StartupRefusal.TryStartAsync(host, console);
        if (started)
        {
            await host.StopAsync();
        }

        return (started, console.ToString());
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Development")]
    public async Task Each_refused_setting_is_named_on_the_console(string environment)
    {
        var (started, console) = await StartAsync(environment, new()
        {
            ["ApiKeys:CacheFor"] = "01:00:00",
            ["Providers:Activities:gardening:SnomedCodes:0"] = "not-a-code",
        });

        Assert.False(started);
        var lines = console.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.StartsWith(StartupRefusal.Prefix, StringComparison.Ordinal) && l.Contains("ApiKeys:CacheFor", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(StartupRefusal.Prefix, StringComparison.Ordinal) && l.Contains("Providers:Activities:gardening:SnomedCodes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_email_key_outside_development_is_named_and_nothing_secret_is_printed()
    {
        var (started, console) = await StartAsync("Production", new() { ["SendGrid:ApiKey"] = "" });

        Assert.False(started);
        Assert.Contains("SendGrid:ApiKey is not set", console, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('k', 40), console, StringComparison.Ordinal);
    }
}

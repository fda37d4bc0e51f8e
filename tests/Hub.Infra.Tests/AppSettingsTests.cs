using System.Text.Json;
using System.Text.RegularExpressions;
using static Hub.Infra.Tests.ArmTemplate;

namespace Hub.Infra.Tests;

/// <summary>The function app's app settings in the compiled template against what the app reads (<see cref="AppSettingsTheAppReads"/>).</summary>
[Trait("Category", "Unit")]
[Collection(SharedCompiledInfra.Name)]
public sealed partial class AppSettingsTests(CompiledInfra infra)
{
    /// <summary>Not allowed on the Flex Consumption plan (the runtime is in functionAppConfig), or a storage connection string with a key.</summary>
    private static readonly string[] ForbiddenSettings =
    [
        "FUNCTIONS_WORKER_RUNTIME",
        "FUNCTIONS_EXTENSION_VERSION",
        "WEBSITE_RUN_FROM_PACKAGE",
        "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
        "WEBSITE_CONTENTSHARE",
        "AzureWebJobsStorage",
    ];

    public static TheoryData<string> RequiredAppSettings => new(AppSettingsTheAppReads.RequiredAppSettings);

    /// <summary>Names and values of the site's app settings: the sites/config 'appsettings' resource and any siteConfig.appSettings.</summary>
    private Dictionary<string, string> AppSettings
    {
        get
        {
            var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var config in OfType(infra.Template, "Microsoft.Web/sites/config").Where(c => LastNameSegment(c) == "appsettings"))
            {
                var properties = Find(config, "properties");
                Assert.True(properties is { ValueKind: JsonValueKind.Object }, $"{Describe(config)}: app settings must be an object literal (names visible), not one expression.");
                foreach (var setting in properties.Value.EnumerateObject())
                {
                    settings[setting.Name] = setting.Value.ToString();
                }
            }

            foreach (var site in OfType(infra.Template, "Microsoft.Web/sites"))
            {
                if (Find(site, "properties", "siteConfig", "appSettings") is { ValueKind: JsonValueKind.Array } list)
                {
                    foreach (var setting in list.EnumerateArray())
                    {
                        settings[FindString(setting, "name") ?? string.Empty] = Find(setting, "value")?.ToString() ?? string.Empty;
                    }
                }
            }

            Assert.NotEmpty(settings);
            return settings;
        }
    }

    [Theory]
    [MemberData(nameof(RequiredAppSettings))]
    public void EverySettingTheAppReadsIsSet(string name) =>
        Assert.True(AppSettings.ContainsKey(name), $"infra/app/api.bicep sets no app setting '{name}', which the app reads (AppSettingsTheAppReads.cs).");

    [Fact]
    public void EveryHostJsonSettingReferenceIsSet()
    {
        var hostJson = File.ReadAllText(Path.Combine(RepoPaths.RepoRoot, "host.json"));
        var settings = AppSettings;
        Assert.All(
            AppSettingReference().Matches(hostJson).Select(m => m.Groups["name"].Value.Replace(":", "__", StringComparison.Ordinal)),
            name => Assert.True(settings.ContainsKey(name), $"host.json reads %{name}%, which no app setting sets."));
    }

    [Fact]
    public void NoSettingThatFlexConsumptionRejectsOrThatCarriesAKey()
    {
        var settings = AppSettings;
        Assert.All(ForbiddenSettings, name => Assert.False(settings.ContainsKey(name), $"App setting '{name}' must not be set."));
    }

    [Fact]
    public void StorageIsReachedWithTheManagedIdentity()
    {
        var settings = AppSettings;
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.False(string.IsNullOrWhiteSpace(settings["AzureWebJobsStorage__clientId"]));
        foreach (var service in new[] { "blob", "queue", "table" })
        {
            Assert.Contains($"primaryEndpoints.{service}", settings[$"AzureWebJobsStorage__{service}ServiceUri"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ApplicationInsightsIngestsWithTheManagedIdentity()
    {
        var settings = AppSettings;
        Assert.Contains("ConnectionString", settings["APPLICATIONINSIGHTS_CONNECTION_STRING"], StringComparison.Ordinal);
        Assert.Matches("^\\[format\\('ClientId=\\{0\\};Authorization=AAD'", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
    }

    [Theory]
    [InlineData("SendGrid__ApiKey")]
    [InlineData("Links__SigningKeys__k1")]
    public void SecretsAreKeyVaultReferences(string name) =>
        Assert.Contains("@Microsoft.KeyVault(SecretUri=", AppSettings[name], StringComparison.Ordinal);

    [Theory]
    [InlineData("IntakeQueueName", "referrals-inbound")]
    [InlineData("Intake__MaxBodyBytes", "1048576")]
    [InlineData("Links__CurrentKeyId", "k1")]
    [InlineData("AZURE_FUNCTIONS_ENVIRONMENT", "Production")]
    public void FixedSettingsHaveTheirValues(string name, string expected)
    {
        var value = AppSettings[name];
        // A literal, or a module parameter whose value is fixed in main.bicep: check the template says it somewhere.
        Assert.True(
            value == expected
            || (value.StartsWith("[parameters(", StringComparison.Ordinal)
                && (infra.TemplateText.Contains($"'{expected}'", StringComparison.Ordinal) || infra.TemplateText.Contains($"\"{expected}\"", StringComparison.Ordinal))),
            $"{name} is {value}, expected {expected}.");
    }

    [GeneratedRegex("%(?<name>[A-Za-z0-9_:.-]+)%")]
    private static partial Regex AppSettingReference();
}

using System.Text.Json;
using System.Text.RegularExpressions;
using static Hub.Infra.Tests.ArmTemplate;

namespace Hub.Infra.Tests;

/// <summary>azure.yaml and infra/main.parameters.json agree with the template and the repository.</summary>
[Trait("Category", "Unit")]
[Collection(SharedCompiledInfra.Name)]
public sealed partial class AzdProjectTests(CompiledInfra infra)
{
    private static readonly string[] OutputsAzdNeeds =
    [
        "AZURE_LOCATION",
        "AZURE_TENANT_ID",
        "AZURE_RESOURCE_GROUP",
        "AZURE_FUNCTION_APP_NAME",
        "SERVICE_API_NAME",
        "AZURE_KEY_VAULT_NAME",
    ];

    [Fact]
    public void AzureYamlDeploysTheFunctionsProjectAsServiceApi()
    {
        var yaml = File.ReadAllText(Path.Combine(RepoPaths.RepoRoot, "azure.yaml"));
        Assert.Matches(new Regex("^name: social-prescribing-hub\\s*$", RegexOptions.Multiline), yaml);

        var api = ServiceBlock().Match(yaml);
        Assert.True(api.Success, "azure.yaml has no services: api: block.");
        var block = api.Groups["body"].Value;
        Assert.Matches(new Regex("^\\s+language: dotnet\\s*$", RegexOptions.Multiline), block);
        Assert.Matches(new Regex("^\\s+host: function\\s*$", RegexOptions.Multiline), block);

        var project = ProjectLine().Match(block);
        Assert.True(project.Success, "services.api has no project:");
        Assert.Equal("./functions/Hub.Functions", project.Groups["path"].Value);
        var projectDir = Path.GetFullPath(Path.Combine(RepoPaths.RepoRoot, project.Groups["path"].Value));
        Assert.True(File.Exists(Path.Combine(projectDir, "Hub.Functions.csproj")), $"{projectDir} holds no Hub.Functions.csproj");
    }

    [Fact]
    public void ParametersFileMatchesTheTemplateParameters()
    {
        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.InfraDirectory, "main.parameters.json")));
        var given = file.RootElement.GetProperty("parameters").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var declared = infra.Template.GetProperty("parameters").EnumerateObject().ToList();

        Assert.All(given, name => Assert.Contains(declared, p => p.Name == name));
        Assert.All(
            declared.Where(p => Find(p.Value, "defaultValue") is null),
            p => Assert.True(given.Contains(p.Name), $"Required parameter {p.Name} is missing from main.parameters.json."));
        Assert.Equal("${AZURE_ENV_NAME}", FindString(file.RootElement, "parameters", "environmentName", "value"));
        Assert.Equal("${AZURE_LOCATION}", FindString(file.RootElement, "parameters", "location", "value"));
    }

    [Fact]
    public void SecretParametersAreSecureAndDefaultToEmpty()
    {
        foreach (var name in new[] { "sendGridApiKey", "linkSigningKey" })
        {
            var parameter = Find(infra.Template, "parameters", name) ?? throw new InvalidOperationException($"No parameter {name}.");
            Assert.Equal("securestring", FindString(parameter, "type"));
            Assert.Equal(string.Empty, FindString(parameter, "defaultValue"));
        }
    }

    [Fact]
    public void TemplateHasTheOutputsAzdReads()
    {
        var outputs = infra.Template.GetProperty("outputs");
        Assert.All(OutputsAzdNeeds, name => Assert.NotNull(Find(outputs, name)));
        Assert.Equal("subscription", TargetScope(infra.Template));
    }

    private static string TargetScope(JsonElement template) =>
        (FindString(template, "$schema") ?? string.Empty).Contains("subscriptionDeploymentTemplate", StringComparison.Ordinal) ? "subscription" : "resourceGroup";

    [GeneratedRegex(@"^services:\s*\n(?:.*\n)*?  api:\s*\n(?<body>(?:    .*\n?|\s*\n)*)", RegexOptions.Multiline)]
    private static partial Regex ServiceBlock();

    [GeneratedRegex(@"^\s+project:\s*(?<path>\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex ProjectLine();
}

using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Hub.Infra.Tests;

[Trait("Category", "Unit")]
[Collection(SharedCompiledInfra.Name)]
public sealed partial class BicepBuildAndLintTests(CompiledInfra infra)
{
    [Fact]
    public void MainBicepBuildsWithoutDiagnostics()
    {
        Assert.True(infra.Build.ExitCode == 0, infra.Build.ToString());
        // Warnings (BCP081 unknown API version, linter rules) are printed to stderr; the build must be clean.
        Assert.True(string.IsNullOrWhiteSpace(infra.Build.StandardError), infra.Build.ToString());
        Assert.Equal(JsonValueKind.Object, infra.Template.ValueKind);
    }

    [Fact]
    public void EveryBicepFileLintsClean()
    {
        var (logs, results) = SarifResults(infra.Lint.StandardOutput);
        var diagnostics = results.Distinct().ToList();
        var bicepFiles = Directory.GetFiles(RepoPaths.InfraDirectory, "*.bicep", SearchOption.AllDirectories).Length;
        Assert.True(logs == bicepFiles, $"bicep lint wrote {logs} SARIF log(s) for {bicepFiles} .bicep file(s).{Environment.NewLine}{infra.Lint}");

        Assert.True(
            diagnostics.Count == 0,
            $"bicep lint reported {diagnostics.Count} diagnostic(s); fix them in infra/:{Environment.NewLine}"
            + string.Join(Environment.NewLine, diagnostics) + Environment.NewLine + infra.Lint);
        Assert.True(infra.Lint.ExitCode == 0, infra.Lint.ToString());
    }

    [Fact]
    public void NoModuleComesFromARegistry()
    {
        // Registry modules (br:, br/alias:, ts:, ts/alias:) need a network restore; infra must build offline from local files.
        var offenders = Directory.EnumerateFiles(RepoPaths.InfraDirectory, "*.bicep*", SearchOption.AllDirectories)
            .SelectMany(file => RegistryReference().Matches(File.ReadAllText(file)).Select(m => $"{Path.GetRelativePath(RepoPaths.RepoRoot, file)}: {m.Value.Trim()}"))
            .ToList();

        Assert.True(offenders.Count == 0, "Registry module references: " + string.Join("; ", offenders));
        Assert.DoesNotContain("br/public", infra.TemplateText, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>One line per result of every SARIF log in <paramref name="output"/> (bicep lint --pattern writes one log per file, back to back).</summary>
    private static (int Logs, List<string> Results) SarifResults(string output)
    {
        var results = new List<string>();
        var logs = 0;
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(output), new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            // Read() stops on the next log's StartObject; ParseValue consumes that whole log.
            using var document = JsonDocument.ParseValue(ref reader);
            logs++;
            foreach (var run in document.RootElement.GetProperty("runs").EnumerateArray())
            {
                results.AddRange(run.GetProperty("results").EnumerateArray().Select(Describe));
            }
        }

        return (logs, results);
    }

    private static string Describe(JsonElement result)
    {
        var level = ArmTemplate.FindString(result, "level") ?? "warning";
        var rule = ArmTemplate.FindString(result, "ruleId");
        var message = ArmTemplate.FindString(result, "message", "text");
        var location = ArmTemplate.Find(result, "locations") is { ValueKind: JsonValueKind.Array } locations && locations.GetArrayLength() > 0
            ? ArmTemplate.Find(locations[0], "physicalLocation")
            : null;
        var file = location is { } l ? ArmTemplate.FindString(l, "artifactLocation", "uri") : null;
        var line = location is { } m ? ArmTemplate.Find(m, "region", "startLine")?.ToString() : null;
        return $"{file}({line}) {level} {rule}: {message}";
    }

    [GeneratedRegex(@"['""](br|ts)(:|/)[^'""]*['""]", RegexOptions.IgnoreCase)]
    private static partial Regex RegistryReference();
}

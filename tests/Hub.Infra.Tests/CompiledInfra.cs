using System.Text.Json;

namespace Hub.Infra.Tests;

/// <summary>Builds and lints infra/ once for all the tests in the <see cref="SharedCompiledInfra"/>.</summary>
public sealed class CompiledInfra : IAsyncLifetime
{
    private JsonDocument? _template;

    /// <summary><c>bicep build main.bicep --stdout --no-restore</c>, run in infra/. <c>--no-restore</c>: nothing may come from a registry.</summary>
    public BicepRun Build { get; private set; } = null!;

    /// <summary><c>bicep lint --pattern **/*.bicep --no-restore --diagnostics-format sarif</c>, run in infra/: every .bicep file, modules included.</summary>
    public BicepRun Lint { get; private set; } = null!;

    /// <summary>The root of the compiled ARM template. Throws, showing the build's output, when the build failed.</summary>
    public JsonElement Template =>
        _template?.RootElement ?? throw new InvalidOperationException($"infra/main.bicep did not build:{Environment.NewLine}{Build}");

    /// <summary>The compiled template as text, for searches that do not care where in the JSON a string is.</summary>
    public string TemplateText => Build.StandardOutput;

    public async Task InitializeAsync()
    {
        var infra = RepoPaths.InfraDirectory;
        Build = await BicepCli.RunAsync(infra, "build", "main.bicep", "--stdout", "--no-restore");
        if (Build.ExitCode == 0)
        {
            _template = JsonDocument.Parse(Build.StandardOutput);
        }

        Lint = await BicepCli.RunAsync(infra, "lint", "--pattern", "**/*.bicep", "--no-restore", "--diagnostics-format", "sarif");
    }

    public Task DisposeAsync()
    {
        _template?.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class SharedCompiledInfra : ICollectionFixture<CompiledInfra>
{
    public const string Name = "Compiled infra";
}

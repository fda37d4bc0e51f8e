using System.Diagnostics;
using System.Reflection;

namespace Hub.Infra.Tests;

/// <summary>What one run of the Bicep CLI did.</summary>
public sealed record BicepRun(string Arguments, int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() =>
        $"bicep {Arguments} exited {ExitCode}{Environment.NewLine}--- stdout ---{Environment.NewLine}{StandardOutput}{Environment.NewLine}--- stderr ---{Environment.NewLine}{StandardError}";
}

/// <summary>
/// Runs the Bicep CLI that the Azure.Bicep.CommandLine.linux-x64 package (Directory.Packages.props) restores into the
/// NuGet global packages folder, so no separate install (az bicep, a download) is needed and every machine runs the same version.
/// </summary>
internal static class BicepCli
{
    private const string PackageId = "azure.bicep.commandline.linux-x64";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);
    private static readonly Lazy<string> Executable = new(Locate);

    /// <summary>The bicep executable: BICEP_PATH if set, else the package's tools/bicep.</summary>
    public static string ExecutablePath => Executable.Value;

    public static async Task<BicepRun> RunAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(ExecutablePath)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {ExecutablePath}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(Timeout))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish within {Timeout}.");
            }
        }

        return new BicepRun(string.Join(' ', arguments), process.ExitCode, await stdout, await stderr);
    }

    private static string Locate()
    {
        var path = Environment.GetEnvironmentVariable("BICEP_PATH");
        if (string.IsNullOrEmpty(path))
        {
            path = Candidates().FirstOrDefault(File.Exists)
                ?? throw new FileNotFoundException(
                    $"No bicep executable found. Restore tests/Hub.Infra.Tests (it references {PackageId}), or set BICEP_PATH. Looked in: "
                    + string.Join(", ", Candidates()));
        }

        return EnsureExecutable(path);
    }

    /// <summary>The package folder MSBuild recorded at build time, then any restored version in the global packages folder, newest first.</summary>
    private static IEnumerable<string> Candidates()
    {
        var recorded = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "BicepPackageRoot")?.Value;
        if (!string.IsNullOrEmpty(recorded))
        {
            yield return Path.Combine(recorded, "tools", "bicep");
        }

        var globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(globalPackages))
        {
            globalPackages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }

        var packageDir = new DirectoryInfo(Path.Combine(globalPackages, PackageId));
        if (packageDir.Exists)
        {
            foreach (var version in packageDir.EnumerateDirectories()
                         .Select(d => (Dir: d, Version: Version.TryParse(d.Name, out var v) ? v : null))
                         .Where(d => d.Version is not null)
                         .OrderByDescending(d => d.Version))
            {
                yield return Path.Combine(version.Dir.FullName, "tools", "bicep");
            }
        }
    }

    /// <summary>NuGet extraction may drop the execute bit: add it, or run a private executable copy when the package folder is read-only.</summary>
    private static string EnsureExecutable(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return path;
        }

        const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        var mode = File.GetUnixFileMode(path);
        if ((mode & UnixFileMode.UserExecute) != 0)
        {
            return path;
        }

        try
        {
            File.SetUnixFileMode(path, mode | execute);
            return path;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            var copy = Path.Combine(Path.GetTempPath(), $"hub-infra-tests-bicep-{Environment.ProcessId}", "bicep");
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(path, copy, overwrite: true);
            File.SetUnixFileMode(copy, mode | execute | UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return copy;
        }
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Hub.Tests.Infrastructure;

/// <summary>The Azurite storage emulator for the whole test run: installed from the repo's pinned package.json when
/// missing, started on free loopback ports in a temp folder, stopped when the run ends.</summary>
public sealed class Azurite
{
    private static readonly Lazy<Task<Azurite>> Instance = new(StartAsync);
    private readonly Process? _process;

    private Azurite(Process process, int blobPort, int queuePort, int tablePort, string folder)
    {
        _process = process;
        Folder = folder;
        ConnectionString =
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
            $"BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;" +
            $"QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;";
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
    }

    public string ConnectionString { get; }

    public string Folder { get; }

    public static Task<Azurite> SharedAsync() => Instance.Value;

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hub.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (Hub.sln) above " + AppContext.BaseDirectory);
    }

    /// <summary>Set by .ci/run, which starts one Azurite for the whole CI run; tests start their own when it is absent.</summary>
    public const string ExternalConnectionSetting = "HUB_AZURITE_CONNECTION_STRING";

    private Azurite(string connectionString)
    {
        _process = null;
        Folder = string.Empty;
        ConnectionString = connectionString;
    }

    private static async Task<Azurite> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(ExternalConnectionSetting) is { Length: > 0 } external)
        {
            return new Azurite(external);
        }

        var root = RepositoryRoot();
        var node = Which("node") ?? throw new InvalidOperationException(
            "Node.js is required to run the Azurite storage emulator for the tests. Install Node.js 20 or later and run the tests again.");
        var entry = Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(entry))
        {
            await RunAsync(Which("npm") ?? throw new InvalidOperationException("npm is required to install Azurite (it comes with Node.js)."),
                "ci --no-audit --no-fund", root);
        }

        var folder = Directory.CreateTempSubdirectory("hub-azurite-").FullName;
        var (blob, queue, table) = (Ports.FreeLoopback(), Ports.FreeLoopback(), Ports.FreeLoopback());
        var start = new ProcessStartInfo(node)
        {
            ArgumentList =
            {
                entry, "--silent", "--disableTelemetry", "--skipApiVersionCheck",
                "--location", folder,
                "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--tableHost", "127.0.0.1", "--tablePort", table.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
        process.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        foreach (var port in new[] { blob, queue, table })
        {
            while (!await AcceptsAsync(port))
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"Azurite did not start listening on port {port} (exit: {(process.HasExited ? process.ExitCode : "still running")}): {string.Join('\n', output)}");
                }

                await Task.Delay(100);
            }
        }

        return new Azurite(process, blob, queue, table, folder);
    }

    private void Stop()
    {
        try
        {
            if (_process is null)
            {
                return;
            }

            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            Directory.Delete(Folder, recursive: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // Best effort at exit.
        }
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static async Task RunAsync(string file, string arguments, string workingDirectory)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { WorkingDirectory = workingDirectory, UseShellExecute = false })
                            ?? throw new InvalidOperationException($"Could not run {file}.");
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{Path.GetFileName(file)} {arguments}' failed with exit code {process.ExitCode}.");
        }
    }
}

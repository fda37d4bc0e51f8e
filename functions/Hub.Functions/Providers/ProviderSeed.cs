using System.Text.Json;
using Hub.Platform.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hub.Providers;

/// <summary>Fills an empty local directory at startup from <see cref="ProviderOptions.SeedFile"/>, so <c>npm start</c>
/// gives a hub that can route referrals straight away. It only adds missing providers, so restarting does not undo a
/// pause or an edit; and it never stops the app: a missing or broken file, or storage that is not up yet, is logged.</summary>
public sealed partial class ProviderSeed(ProviderDirectory directory, IOptions<ProviderOptions> options, ILogger<ProviderSeed> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.Value.SeedFile))
        {
            return;
        }

        if (Locate(options.Value.SeedFile) is not { } path)
        {
            LogMissing(logger, options.Value.SeedFile);
            return;
        }

        try
        {
            await using var file = File.OpenRead(path);
            var providers = await JsonSerializer.DeserializeAsync<List<Provider>>(file, JsonBody.Options, cancellationToken) ?? [];
            var result = await directory.ImportAsync(providers.OfType<Provider>(), replaceExisting: false, cancellationToken);
            LogSeeded(logger, result.Saved, result.Kept, path);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A broken file (JSON, an invalid entry), an unreadable one, or storage not up yet (the Azure SDK gives up
            // with RequestFailedException or AggregateException): a local convenience must not take the app down.
            LogFailed(logger, ex, path);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static string? Locate(string seedFile) =>
        new[] { Path.GetFullPath(seedFile), Path.GetFullPath(seedFile, AppContext.BaseDirectory) }.FirstOrDefault(File.Exists);

    [LoggerMessage(Level = LogLevel.Information, Message = "Provider seed: {Saved} providers added, {Kept} already in the directory, from {Path}")]
    private static partial void LogSeeded(ILogger logger, int saved, int kept, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider seed file {SeedFile} was not found; the directory is left as it is")]
    private static partial void LogMissing(ILogger logger, string seedFile);

    [LoggerMessage(Level = LogLevel.Error, Message = "Provider seed from {Path} failed; the directory is left as it is")]
    private static partial void LogFailed(ILogger logger, Exception exception, string path);
}

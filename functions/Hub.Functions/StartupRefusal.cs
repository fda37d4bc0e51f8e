using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hub;

/// <summary>Starts the app, and when its settings refuse it (a missing key, a duration out of range: every options
/// check that runs at start) says so where an operator looks, in every environment: each problem on its own line, naming
/// the setting, on standard error (which the Functions host copies into its log and Application Insights) and through
/// the app's own logger at Critical. Nothing in these messages is personal data: they name settings, never values of
/// secrets.</summary>
public static partial class StartupRefusal
{
    public const string Prefix = "The hub refused to start: ";

    /// <summary>Starts <paramref name="host"/>; false (after reporting) when its configuration refused it.</summary>
    public static async Task<bool> TryStartAsync(IHost host, TextWriter console, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(console);
        try
        {
            await host.StartAsync(cancellationToken);
            return true;
        }
        catch (Exception ex) when (Problems(ex) is { Count: > 0 } problems)
        {
            var logger = host.Services.GetService<ILoggerFactory>()?.CreateLogger("Hub.Startup");
            foreach (var problem in problems)
            {
                await console.WriteLineAsync(Prefix + problem);
                if (logger is not null)
                {
                    LogRefused(logger, problem);
                }
            }

            await console.FlushAsync(cancellationToken);
            return false;
        }
    }

    /// <summary>Every options failure inside <paramref name="exception"/> (start-up validation gathers them in an
    /// AggregateException), one line each; empty when it is not a configuration refusal.</summary>
    public static IReadOnlyList<string> Problems(Exception exception)
    {
        var found = new List<string>();
        Collect(exception, found);
        return found.Distinct(StringComparer.Ordinal).ToList();
    }

    private static void Collect(Exception? exception, List<string> found)
    {
        switch (exception)
        {
            case OptionsValidationException options:
                found.AddRange(options.Failures.Select(f => $"{f} (settings: {Section(options.OptionsType)})"));
                break;
            case AggregateException aggregate:
                foreach (var inner in aggregate.InnerExceptions)
                {
                    Collect(inner, found);
                }

                break;
            case not null:
                Collect(exception.InnerException, found);
                break;
        }
    }

    /// <summary>The configuration section an options type binds (its <c>Section</c> constant), else its name.</summary>
    private static string Section(Type optionsType) =>
        optionsType.GetField("Section", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)?.GetRawConstantValue() as string
        ?? optionsType.Name;

    [LoggerMessage(Level = LogLevel.Critical, Message = "The hub refused to start: {Problem}")]
    private static partial void LogRefused(ILogger logger, string problem);
}

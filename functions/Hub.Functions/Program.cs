using Hub;
using Hub.Operations;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;

if (args is ["seed", var settings, var providers])
{
    // `npm start` seeds a local hub before starting the Functions host (see LocalSeed).
    return await LocalSeed.RunAsync(settings, providers, Console.Out);
}

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddHub(builder.Configuration);
// The worker's own spans (one per function invocation) join the hub's; exporting is decided in AddHub.
builder.Services.AddOpenTelemetry().UseFunctionsWorkerDefaults();
using var host = builder.Build();
// A refusal (a missing key, a duration out of range) is written to standard error and the log, naming the setting, in
// every environment; the exit code tells the host the worker could not start.
if (!await StartupRefusal.TryStartAsync(host, Console.Error))
{
    return 1;
}

await host.WaitForShutdownAsync();
return 0;

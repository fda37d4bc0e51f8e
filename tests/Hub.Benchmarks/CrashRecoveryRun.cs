using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Hub.Tests.Infrastructure;

namespace Hub.Benchmarks;

/// <summary>Issue 13 point 6: how long work a crashed worker had taken stays invisible on the Durable Azure Storage
/// backend (Azurite), with the queue visibility timeouts host.json sets (1 minute) against the default (5 minutes).
/// A child process runs a worker whose activity never finishes; once every instance's activity is running there, the
/// child is killed (SIGKILL: no abandon, no lease release), a fresh worker starts in this process, and the time from the
/// kill to each instance's completion is measured. Beside it, a worker that stays alive runs activities longer than the
/// visibility timeout, to see whether the provider renews the message or runs the activity twice.</summary>
/// <remarks>Plain DurableTask.Core orchestrations on the backend the Functions host uses: the visibility timeouts are
/// the backend's settings, so the hub's own orchestrations and the gRPC layer add nothing to what is measured.</remarks>
public static class CrashRecoveryRun
{
    private const int PartitionCount = 4;

    private static readonly ConcurrentDictionary<string, int> Runs = new();

    /// <summary>Set in the child process: the activity says it started, then holds the work item until the kill.</summary>
    private static bool _holdForever;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == "worker")
        {
            return await WorkerAsync(args[1], args[2], TimeSpan.FromSeconds(int.Parse(args[3], CultureInfo.InvariantCulture)));
        }

        var instances = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
        var longSeconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 150;
        var azurite = await Azurite.SharedAsync();
        Console.WriteLine($"crash-recovery: {instances} instances in flight per run; machine {Environment.ProcessorCount} cores, load {Load()}");

        var oneMinute = CrashAsync(azurite.ConnectionString, "crashone", TimeSpan.FromMinutes(1), instances);
        var fiveMinutes = CrashAsync(azurite.ConnectionString, "crashfive", TimeSpan.FromMinutes(5), instances);
        var renewal = LongActivityAsync(azurite.ConnectionString, "crashlong", TimeSpan.FromMinutes(1), 5, TimeSpan.FromSeconds(longSeconds));
        var results = await Task.WhenAll(oneMinute, fiveMinutes, renewal);
        Console.WriteLine($"load at the end {Load()}");
        return results.All(ok => ok) ? 0 : 1;
    }

    private static AzureStorageOrchestrationService Backend(string connection, string hub, TimeSpan visibility) =>
        new(new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = new StorageAccountClientProvider(connection),
            TaskHubName = hub,
            PartitionCount = PartitionCount,
            ControlQueueVisibilityTimeout = visibility,
            WorkItemQueueVisibilityTimeout = visibility,
            MaxConcurrentTaskActivityWorkItems = 200,
            MaxConcurrentTaskOrchestrationWorkItems = 200,
        });

    private static async Task<TaskHubWorker> StartWorkerAsync(AzureStorageOrchestrationService backend)
    {
        var worker = new TaskHubWorker(backend);
        worker.AddTaskOrchestrations(typeof(HeldOrchestration), typeof(LongOrchestration));
        worker.AddTaskActivities(typeof(HeldActivity), typeof(LongActivity));
        await worker.StartAsync();
        return worker;
    }

    /// <summary>The child: a worker whose activities write "started {instance}" and never finish.</summary>
    private static async Task<int> WorkerAsync(string connection, string hub, TimeSpan visibility)
    {
        _holdForever = true;
        await StartWorkerAsync(Backend(connection, hub, visibility));
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    private static async Task<bool> CrashAsync(string connection, string hub, TimeSpan visibility, int instances)
    {
        var backend = Backend(connection, hub, visibility);
        await backend.CreateIfNotExistsAsync();
        var client = new TaskHubClient(backend);

        var started = new ConcurrentDictionary<string, DateTime>();
        var all = new TaskCompletionSource();
        using var child = Process.Start(ChildStart(connection, hub, visibility)) ?? throw new InvalidOperationException("The worker process did not start.");
        child.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.StartsWith("started ", StringComparison.Ordinal)
                && started.TryAdd(line["started ".Length..], DateTime.UtcNow) && started.Count == instances)
            {
                all.TrySetResult();
            }
        };
        child.ErrorDataReceived += (_, _) => { };
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();

        var ids = new List<string>();
        for (var i = 0; i < instances; i++)
        {
            var id = $"{hub}-{i:D3}";
            ids.Add(id);
            await client.CreateOrchestrationInstanceAsync(typeof(HeldOrchestration), id, id);
        }

        if (await Task.WhenAny(all.Task, Task.Delay(TimeSpan.FromMinutes(3))) != all.Task)
        {
            Console.WriteLine($"[{hub}] only {started.Count}/{instances} activities started in the worker within 3 minutes; killing it anyway");
        }

        child.Kill(entireProcessTree: true);
        await child.WaitForExitAsync();
        var killedAt = Stopwatch.StartNew();
        var killedUtc = DateTime.UtcNow;
        var worker = await StartWorkerAsync(backend);
        var workerUp = killedAt.Elapsed;

        var done = new Dictionary<string, TimeSpan>();
        var deadline = visibility + TimeSpan.FromMinutes(3);
        while (done.Count < ids.Count && killedAt.Elapsed < deadline)
        {
            foreach (var id in ids.Where(id => !done.ContainsKey(id)))
            {
                var state = await client.GetOrchestrationStateAsync(id);
                if (state?.OrchestrationStatus == OrchestrationStatus.Completed)
                {
                    done[id] = killedAt.Elapsed;
                }
            }

            await Task.Delay(500);
        }

        await worker.StopAsync(isForced: true);
        var seconds = done.Values.Select(t => t.TotalSeconds).Order().ToList();
        var reruns = ids.Sum(id => Runs.GetValueOrDefault(id));
        Console.WriteLine($"[{hub}] visibility {visibility:c}: {started.Count}/{instances} activities in flight at the kill; " +
                          $"new worker up {workerUp.TotalSeconds:F1} s after the kill; {done.Count}/{instances} completed within {deadline:c}; " +
                          $"activity re-run {reruns} times in the new worker");
        if (seconds.Count > 0)
        {
            Console.WriteLine($"[{hub}] seconds from kill to completion: min {seconds[0]:F1}, p50 {Pct(seconds, 0.5):F1}, " +
                              $"p95 {Pct(seconds, 0.95):F1}, max {seconds[^1]:F1}");
            // The message went invisible when the dead worker took it (just before its activity started), not at the kill.
            var taken = done.Where(d => started.ContainsKey(d.Key))
                .Select(d => (killedUtc + d.Value - started[d.Key]).TotalSeconds).Order().ToList();
            if (taken.Count > 0)
            {
                Console.WriteLine($"[{hub}] seconds from the activity's start in the dead worker to completion: min {taken[0]:F1}, " +
                                  $"p50 {Pct(taken, 0.5):F1}, max {taken[^1]:F1}; kill came {(killedUtc - started.Values.Min()).TotalSeconds:F1} s after the first start");
            }
        }

        return done.Count == instances;
    }

    private static async Task<bool> LongActivityAsync(string connection, string hub, TimeSpan visibility, int instances, TimeSpan length)
    {
        var backend = Backend(connection, hub, visibility);
        await backend.CreateIfNotExistsAsync();
        var client = new TaskHubClient(backend);
        var worker = await StartWorkerAsync(backend);
        var clock = Stopwatch.StartNew();
        var ids = Enumerable.Range(0, instances).Select(i => $"{hub}-{i:D3}").ToList();
        foreach (var id in ids)
        {
            await client.CreateOrchestrationInstanceAsync(typeof(LongOrchestration), id, (int)length.TotalSeconds);
        }

        var states = await Task.WhenAll(ids.Select(id =>
            client.WaitForOrchestrationAsync(new OrchestrationInstance { InstanceId = id }, length + TimeSpan.FromMinutes(4))));
        var elapsed = clock.Elapsed;
        // The activity runs longer than two visibility timeouts: had the message come back while it ran, a second run
        // would have started (and been counted) before the first finished.
        await worker.StopAsync(isForced: true);
        var completed = states.Count(s => s?.OrchestrationStatus == OrchestrationStatus.Completed);
        var runs = ids.Select(id => Runs.GetValueOrDefault(id)).ToList();
        Console.WriteLine($"[{hub}] visibility {visibility:c}, live worker, {instances} activities of {length.TotalSeconds:F0} s: " +
                          $"{completed}/{instances} completed in {elapsed.TotalSeconds:F0} s; activity runs per instance: {string.Join(",", runs)}");
        return completed == instances && runs.All(r => r == 1);
    }

    private static ProcessStartInfo ChildStart(string connection, string hub, TimeSpan visibility)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
        {
            start.ArgumentList.Add(typeof(CrashRecoveryRun).Assembly.Location);
        }

        foreach (var arg in new[] { "crash-recovery", "worker", connection, hub, ((int)visibility.TotalSeconds).ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    private static double Pct(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";

    private sealed class HeldOrchestration : TaskOrchestration<string, string>
    {
        public override Task<string> RunTask(OrchestrationContext context, string input) =>
            context.ScheduleTask<string>(typeof(HeldActivity), input);
    }

    private sealed class HeldActivity : AsyncTaskActivity<string, string>
    {
        protected override async Task<string> ExecuteAsync(TaskContext context, string input)
        {
            if (_holdForever)
            {
                Console.WriteLine("started " + input);
                await Task.Delay(Timeout.Infinite);
            }

            Runs.AddOrUpdate(input, 1, (_, n) => n + 1);
            return "done " + input;
        }
    }

    private sealed class LongOrchestration : TaskOrchestration<string, int>
    {
        public override Task<string> RunTask(OrchestrationContext context, int input) =>
            context.ScheduleTask<string>(typeof(LongActivity), input);
    }

    private sealed class LongActivity : AsyncTaskActivity<int, string>
    {
        protected override async Task<string> ExecuteAsync(TaskContext context, int input)
        {
            var id = context.OrchestrationInstance.InstanceId;
            Runs.AddOrUpdate(id, 1, (_, n) => n + 1);
            await Task.Delay(TimeSpan.FromSeconds(input));
            return "done " + id;
        }
    }
}

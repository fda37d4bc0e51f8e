using System.Diagnostics;
using Azure.Data.Tables;
using Hub.Chase;
using Hub.Intake;
using Hub.Platform;
using Hub.Platform.Fhir;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Hub.Benchmarks;

/// <summary>End-to-end load, in process: referrals posted through the real HTTP trigger into Azurite (tables written,
/// Task created, orchestration scheduled on the Durable Azure Storage backend over Azurite, as the Functions host does),
/// beside a bare "schedule one orchestration" HTTP handler, measured in the same run at the same concurrency, in short
/// alternating rounds (order ABBA) so neither row gets the quieter moment on a shared machine. Each row reports its rate,
/// latency and CPU a request (this process, and Azurite, which is its child); the storage calls a request makes are
/// counted once, one request at a time; Azurite's raw single-entity insert rate is given for scale. Bounded in count
/// and time; loopback only.</summary>
public static class LoadRun
{
    /// <summary>202 with a Location, written straight to the response as a Functions HTTP result would be.</summary>
    private sealed class Started(string location) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context)
        {
            context.HttpContext.Response.StatusCode = StatusCodes.Status202Accepted;
            context.HttpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }

    /// <summary>One timed row: requests answered as expected, wall time, latency, and the CPU it cost (this process, and
    /// this process with its children: Azurite and the Durable sidecar's storage all run in them).</summary>
    private sealed record Row(string Name, int Done, double Seconds, double P50, double P95, double CpuMs = 0, double OwnCpuMs = 0)
    {
        public double Rate => Done / Seconds;
    }

    private static string Line(Row row) =>
        $"{row.Name,-20}: {row.Done,6} in {row.Seconds,6:F2} s = {row.Rate,6:F0}/s   p50 {row.P50,6:F1} ms   p95 {row.P95,6:F1} ms   CPU {row.CpuMs / Math.Max(1, row.Done),5:F2} ms/request";

    /// <summary>Counts the HTTP calls this process makes, by what they go to: Azurite's table and queue services (the hub's
    /// stores and the Durable Azure Storage backend alike, both in this process) and the Durable sidecar (gRPC).</summary>
    private sealed class Calls : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
    {
        private readonly int _tablePort;
        private readonly int _queuePort;
        private long _tables;
        private long _queues;
        private long _durable;

        public Calls(string connection)
        {
            var parts = connection.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
            _tablePort = parts.TryGetValue("TableEndpoint", out var table) ? new Uri(table).Port : 10002;
            _queuePort = parts.TryGetValue("QueueEndpoint", out var queue) ? new Uri(queue).Port : 10001;
            DiagnosticListener.AllListeners.Subscribe(this);
        }

        public (long Tables, long Queues, long Durable) Snapshot() => (Interlocked.Read(ref _tables), Interlocked.Read(ref _queues), Interlocked.Read(ref _durable));

        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == "HttpHandlerDiagnosticListener")
            {
                value.Subscribe(this);
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key != "System.Net.Http.Request" || value.Value?.GetType().GetProperty("Request")?.GetValue(value.Value) is not HttpRequestMessage { RequestUri: { } uri })
            {
                return;
            }

            if (uri.AbsolutePath.Contains("TaskHubSidecarService", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _durable);
            }
            else if (uri.Port == _tablePort)
            {
                Interlocked.Increment(ref _tables);
            }
            else if (uri.Port == _queuePort)
            {
                Interlocked.Increment(ref _queues);
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }

    /// <summary>A bare start row and an intake row, back to back, on the same fresh bodies.</summary>
    private static async Task<(Row Bare, Row Intake)> RoundAsync(string name, int referrals, int concurrency, ReferralIntakeHttp intake, DurableTaskClient durable, string key, bool bareFirst,
        string? only = null)
    {
        var bodies = Enumerable.Range(0, referrals).Select(i => ReferralExamples.Json(ReferralExamples.ServiceRequest($"{name}-{i}"))).ToArray();
        var bareStatuses = new int[referrals];
        var statuses = new int[referrals];
        Task<Row> Bare() => TimeAsync("bare durable start", referrals, concurrency, async i =>
        {
            var request = HttpCall.Request("POST", "/api/start", bodies[i], FhirMediaTypes.Json, key);
            bareStatuses[i] = (await HttpCall.RunAsync(request, await BareStartAsync(request, durable))).Status;
        }, () => bareStatuses.Count(s => s == 202));
        Task<Row> Intake() => TimeAsync("intake end to end", referrals, concurrency, async i =>
        {
            var request = HttpCall.Request("POST", "/api/fhir/ServiceRequest", bodies[i], FhirMediaTypes.Json, key);
            statuses[i] = (await HttpCall.RunAsync(request, await intake.PostServiceRequest(request, durable))).Status;
        }, () => statuses.Count(s => s == 201));

        if (only is not null)
        {
            var row = only == "bare" ? await Bare() : await Intake();
            return (row, row);
        }

        if (bareFirst)
        {
            var bare = await Bare();
            return (bare, await Intake());
        }

        var taken = await Intake();
        return (await Bare(), taken);
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>CPU milliseconds used so far by this process, and by it with all its descendants (Linux /proc; 0 elsewhere).</summary>
    private static (double Own, double All) CpuMs()
    {
        var own = Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
        if (!Directory.Exists("/proc"))
        {
            return (own, own);
        }

        var children = new Dictionary<int, List<int>>();
        var ticks = new Dictionary<int, long>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
                ticks[pid] = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
                (children.TryGetValue(parent, out var list) ? list : children[parent] = []).Add(pid);
            }
            catch (IOException)
            {
                // The process ended while being read.
            }
        }

        long descendants = 0;
        var pending = new Stack<int>(children.GetValueOrDefault(Environment.ProcessId) ?? []);
        while (pending.TryPop(out var pid))
        {
            descendants += ticks.GetValueOrDefault(pid);
            foreach (var child in children.GetValueOrDefault(pid) ?? [])
            {
                pending.Push(child);
            }
        }

        // Clock ticks are 1/100 s on Linux.
        return (own, own + (descendants * 10.0));
    }

    public static async Task<int> RunAsync(int referrals, int concurrency, int rounds = 2)
    {
        var hub = new TestHub();
        await hub.InitializeAsync();
        try
        {
            var connection = hub.Get<Microsoft.Extensions.Configuration.IConfiguration>()[PlatformServices.StorageSetting]!;
            await using var engine = await StorageEngine.StartAsync(connection, $"{hub.TablePrefix}load");
            var durable = engine.Client;
            var key = await hub.KeyForAsync("load-client", ReferralExamples.Practice);
            var intake = hub.Function<ReferralIntakeHttp>();

            // Warm up: first Firely use, table creation, the Durable client's channel, the key cache.
            for (var i = 0; i < 5; i++)
            {
                var warm = HttpCall.Request("POST", "/api/fhir/ServiceRequest", ReferralExamples.Json(ReferralExamples.ServiceRequest($"warm-{i}")), FhirMediaTypes.Json, key);
                await HttpCall.RunAsync(warm, await intake.PostServiceRequest(warm, durable));
                var bare = HttpCall.Request("POST", "/api/start", ReferralExamples.Json(ReferralExamples.ServiceRequest($"warm-bare-{i}")), FhirMediaTypes.Json, key);
                await HttpCall.RunAsync(bare, await BareStartAsync(bare, durable));
            }

            // One untimed round of each at full concurrency: the JIT and the connection pools warm for both alike.
            await RoundAsync("warm", Math.Min(referrals, 100), concurrency, intake, durable, key, bareFirst: true);

            // Round trips a request, counted one request at a time (nothing else running in this process).
            var calls = new Calls(connection);
            var counted = new List<string>();
            foreach (var bareRow in new[] { true, false })
            {
                const int n = 20;
                var before = calls.Snapshot();
                await RoundAsync($"count-{bareRow}", n, 1, intake, durable, key, bareFirst: bareRow, only: bareRow ? "bare" : "intake");
                var after = calls.Snapshot();
                counted.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"{(bareRow ? "bare durable start" : "intake end to end"),-20}: {(after.Tables - before.Tables) / (double)n:F1} table calls + {(after.Queues - before.Queues) / (double)n:F1} queue calls to Azurite, {(after.Durable - before.Durable) / (double)n:F1} calls to the Durable sidecar, a request"));
            }

            var load = new List<string> { LoadAverage() };
            var rows = new List<(Row Bare, Row Intake)>();
            for (var round = 0; round < rounds; round++)
            {
                // Alternate which row goes first (ABBA), so a drift in the machine's load favours neither.
                rows.Add(await RoundAsync($"load-{round}", referrals, concurrency, intake, durable, key, bareFirst: round % 2 == 0));
            }

            load.Add(LoadAverage());
            var raw = new TableClient(connection, $"{hub.TablePrefix}RawInsert");
            await raw.CreateIfNotExistsAsync();
            var payload = new string('x', 2_000);
            var rawRow = await TimeAsync("raw Azurite insert", referrals, concurrency, async i =>
                await raw.AddEntityAsync(new TableEntity("p", $"r{i:D7}") { ["Json"] = payload }), () => referrals);

            Console.WriteLine($"Load run: {referrals} requests per row and round, {rounds} rounds (order alternating), concurrency {concurrency}, {Environment.ProcessorCount} cores, load average {string.Join(" -> ", load)}");
            foreach (var (bare, taken) in rows)
            {
                Console.WriteLine($"  {Line(bare)}");
                Console.WriteLine($"  {Line(taken)}   ratio {taken.Rate / bare.Rate:F2}");
            }

            Console.WriteLine($"  {Line(rawRow)}");
            counted.ForEach(c => Console.WriteLine($"  {c}"));
            var bareSeconds = rows.Sum(r => r.Bare.Seconds);
            var intakeSeconds = rows.Sum(r => r.Intake.Seconds);
            var ratios = rows.Select(r => r.Intake.Rate / r.Bare.Rate).Order().ToList();
            Console.WriteLine($"  bare durable start, all rounds: {rows.Sum(r => r.Bare.Done)} in {bareSeconds:F1} s = {rows.Sum(r => r.Bare.Done) / bareSeconds:F0}/s, CPU {rows.Sum(r => r.Bare.CpuMs) / rows.Sum(r => r.Bare.Done):F2} ms a request (this process {rows.Sum(r => r.Bare.OwnCpuMs) / rows.Sum(r => r.Bare.Done):F2}, Azurite {rows.Sum(r => r.Bare.CpuMs - r.Bare.OwnCpuMs) / rows.Sum(r => r.Bare.Done):F2})");
            Console.WriteLine($"  intake end to end,  all rounds: {rows.Sum(r => r.Intake.Done)} in {intakeSeconds:F1} s = {rows.Sum(r => r.Intake.Done) / intakeSeconds:F0}/s, CPU {rows.Sum(r => r.Intake.CpuMs) / rows.Sum(r => r.Intake.Done):F2} ms a request (this process {rows.Sum(r => r.Intake.OwnCpuMs) / rows.Sum(r => r.Intake.Done):F2}, Azurite {rows.Sum(r => r.Intake.CpuMs - r.Intake.OwnCpuMs) / rows.Sum(r => r.Intake.Done):F2})");
            Console.WriteLine($"  intake / bare start: all rounds {bareSeconds / intakeSeconds:F2}, median round {ratios[ratios.Count / 2]:F2} (rounds {ratios[0]:F2}-{ratios[^1]:F2}), CPU a request {rows.Sum(r => r.Bare.CpuMs) / rows.Sum(r => r.Intake.CpuMs):F2}");
            var failed = rows.Sum(r => referrals - r.Bare.Done + referrals - r.Intake.Done);
            return failed == 0 ? 0 : 1;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine(ex);
            return 2;
        }
        finally
        {
            await hub.DisposeAsync();
        }
    }

    /// <summary>The least an HTTP function that starts a referral's orchestration does: read the body, schedule one
    /// orchestration (the chase, with ids only), answer 202. No key, no parsing, no tables of the hub's own.</summary>
    private static async Task<IActionResult> BareStartAsync(HttpRequest request, DurableTaskClient durable)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        var id = Guid.NewGuid().ToString();
        await durable.ScheduleNewOrchestrationInstanceAsync(ReferralOrchestration.Name,
            new ReferralOrchestrationInput(id, ReferralExamples.Practice, Guid.NewGuid().ToString()),
            new StartOrchestrationOptions(id) { Version = ReferralOrchestration.CurrentVersion });
        return new Started($"/api/referrals/{id}/status");
    }

    private static async Task<Row> TimeAsync(string name, int count, int concurrency, Func<int, Task> work, Func<int> done)
    {
        var next = -1;
        var latencies = new double[count];
        var cpuBefore = CpuMs();
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var started = Stopwatch.GetTimestamp();
                await work(i);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }));
        var seconds = stopwatch.Elapsed.TotalSeconds;
        var cpuAfter = CpuMs();
        Array.Sort(latencies);
        return new Row(name, done(), seconds, latencies[count / 2], latencies[Math.Min(count - 1, (int)(count * 0.95))],
            cpuAfter.All - cpuBefore.All, cpuAfter.Own - cpuBefore.Own);
    }
}

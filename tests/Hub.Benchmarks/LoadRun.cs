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
/// beside a bare "schedule one orchestration" HTTP handler and Azurite's raw single-entity insert rate, measured in the
/// same run at the same concurrency, in alternating rounds so neither row gets the quieter moment. Bounded in count and
/// time; loopback only.</summary>
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

    private sealed record Row(string Name, int Done, double Seconds, double P50, double P95)
    {
        public double Rate => Done / Seconds;
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

            var results = new List<Row>();
            var failed = 0;
            for (var round = 0; round < rounds; round++)
            {
                var bodies = Enumerable.Range(0, referrals).Select(i => ReferralExamples.Json(ReferralExamples.ServiceRequest($"load-{round}-{i}"))).ToArray();

                var bareStatuses = new int[referrals];
                results.Add(await TimeAsync("bare durable start", referrals, concurrency, async i =>
                {
                    var request = HttpCall.Request("POST", "/api/start", bodies[i], FhirMediaTypes.Json, key);
                    bareStatuses[i] = (await HttpCall.RunAsync(request, await BareStartAsync(request, durable))).Status;
                }, () => bareStatuses.Count(s => s == 202)));

                var statuses = new int[referrals];
                results.Add(await TimeAsync("intake end to end", referrals, concurrency, async i =>
                {
                    var request = HttpCall.Request("POST", "/api/fhir/ServiceRequest", bodies[i], FhirMediaTypes.Json, key);
                    statuses[i] = (await HttpCall.RunAsync(request, await intake.PostServiceRequest(request, durable))).Status;
                }, () => statuses.Count(s => s == 201)));
                failed += referrals - statuses.Count(s => s == 201) + referrals - bareStatuses.Count(s => s == 202);
            }

            var raw = new TableClient(connection, $"{hub.TablePrefix}RawInsert");
            await raw.CreateIfNotExistsAsync();
            var payload = new string('x', 2_000);
            var rawRow = await TimeAsync("raw Azurite insert", referrals, concurrency, async i =>
                await raw.AddEntityAsync(new TableEntity("p", $"r{i:D7}") { ["Json"] = payload }), () => referrals);

            Console.WriteLine($"Load run: {referrals} requests per row and round, {rounds} rounds, concurrency {concurrency}, {Environment.ProcessorCount} cores");
            foreach (var row in results.Append(rawRow))
            {
                Console.WriteLine($"  {row.Name,-20}: {row.Done,6} in {row.Seconds,6:F2} s = {row.Rate,6:F0}/s   p50 {row.P50,6:F1} ms   p95 {row.P95,6:F1} ms");
            }

            for (var round = 0; round < rounds; round++)
            {
                Console.WriteLine($"  round {round + 1}: intake / bare start = {results[(2 * round) + 1].Rate / results[2 * round].Rate:F2}");
            }

            var bareTotal = results.Where(r => r.Name.StartsWith("bare", StringComparison.Ordinal)).Sum(r => r.Seconds);
            var intakeTotal = results.Where(r => r.Name.StartsWith("intake", StringComparison.Ordinal)).Sum(r => r.Seconds);
            Console.WriteLine($"  all rounds: intake / bare start = {bareTotal / intakeTotal:F2}");
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
        Array.Sort(latencies);
        return new Row(name, done(), seconds, latencies[count / 2], latencies[Math.Min(count - 1, (int)(count * 0.95))]);
    }
}

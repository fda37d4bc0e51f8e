using System.Diagnostics;
using Azure.Data.Tables;
using Hub.Intake;
using Hub.Platform;
using Hub.Platform.Fhir;
using Hub.Tests.Infrastructure;

namespace Hub.Benchmarks;

/// <summary>End-to-end load, in process: referrals posted through the real HTTP trigger into Azurite (tables written,
/// Task created, orchestration scheduled on the in-process Durable engine), beside Azurite's raw single-entity insert
/// rate measured in the same run at the same concurrency. Bounded in count and time; loopback only.</summary>
public static class LoadRun
{
    public static async Task<int> RunAsync(int referrals, int concurrency)
    {
        var hub = new TestHub();
        await hub.InitializeAsync();
        try
        {
            var key = await hub.KeyForAsync("load-client", ReferralExamples.Practice);
            var bodies = Enumerable.Range(0, referrals).Select(i => ReferralExamples.Json(ReferralExamples.ServiceRequest($"load-{i}"))).ToArray();
            var intake = hub.Function<ReferralIntakeHttp>();

            // Warm up: first Firely use, table creation, the Durable client's channel.
            for (var i = 0; i < 5; i++)
            {
                var warm = HttpCall.Request("POST", "/api/fhir/ServiceRequest", ReferralExamples.Json(ReferralExamples.ServiceRequest($"warm-{i}")), FhirMediaTypes.Json, key);
                await HttpCall.RunAsync(warm, await intake.PostServiceRequest(warm, hub.Durable));
            }

            var statuses = new int[referrals];
            var intakeSeconds = await TimeAsync(referrals, concurrency, async i =>
            {
                var request = HttpCall.Request("POST", "/api/fhir/ServiceRequest", bodies[i], FhirMediaTypes.Json, key);
                statuses[i] = (await HttpCall.RunAsync(request, await intake.PostServiceRequest(request, hub.Durable))).Status;
            });
            var created = statuses.Count(s => s == 201);

            var raw = new TableClient(hub.Get<Microsoft.Extensions.Configuration.IConfiguration>()[PlatformServices.StorageSetting], $"{hub.TablePrefix}RawInsert");
            await raw.CreateIfNotExistsAsync();
            var payload = new string('x', 2_000);
            var rawSeconds = await TimeAsync(referrals, concurrency, async i =>
                await raw.AddEntityAsync(new TableEntity("p", $"r{i:D7}") { ["Json"] = payload }));

            Console.WriteLine($"Load run: {referrals} referrals, concurrency {concurrency}, {Environment.ProcessorCount} cores");
            Console.WriteLine($"  intake end to end : {created} created in {intakeSeconds:F2} s = {created / intakeSeconds:F0} referrals/s");
            Console.WriteLine($"  raw Azurite insert: {referrals} entities in {rawSeconds:F2} s = {referrals / rawSeconds:F0} inserts/s");
            Console.WriteLine($"  one referral takes as long as {(intakeSeconds / created) / (rawSeconds / referrals):F1} raw inserts");
            return created == referrals ? 0 : 1;
        }
        finally
        {
            await hub.DisposeAsync();
        }
    }

    private static async Task<double> TimeAsync(int count, int concurrency, Func<int, Task> work)
    {
        var next = -1;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await work(i);
            }
        }));
        return stopwatch.Elapsed.TotalSeconds;
    }
}

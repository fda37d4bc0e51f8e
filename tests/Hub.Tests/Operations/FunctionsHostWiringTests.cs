using System.Reflection;
using System.Text.Json;
using Hub.Intake;
using Hub.Tests.Infrastructure;
using Microsoft.Azure.Functions.Worker;

namespace Hub.Tests.Operations;

/// <summary>The Functions host (which cannot run here) reads functions.metadata, host.json and settings from the build
/// output; these tests read the same files, so a wrong binding fails here rather than at <c>func start</c>.</summary>
[Trait("Category", "Unit")]
public sealed class FunctionsHostWiringTests
{
    private static readonly string AppOutput = Path.Combine(Azurite.RepositoryRoot(), "functions", "Hub.Functions", "bin",
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug", "net10.0");

    private static List<JsonElement> Functions()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppOutput, "functions.metadata")));
        return document.RootElement.EnumerateArray().Select(f => f.Clone()).ToList();
    }

    private static IEnumerable<(string Name, JsonElement Trigger)> HttpTriggers() =>
        Functions().SelectMany(f => f.GetProperty("bindings").EnumerateArray()
            .Where(b => b.GetProperty("type").GetString() == "httpTrigger")
            .Select(b => (f.GetProperty("name").GetString()!, b)));

    [Fact]
    public void Every_function_in_the_code_is_in_the_generated_metadata()
    {
        var inCode = typeof(HubServices).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Select(m => m.GetCustomAttribute<FunctionAttribute>()?.Name)
            .OfType<string>()
            .Order();
        Assert.Equal(inCode, Functions().Select(f => f.GetProperty("name").GetString()).Order());
    }

    [Fact]
    public void Operator_endpoints_need_the_admin_level_and_FHIR_endpoints_check_api_keys_themselves()
    {
        foreach (var (name, trigger) in HttpTriggers())
        {
            var route = trigger.GetProperty("route").GetString()!;
            var level = trigger.GetProperty("authLevel").GetString();
            Assert.False(route.StartsWith("admin", StringComparison.OrdinalIgnoreCase), $"{name}: routes under admin/ belong to the host");
            var operatorRoute = route.StartsWith("manage/", StringComparison.Ordinal) || route == "referrals/{id}/status";
            Assert.True(operatorRoute ? level == "Admin" : level == "Anonymous", $"{name} ({route}) is {level}");
        }
    }

    [Fact]
    public void No_two_http_functions_share_a_method_and_route()
    {
        var pairs = HttpTriggers().SelectMany(t => t.Trigger.GetProperty("methods").EnumerateArray()
            .Select(m => $"{m.GetString()} {t.Trigger.GetProperty("route").GetString()}")).ToList();
        Assert.Equal(pairs.Count, pairs.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void The_queue_trigger_reads_its_queue_name_from_a_setting_the_sample_settings_define()
    {
        var queue = Functions().Single(f => f.GetProperty("name").GetString() == "QueuedReferralIntake")
            .GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "queueTrigger");
        Assert.Equal("%IntakeQueueName%", queue.GetProperty("queueName").GetString());

        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(Azurite.RepositoryRoot(), "local.settings.sample.json")));
        var values = sample.RootElement.GetProperty("Values");
        Assert.Equal("referrals-inbound", values.GetProperty("IntakeQueueName").GetString());
        Assert.Equal("dotnet-isolated", values.GetProperty("FUNCTIONS_WORKER_RUNTIME").GetString());
        Assert.Equal("UseDevelopmentStorage=true", values.GetProperty("AzureWebJobsStorage").GetString());
        Assert.True(values.TryGetProperty("DurableTaskHubName", out _));
    }

    [Fact]
    public void The_build_output_carries_the_repository_host_json()
    {
        var root = File.ReadAllText(Path.Combine(Azurite.RepositoryRoot(), "host.json"));
        Assert.Equal(root, File.ReadAllText(Path.Combine(AppOutput, "host.json")));
        using var host = JsonDocument.Parse(root);
        Assert.Equal("2.0", host.RootElement.GetProperty("version").GetString());
        Assert.Equal(5, host.RootElement.GetProperty("extensions").GetProperty("queues").GetProperty("maxDequeueCount").GetInt32());
        Assert.Equal("%DurableTaskHubName%", host.RootElement.GetProperty("extensions").GetProperty("durableTask").GetProperty("hubName").GetString());
    }
}

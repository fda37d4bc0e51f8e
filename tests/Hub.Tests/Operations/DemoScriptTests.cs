using System.Diagnostics;
using System.Text.Json;
using Hub.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Hub.Tests.Operations;

/// <summary><c>npm run demo:referral</c> (scripts/demo.mjs) against a host that enforces admin keys, as the real Functions
/// host does: a stand-in with the hub's routes that answers 401 to /manage without the key and follows the referral to
/// its end at once.</summary>
public sealed class DemoScriptTests
{
    private const string AdminKey = "demo-admin-secret";
    private const string PracticeKey = "sph_demo_practice";

    private static async Task<(WebApplication App, string Url, List<string> Posted)> StandInAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var url = $"http://127.0.0.1:{Ports.FreeLoopback()}";
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        var posted = new List<string>();
        app.MapPost("/api/manage/clients/demo-practice/keys", (HttpRequest r) =>
            r.Headers["x-functions-key"] == AdminKey ? Results.Json(new { apiKey = PracticeKey }) : Results.StatusCode(401));
        app.MapPost("/api/fhir", async (HttpRequest r, HttpResponse response) =>
        {
            if (r.Headers["x-api-key"] != PracticeKey)
            {
                return Results.StatusCode(401);
            }

            posted.Add(await new StreamReader(r.Body).ReadToEndAsync());
            response.Headers["x-task-id"] = "t1";
            // As the hub answers the sample's transaction Bundle: a transaction-response whose ServiceRequest entry is the referral.
            return Results.Json(new
            {
                resourceType = "Bundle",
                type = "transaction-response",
                entry = new object[]
                {
                    new { response = new { status = "201 Created", location = "ServiceRequest/sr1/_history/1" }, resource = new { resourceType = "ServiceRequest", id = "sr1" } },
                    new { response = new { status = "200 OK" } },
                },
            }, statusCode: 200);
        });
        app.MapGet("/api/fhir/Task/t1", () => Results.Json(new { resourceType = "Task", status = "completed", businessStatus = new { coding = new[] { new { code = "outcome-recorded" } } } }));
        await app.StartAsync();
        return (app, url + "/api", posted);
    }

    private static (int Exit, string Output) RunDemo(string hubUrl, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("node", ["scripts/demo.mjs"])
        {
            WorkingDirectory = Azurite.RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["HUB_URL"] = hubUrl;
        start.Environment.Remove("HUB_ADMIN_KEY");
        start.Environment.Remove("HUB_KEY");
        start.Environment["HUB_LOCAL_SETTINGS"] = Path.Combine(Path.GetTempPath(), $"no-settings-{Guid.NewGuid():N}.json");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("demo.mjs did not finish:\n" + output);
        }

        return (process.ExitCode, output + error.Result);
    }

    [Fact]
    public async Task With_the_admin_key_in_the_environment_the_demo_issues_its_key_posts_the_gardening_sample_and_prints_keyed_curls()
    {
        var (app, url, posted) = await StandInAsync();
        await using var _ = app;

        var (exit, output) = RunDemo(url, new() { ["HUB_ADMIN_KEY"] = AdminKey });

        Assert.True(exit == 0, output);
        Assert.Contains("Using the admin key from the HUB_ADMIN_KEY environment variable", output, StringComparison.Ordinal);
        Assert.DoesNotContain(AdminKey, output, StringComparison.Ordinal);
        Assert.Contains("curl -X POST -H \"x-functions-key: $HUB_ADMIN_KEY\"", output, StringComparison.Ordinal);
        var bundle = JsonDocument.Parse(Assert.Single(posted)).RootElement;
        Assert.Equal("Community gardening group", bundle.GetProperty("entry")[0].GetProperty("resource").GetProperty("code").GetProperty("text").GetString());
    }

    [Fact]
    public async Task The_admin_key_is_read_from_local_settings_and_without_one_a_refusal_says_how_to_give_it()
    {
        var (app, url, _) = await StandInAsync();
        await using var __ = app;
        var settings = Path.Combine(Path.GetTempPath(), $"demo-settings-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(settings, JsonSerializer.Serialize(new { IsEncrypted = false, Values = new { HUB_ADMIN_KEY = AdminKey } }));
        try
        {
            var (exit, output) = RunDemo(url, new() { ["HUB_LOCAL_SETTINGS"] = settings });
            Assert.True(exit == 0, output);
            Assert.Contains("Using the admin key from HUB_ADMIN_KEY in", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(settings);
        }

        var (refused, refusal) = RunDemo(url, []);
        Assert.Equal(2, refused);
        Assert.Contains("enforces admin keys. Set HUB_ADMIN_KEY", refusal, StringComparison.Ordinal);
    }
}

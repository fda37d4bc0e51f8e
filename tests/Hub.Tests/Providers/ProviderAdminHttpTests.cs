using System.Text.Json;
using Hub.Providers;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Hub.Tests.Providers;

/// <summary>Link workers keep the directory through the admin endpoints. Each test gets a directory of its own.</summary>
public sealed class ProviderAdminHttpTests : IAsyncLifetime
{
    private const string Valid = """
        {"id": "leeds-befriending", "name": "Leeds Befriending", "organizationName": "Leeds Neighbours",
         "emails": [" Referrals@LeedsBefriending.example.org "], "categories": ["Befriending", "community group"],
         "areas": ["ls17", "ls 18"], "weeklyLimit": 3, "minimumAge": 60}
        """;

    private readonly ProviderHub _hub = new();

    public Task InitializeAsync() => _hub.InitializeAsync();

    public Task DisposeAsync() => _hub.DisposeAsync();

    private async Task<(int Status, JsonElement Body)> CallAsync(string method, string path, string? json, Func<ProviderAdminHttp, HttpRequest, Task<IActionResult>> trigger)
    {
        var request = HttpCall.Request(method, path, json is null ? null : TestHub.Utf8(json), json is null ? null : "application/json");
        var answer = await TestHub.CallAsync(request, r => trigger(_hub.Function<ProviderAdminHttp>(), r));
        Assert.StartsWith("application/json", answer.ContentType, StringComparison.Ordinal);
        return (answer.Status, JsonDocument.Parse(answer.Body).RootElement.Clone());
    }

    private Task<(int Status, JsonElement Body)> SaveAsync(string json) => CallAsync("POST", "/api/manage/providers", json, (f, r) => f.Save(r));

    private Task<(int Status, JsonElement Body)> ImportAsync(string json) => CallAsync("POST", "/api/manage/providers/import", json, (f, r) => f.Import(r));

    private Task<(int Status, JsonElement Body)> ListAsync() => CallAsync("GET", "/api/manage/providers", null, (f, r) => f.List(r));

    private static List<string?> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()).ToList();

    [Fact]
    public async Task A_provider_is_created_tidied_updated_and_listed()
    {
        var (status, created) = await SaveAsync(Valid);

        Assert.Equal(201, status);
        Assert.Equal("leeds-befriending", created.GetProperty("id").GetString());
        Assert.Equal("active", created.GetProperty("status").GetString());
        Assert.Equal(["Referrals@LeedsBefriending.example.org"], Strings(created.GetProperty("emails")));
        Assert.Equal(["befriending", "community-group"], Strings(created.GetProperty("categories")));
        Assert.Equal(["LS17", "LS18"], Strings(created.GetProperty("areas")));
        Assert.Equal(3, created.GetProperty("weeklyLimit").GetInt32());

        var stored = await _hub.Get<ProviderDirectory>().GetAsync("leeds-befriending");
        Assert.Equal("Leeds Neighbours", stored!.OrganizationName);
        Assert.Equal(60, stored.MinimumAge);

        var (updatedStatus, updated) = await SaveAsync(Valid.Replace("\"weeklyLimit\": 3", "\"weeklyLimit\": 6", StringComparison.Ordinal));
        Assert.Equal(200, updatedStatus);
        Assert.Equal(6, updated.GetProperty("weeklyLimit").GetInt32());

        var (listStatus, list) = await ListAsync();
        Assert.Equal(200, listStatus);
        Assert.Equal(6, list.EnumerateArray().Single().GetProperty("weeklyLimit").GetInt32());

        var audit = await _hub.Get<AuditTrail>().ReadAsync("provider-leeds-befriending");
        Assert.Equal(["provider-created", "provider-updated"], audit.Select(e => e.Event));
    }

    [Theory]
    [InlineData("\"id\": \"leeds-befriending\"", "\"id\": \"leeds/befriending\"", "id")]
    [InlineData("\"id\": \"leeds-befriending\", ", "", "id")]
    [InlineData("\"name\": \"Leeds Befriending\"", "\"name\": \"  \"", "name")]
    [InlineData("\"name\": \"Leeds Befriending\"", "\"name\": null", "name")]
    [InlineData("[\" Referrals@LeedsBefriending.example.org \"]", "[]", "emails")]
    [InlineData("[\" Referrals@LeedsBefriending.example.org \"]", "[\"referrals at leeds\"]", "emails")]
    [InlineData("[\" Referrals@LeedsBefriending.example.org \"]", "[\"a@b.org\\r\\nBcc: x@y.org\"]", "emails")]
    [InlineData("[\"Befriending\", \"community group\"]", "[]", "categories")]
    [InlineData("[\"Befriending\", \"community group\"]", "null", "categories")]
    [InlineData("\"weeklyLimit\": 3", "\"weeklyLimit\": -1", "weeklyLimit")]
    [InlineData("[\"ls17\", \"ls 18\"]", "[\"Leeds\"]", "areas")]
    [InlineData("\"minimumAge\": 60", "\"minimumAge\": 60, \"maximumAge\": 50", "maximumAge")]
    [InlineData("\"minimumAge\": 60", "\"status\": \"closed\"", "status")]
    [InlineData("\"minimumAge\": 60", "\"url\": \"javascript:alert(1)\"", "url")]
    [InlineData("\"minimumAge\": 60", "\"odsCode\": \"not an ods code\"", "odsCode")]
    public async Task An_invalid_provider_is_400_naming_the_field_and_nothing_is_stored(string from, string to, string field)
    {
        var (status, body) = await SaveAsync(Valid.Replace(from, to, StringComparison.Ordinal));

        Assert.Equal(400, status);
        Assert.Contains(field + ":", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains(field, Strings(body.GetProperty("fields")));
        Assert.Empty(await _hub.Get<ProviderDirectory>().ListAsync());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1, 2]")]
    [InlineData("{\"weeklyLimit\": \"lots\"}")]
    public async Task A_body_that_is_not_a_provider_is_400_with_an_example(string json)
    {
        var (status, body) = await SaveAsync(json);

        Assert.Equal(400, status);
        Assert.Contains("\"emails\"", body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pause_and_resume_change_only_the_status_and_routing_follows()
    {
        await SaveAsync(Valid);
        var routing = _hub.Get<ProviderRouting>();
        var request = new RoutingRequest(null, ["befriending"], "LS17");

        var (paused, pausedBody) = await CallAsync("POST", "/api/manage/providers/leeds-befriending/pause", null, (f, r) => f.Pause(r, "leeds-befriending"));
        Assert.Equal(200, paused);
        Assert.Equal("paused", pausedBody.GetProperty("status").GetString());
        Assert.Equal(3, pausedBody.GetProperty("weeklyLimit").GetInt32());
        Assert.Empty(await routing.RouteAsync(request, DateTimeOffset.UtcNow));

        var (resumed, resumedBody) = await CallAsync("POST", "/api/manage/providers/leeds-befriending/resume", null, (f, r) => f.Resume(r, "leeds-befriending"));
        Assert.Equal(200, resumed);
        Assert.Equal("active", resumedBody.GetProperty("status").GetString());
        Assert.Equal(["leeds-befriending"], await routing.RouteAsync(request, DateTimeOffset.UtcNow));

        var audit = await _hub.Get<AuditTrail>().ReadAsync("provider-leeds-befriending");
        Assert.Equal(["provider-created", "provider-paused", "provider-resumed"], audit.Select(e => e.Event));
    }

    [Fact]
    public async Task Pausing_or_resuming_an_unknown_provider_is_404()
    {
        Assert.Equal(404, (await CallAsync("POST", "/api/manage/providers/nobody/pause", null, (f, r) => f.Pause(r, "nobody"))).Status);
        Assert.Equal(404, (await CallAsync("POST", "/api/manage/providers/nobody/resume", null, (f, r) => f.Resume(r, "nobody"))).Status);
        Assert.Equal(404, (await CallAsync("POST", "/api/manage/providers/a#b/resume", null, (f, r) => f.Resume(r, "a#b"))).Status);
    }

    [Fact]
    public async Task The_sample_directory_imports_and_importing_it_again_changes_nothing()
    {
        var samples = await File.ReadAllTextAsync(ProviderSamples.File);

        var (status, body) = await ImportAsync(samples);
        Assert.Equal(200, status);
        Assert.Equal(ProviderSamples.All().Count, body.GetProperty("imported").GetInt32());
        var first = (await ListAsync()).Body.GetRawText();

        Assert.Equal(200, (await ImportAsync(samples)).Status);
        var (_, list) = await ListAsync();
        Assert.Equal(first, list.GetRawText());
        Assert.Equal(ProviderSamples.All().Count, list.GetArrayLength());
        Assert.Equal(ProviderDirectory.InDirectoryOrder(ProviderSamples.All()).Select(p => p.Id), list.EnumerateArray().Select(p => p.GetProperty("id").GetString()));

        // What the list gives back is what import takes: a round trip changes nothing.
        Assert.Equal(200, (await ImportAsync(list.GetRawText())).Status);
        Assert.Equal(first, (await ListAsync()).Body.GetRawText());
    }

    [Fact]
    public async Task An_import_with_one_bad_entry_names_it_and_imports_nothing()
    {
        var providers = JsonSerializer.Deserialize<List<JsonElement>>(await File.ReadAllTextAsync(ProviderSamples.File))!;
        var broken = providers.Select(p => p.GetRawText()).ToList();
        broken[2] = broken[2].Replace("\"sessions@chapeltownarts.example.org\"", "\"not-an-address\"", StringComparison.Ordinal);

        var (status, body) = await ImportAsync("[" + string.Join(',', broken) + "]");

        Assert.Equal(400, status);
        Assert.Contains("[2] 'chapeltown-arts-collective' emails:", body.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(["[2].emails"], Strings(body.GetProperty("fields")));
        Assert.Empty(await _hub.Get<ProviderDirectory>().ListAsync());
        Assert.Equal(400, (await ImportAsync("{\"id\": \"not-an-array\"}")).Status);
    }
}

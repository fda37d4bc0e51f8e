using System.Text.Json;
using Hub.Access;
using Hub.Platform.Fhir;
using Hub.Platform.Storage;
using Hub.Tests.Infrastructure;
using static Hub.Tests.Infrastructure.ReferralExamples;

namespace Hub.Tests.Access;

/// <summary>An admin issues, rotates and revokes keys over HTTP; a GP system's calls follow.</summary>
public sealed class ApiKeysAdminTests(TestHub hub) : IClassFixture<TestHub>
{
    private static async Task<(int Status, JsonElement Body)> AdminAsync(TestHub hub, string path, string? json, Func<ApiKeysAdminHttp, Microsoft.AspNetCore.Http.HttpRequest, Task<Microsoft.AspNetCore.Mvc.IActionResult>> trigger)
    {
        var request = HttpCall.Request("POST", path, json is null ? null : TestHub.Utf8(json), json is null ? null : "application/json");
        var answer = await TestHub.CallAsync(request, r => trigger(hub.Function<ApiKeysAdminHttp>(), r));
        return (answer.Status, JsonDocument.Parse(answer.Body).RootElement.Clone());
    }

    private Task<HttpAnswer> PostReferralAsync(string key) =>
        hub.PostAsync(IntakeClient.ServiceRequestPath, Json(ServiceRequest()), FhirMediaTypes.Json, key);

    [Fact]
    public async System.Threading.Tasks.Task A_client_is_registered_its_key_works_rotates_and_is_revoked()
    {
        var (status, created) = await AdminAsync(hub, "/api/manage/clients", "{\"clientId\":\"riverside\",\"name\":\"Riverside Surgery\",\"practiceOdsCodes\":[\"a81001\"]}", (f, r) => f.SaveClient(r));
        Assert.Equal(201, status);
        var key = created.GetProperty("apiKey").GetString()!;
        var keyId = created.GetProperty("keyId").GetString()!;
        Assert.Equal(["A81001"], created.GetProperty("practiceOdsCodes").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(201, (await PostReferralAsync(key)).Status);

        // Only a hash is kept: the secret is nowhere in the table.
        var table = await hub.Get<HubTables>().GetAsync(ApiKeys.Table);
        await foreach (var row in table.QueryAsync<Azure.Data.Tables.TableEntity>())
        {
            Assert.DoesNotContain(key.Split('_')[2], string.Join('|', row.Select(kv => kv.Value)), StringComparison.Ordinal);
        }

        var (rotatedStatus, rotated) = await AdminAsync(hub, $"/api/manage/keys/{keyId}/rotate", null, (f, r) => f.Rotate(r, keyId));
        Assert.Equal(201, rotatedStatus);
        var newKey = rotated.GetProperty("apiKey").GetString()!;
        Assert.Equal(201, (await PostReferralAsync(key)).Status);
        Assert.Equal(201, (await PostReferralAsync(newKey)).Status);

        var (revokedStatus, _) = await AdminAsync(hub, $"/api/manage/keys/{keyId}/revoke", null, (f, r) => f.Revoke(r, keyId));
        Assert.Equal(200, revokedStatus);
        Assert.Equal(401, (await PostReferralAsync(key)).Status);
        Assert.Equal(201, (await PostReferralAsync(newKey)).Status);

        var (issuedStatus, issued) = await AdminAsync(hub, "/api/manage/clients/riverside/keys", null, (f, r) => f.Issue(r, "riverside"));
        Assert.Equal(201, issuedStatus);
        Assert.Equal(201, (await PostReferralAsync(issued.GetProperty("apiKey").GetString()!)).Status);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_scheme_lead_key_reads_its_schemes_reports_but_cannot_post_a_referral()
    {
        var scheme = HttpCall.Request("PUT", "/api/manage/schemes/north-vale", TestHub.Utf8("{\"name\":\"North Vale\",\"practiceOdsCodes\":[\"a81001\",\"B82002\"]}"), "application/json");
        var saved = await TestHub.CallAsync(scheme, r => hub.Function<ApiKeysAdminHttp>().SaveScheme(r, "north-vale"));
        Assert.Equal(200, saved.Status);
        Assert.Equal(["A81001", "B82002"], JsonDocument.Parse(saved.Body).RootElement.GetProperty("practiceOdsCodes").EnumerateArray().Select(e => e.GetString()));

        var (unknown, refusal) = await AdminAsync(hub, "/api/manage/clients", "{\"clientId\":\"lead\",\"schemeIds\":[\"south-vale\"]}", (f, r) => f.SaveClient(r));
        Assert.Equal(400, unknown);
        Assert.Contains("No scheme 'south-vale'", refusal.GetProperty("error").GetString(), StringComparison.Ordinal);

        var (status, created) = await AdminAsync(hub, "/api/manage/clients", "{\"clientId\":\"lead\",\"name\":\"North Vale lead\",\"schemeIds\":[\"north-vale\"]}", (f, r) => f.SaveClient(r));
        Assert.Equal(201, status);
        var key = created.GetProperty("apiKey").GetString()!;
        Assert.Equal(403, (await PostReferralAsync(key)).Status);
        var caller = await hub.Get<ApiKeys>().AuthenticateAsync(key);
        Assert.Equal(["north-vale"], caller!.Schemes);
        Assert.Empty(caller.PracticeOdsCodes);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"clientId\":\"a/b\",\"practiceOdsCodes\":[\"A81001\"]}")]
    [InlineData("{\"clientId\":\"no-practices\",\"practiceOdsCodes\":[]}")]
    public async System.Threading.Tasks.Task Bad_client_requests_are_refused_plainly(string json)
    {
        var (status, body) = await AdminAsync(hub, "/api/manage/clients", json, (f, r) => f.SaveClient(r));
        Assert.Equal(400, status);
        Assert.Contains("practiceOdsCodes", body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async System.Threading.Tasks.Task Unknown_keys_and_clients_are_404()
    {
        Assert.Equal(404, (await AdminAsync(hub, "/api/manage/keys/nope/revoke", null, (f, r) => f.Revoke(r, "nope"))).Status);
        Assert.Equal(404, (await AdminAsync(hub, "/api/manage/keys/nope/rotate", null, (f, r) => f.Rotate(r, "nope"))).Status);
        Assert.Equal(404, (await AdminAsync(hub, "/api/manage/clients/nobody/keys", null, (f, r) => f.Issue(r, "nobody"))).Status);
    }
}

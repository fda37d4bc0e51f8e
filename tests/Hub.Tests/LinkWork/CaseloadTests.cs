using System.Text.Json;
using Hub.LinkWork;
using Hub.Access;
using Hub.Tests.Infrastructure;
using static Hub.Tests.LinkWork.EpisodeJourney;

namespace Hub.Tests.LinkWork;

/// <summary>The service's caseload through the provider API: its open episodes with their next action, nothing of the
/// person; closed episodes and other services' episodes are not in it.</summary>
public sealed class CaseloadTests(LinkWorkHub hub) : IClassFixture<LinkWorkHub>
{
    [Fact]
    public async Task The_caseload_lists_open_episodes_with_their_next_action_and_drops_closed_ones()
    {
        var (fresh, _, freshLink) = await hub.LinkWorkerAcceptedAsync();
        await RecordAsync(hub, freshLink, "need", ("need-text", "Lonely since moving flat"));
        var (planned, _, plannedLink) = await hub.LinkWorkerAcceptedAsync();
        await RecordPlanAsync(hub, plannedLink);
        var (due, _, dueLink) = await hub.LinkWorkerAcceptedAsync();
        await RecordAsync(hub, dueLink, "review-date", ("review-date", DateOnly.FromDateTime(DateTime.UtcNow).ToString("O", System.Globalization.CultureInfo.InvariantCulture)));
        var (closed, _, closedLink) = await hub.LinkWorkerAcceptedAsync();
        await RecordAsync(hub, closedLink, "close", ("close-reason", "moved-away"));

        var key = await hub.ProviderKeyAsync("alpha");
        var answer = await TestHub.CallAsync(HttpCall.Request("GET", "/api/provider/caseload", apiKey: key), r => hub.Function<CaseloadHttp>().Read(r));
        Assert.Equal(200, answer.Status);
        Assert.DoesNotContain("Lonely", answer.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("Richard", answer.Body, StringComparison.Ordinal);
        var next = JsonDocument.Parse(answer.Body).RootElement.GetProperty("episodes").EnumerateArray()
            .ToDictionary(e => e.GetProperty("referralId").GetString()!, e => e.GetProperty("nextAction").GetString());
        Assert.Equal("review-due", next[due]);
        Assert.Equal("no-contact-yet", next[fresh]);
        Assert.Equal("none", next[planned]);
        Assert.False(next.ContainsKey(closed));
        Assert.Equal("review-due", next.Values.First());

        var beta = await hub.ProviderKeyAsync("beta");
        var other = await TestHub.CallAsync(HttpCall.Request("GET", "/api/provider/caseload", apiKey: beta), r => hub.Function<CaseloadHttp>().Read(r));
        Assert.Empty(JsonDocument.Parse(other.Body).RootElement.GetProperty("episodes").EnumerateArray());
    }

    private async Task<Dictionary<string, string?>> NextActionsAsync(string key)
    {
        var answer = await TestHub.CallAsync(HttpCall.Request("GET", "/api/provider/caseload", apiKey: key), r => hub.Function<CaseloadHttp>().Read(r));
        Assert.Equal(200, answer.Status);
        return JsonDocument.Parse(answer.Body).RootElement.GetProperty("episodes").EnumerateArray()
            .ToDictionary(e => e.GetProperty("referralId").GetString()!, e => e.GetProperty("nextAction").GetString());
    }

    [Fact]
    public async Task An_onward_connection_offered_and_undecided_is_the_next_action_until_a_provider_accepts_it()
    {
        var (parentId, _, link) = await hub.LinkWorkerAcceptedAsync();
        await RecordPlanAsync(hub, link);
        var key = await hub.ProviderKeyAsync("alpha");
        Assert.Equal("none", (await NextActionsAsync(key))[parentId]);

        var token = ProviderLinks.Token(link);
        var form = await TestHub.CallAsync(HttpCall.Request("GET", "/api/provider/onward", query: $"?t={Uri.EscapeDataString(token)}"), r => hub.Function<OnwardConnectionHttp>().Show(r));
        Assert.Equal(200, form.Status);
        string Field(string name) => System.Text.RegularExpressions.Regex.Match(form.Body, $"name=\"{name}\" value=\"([^\"]+)\"").Groups[1].Value;
        var body = string.Join('&', new[] { ("provider", "beta"), ("connection", Field("connection")), ("opened", Field("opened")), ("t", token), ("csrf", Field("csrf")) }
            .Select(f => $"{f.Item1}={Uri.EscapeDataString(f.Item2)}"));
        var request = HttpCall.Request("POST", "/api/provider/onward", TestHub.Utf8(body), "application/x-www-form-urlencoded");
        request.Headers.Cookie = form.Headers.SetCookie.ToString().Split(';')[0];
        Assert.Equal(201, (await TestHub.CallAsync(request, r => hub.Function<OnwardConnectionHttp>().Make(r, hub.Durable))).Status);
        var child = Assert.Single(await hub.Get<Hub.Intake.OnwardReferralIndex>().ChildrenAsync(parentId));

        var offer = await hub.OfferAsync("beta", child.ReferralId);
        Assert.Equal("connection-awaiting-provider", (await NextActionsAsync(key))[parentId]);

        Assert.Contains("Referral accepted", (await hub.ConfirmAsync(ProviderLinks.Find(offer, "Accept")!)).Body, StringComparison.Ordinal);
        await Eventually.ValueAsync(() => NextActionsAsync(key), n => n[parentId] == "none", what: "the accepted connection to leave the caseload's next action");
    }
}

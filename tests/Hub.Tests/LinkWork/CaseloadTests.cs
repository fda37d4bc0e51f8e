using System.Text.Json;
using Hub.LinkWork;
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
}

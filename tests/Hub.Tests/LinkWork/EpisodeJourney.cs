using System.Text;
using System.Text.RegularExpressions;
using Hub.Access;
using Hub.LinkWork;
using Hub.Providers;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.LinkWork;

/// <summary>A hub whose chase runs in seconds, for the link worker's episode.</summary>
public sealed class LinkWorkHub : TestHub
{
    protected override void Setup(HubSetup hub) => hub.FastChase().Set("Links:Lifetime", "00:30:00");
}

/// <summary>What a link-worker service does on the episode page: opens it with its link (GET), then sends one of its
/// forms (POST with the page's anti-forgery cookie and field and the version it was made from).</summary>
public static partial class EpisodeJourney
{
    /// <summary>Refers, has Alpha accept, and makes Alpha a link-worker service; the accept link opens the episode.</summary>
    public static async Task<(string ReferralId, string TaskId, string Link)> LinkWorkerAcceptedAsync(this TestHub hub, Action<Hl7.Fhir.Model.Bundle>? change = null)
    {
        var (referralId, taskId, _) = await hub.AcceptedAsync(change);
        var link = ProviderLinks.Find(await hub.OfferAsync("alpha", referralId), "Accept")!;
        await hub.AuditWithAsync(referralId, "accepted");
        await hub.BecomeLinkWorkerAsync("alpha");
        await Eventually.ValueAsync(() => OpenAsync(hub, link), p => p.Status == 200, what: $"the episode of {referralId} to open");
        return (referralId, taskId, link);
    }

    public static async System.Threading.Tasks.Task BecomeLinkWorkerAsync(this TestHub hub, string providerId)
    {
        var directory = hub.Get<ProviderDirectory>();
        var provider = (await directory.GetAsync(providerId))!;
        await directory.SaveAsync(provider with { Categories = [.. provider.Categories, ActivityCategories.LinkWorker] });
    }

    public static Task<HttpAnswer> OpenAsync(TestHub hub, string link) =>
        TestHub.CallAsync(HttpCall.Request("GET", "/api/provider/episode", query: new Uri(link).Query), r => hub.Function<EpisodeHttp>().Show(r));

    /// <summary>Opens the page and keeps what its forms need: the cookie, the anti-forgery field, the version.</summary>
    public static async Task<(HttpAnswer Page, string Cookie, string Csrf, string Version)> OpenFormAsync(TestHub hub, string link)
    {
        var page = await OpenAsync(hub, link);
        var cookie = page.Headers.SetCookie.ToString().Split(';')[0];
        var csrf = Regex.Match(page.Body, "name=\"csrf\" value=\"([^\"]+)\"").Groups[1].Value;
        return (page, cookie, csrf, VersionOf().Match(page.Body).Groups[1].Value);
    }

    /// <summary>Opens the page and sends one change; the saved form (cookie and body) to send again.</summary>
    public static async Task<(HttpAnswer Answer, string Saved)> RecordAsync(TestHub hub, string link, string change, params (string Name, string Value)[] fields)
    {
        var (page, cookie, csrf, version) = await OpenFormAsync(hub, link);
        Assert.Equal(200, page.Status);
        var form = string.Join('&', fields.Append(("change", change)).Append(("t", ProviderLinks.Token(link))).Append(("n", version)).Append(("csrf", csrf))
            .Select(f => $"{f.Item1}={Uri.EscapeDataString(f.Item2)}"));
        return (await PostAsync(hub, form, cookie), $"{cookie}\n{form}");
    }

    public static Task<HttpAnswer> ReplayAsync(TestHub hub, string saved) => PostAsync(hub, saved.Split('\n')[1], saved.Split('\n')[0]);

    public static async Task<HttpAnswer> PostAsync(TestHub hub, string form, string cookie)
    {
        var request = HttpCall.Request("POST", "/api/provider/episode", TestHub.Utf8(form), "application/x-www-form-urlencoded");
        request.Headers.Cookie = cookie;
        return await TestHub.CallAsync(request, r => hub.Function<EpisodeHttp>().Record(r));
    }

    public static async Task<string> ProviderKeyAsync(this TestHub hub, string providerId)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"clientId": "{{providerId}}-system-{{Guid.NewGuid():N}}", "name": "{{providerId}}'s system", "role": "provider", "providerIds": ["{{providerId}}"]}""");
        var answer = await TestHub.CallAsync(HttpCall.Request("POST", "/api/manage/clients", body, "application/json"), r => hub.Function<ApiKeysAdminHttp>().SaveClient(r));
        Assert.Equal(201, answer.Status);
        return System.Text.Json.JsonDocument.Parse(answer.Body).RootElement.GetProperty("apiKey").GetString()!;
    }

    /// <summary>A plan as a journey records it: a contact, what matters, a need, two goals, an action, a review date.</summary>
    public static async System.Threading.Tasks.Task RecordPlanAsync(TestHub hub, string link)
    {
        var (contact, review) = (Yesterday, InThreeMonths);
        Assert.Equal(200, (await RecordAsync(hub, link, "contact", ("contact-day", $"{contact.Day}"), ("contact-month", $"{contact.Month}"), ("contact-year", $"{contact.Year}"), ("contact-mode", "face-to-face"), ("contact-minutes", "45"))).Answer.Status);
        Assert.Equal(200, (await RecordAsync(hub, link, "what-matters", ("what-matters", "Getting back to the allotment with my grandson"))).Answer.Status);
        Assert.Equal(200, (await RecordAsync(hub, link, "need", ("need-text", "Lonely since moving flat"))).Answer.Status);
        Assert.Equal(200, (await RecordAsync(hub, link, "goal", ("goal-text", "Meet people weekly"), ("goal-importance", "9"), ("goal-confidence", "4"))).Answer.Status);
        Assert.Equal(200, (await RecordAsync(hub, link, "goal", ("goal-text", "Walk to the shops"), ("goal-importance", "6"), ("goal-confidence", "7"))).Answer.Status);
        Assert.Equal(200, (await RecordAsync(hub, link, "action", ("action-goal", "1"), ("action-text", "Try the Tuesday lunch club"))).Answer.Status);
        Assert.Equal(200, (await RecordAsync(hub, link, "review-date", ("review-day", $"{review.Day}"), ("review-month", $"{review.Month}"), ("review-year", $"{review.Year}"))).Answer.Status);
    }

    public static DateOnly Yesterday => DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);

    public static DateOnly InThreeMonths => DateOnly.FromDateTime(DateTime.UtcNow).AddMonths(3);

    [GeneratedRegex("name=\"n\" value=\"(\\d+)\"")]
    private static partial Regex VersionOf();
}

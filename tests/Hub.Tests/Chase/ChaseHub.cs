using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Chase;
using Hub.Intake;
using Hub.Platform.Fhir;
using Hub.Providers;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Hub.Tests.Intake;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.Chase;

/// <summary>A hub whose chase runs in seconds: reminders at 2 s and 4 s, escalation at 6 s, links (and so each
/// provider's turn) expire at 9 s. Three befriending providers, chased in name order: Alpha, Beta, Gamma.</summary>
public class ChaseHub : TestHub
{
    public static readonly string[] Providers = ["alpha", "beta", "gamma"];

    protected override void Configure(IDictionary<string, string?> settings)
    {
        settings["Chase:Reminders:0"] = "00:00:02";
        settings["Chase:Reminders:1"] = "00:00:04";
        settings["Chase:EscalateAfter"] = "00:00:06";
        settings["Links:Lifetime"] = "00:00:09";
    }

    public async System.Threading.Tasks.Task SeedProvidersAsync()
    {
        var directory = Get<ProviderDirectory>();
        foreach (var id in Providers)
        {
            var name = char.ToUpperInvariant(id[0]) + id[1..];
            await directory.SaveAsync(new Provider
            {
                Id = id,
                Name = $"{name} Befriending",
                Emails = [$"{id}@providers.example.org"],
                Categories = ["befriending"],
            });
        }
    }

    /// <summary>Posts a referral bundle (UK Core Richard Smith, befriending, consent given) and returns its ids.</summary>
    public async Task<(string ReferralId, string TaskId, string Reference)> ReferAsync(Action<Bundle>? change = null)
    {
        await SeedProvidersAsync();
        var key = await KeyForAsync("chase-practice", ReferralExamples.Practice);
        var reference = $"chase-{Guid.NewGuid():N}";
        var bundle = ReferralExamples.ReferralBundle(reference);
        change?.Invoke(bundle);
        var answer = await this.PostAsync(IntakeClient.BasePath, ReferralExamples.Json(bundle), FhirMediaTypes.Json, key);
        Assert.True(answer.Status == 201, answer.ToString());
        return (answer.As<ServiceRequest>().Id!, answer.Headers["X-Task-Id"].ToString(), reference);
    }

    public async Task<FhirTask> TaskAsync(string taskId)
    {
        var stored = await Get<TaskStore>().GetAsync(ReferralExamples.Practice, taskId);
        return (FhirTask)new FhirSerializer().ParseJson(Utf8(stored!.Json)).Resource!;
    }

    public Task<FhirTask> TaskWhenAsync(string taskId, Func<FhirTask, bool> done) => Eventually.ValueAsync(() => TaskAsync(taskId), done, 30);

    /// <summary>The emails sent to a provider about one referral (read from the signed links they carry).</summary>
    public IReadOnlyList<RecordedEmail> EmailsTo(string providerId, string referralId) =>
        Mail.Emails.Where(e => e.To.Contains($"{providerId}@providers.example.org") && ProviderLinks.Find(e, "Accept") is { } url
                               && ReferralIdOf(url) == referralId).ToList();

    public Task<RecordedEmail> OfferAsync(string providerId, string referralId, int count = 1) =>
        Eventually.ValueAsync(() => System.Threading.Tasks.Task.FromResult(EmailsTo(providerId, referralId)), e => e.Count >= count, 30)
            .ContinueWith(t => t.Result.Count >= count ? t.Result[count - 1] : throw new TimeoutException($"No email {count} to {providerId} about {referralId}"), TaskScheduler.Default);

    public string? ReferralIdOf(string url) => Get<SignedLinks>().Read(ProviderLinks.Token(url), "provider").Claims?.ReferralId;

    public Task<HttpAnswer> OpenAsync(string url) => ProviderLinks.OpenAsync(this, url);

    public Task<HttpAnswer> ConfirmAsync(string url, params (string Name, string Value)[] fields) => ProviderLinks.ConfirmAsync(this, url, fields);
}

/// <summary>What a provider does with an offer email: opens a link (GET), then confirms on the page (POST with the
/// page's anti-forgery cookie and field), through the real page triggers.</summary>
public static class ProviderLinks
{
    public static string? Find(RecordedEmail email, string action) =>
        email.PlainText?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(action + ": ", StringComparison.Ordinal))?[(action.Length + 2)..];

    public static string Token(string url) => Uri.UnescapeDataString(new Uri(url).Query.TrimStart('?').Split('&').Single(p => p.StartsWith("t=", StringComparison.Ordinal))[2..]);

    public static async Task<HttpAnswer> OpenAsync(TestHub hub, string url)
    {
        var request = HttpCall.Request("GET", "/api/provider/respond", query: new Uri(url).Query);
        return await TestHub.CallAsync(request, r => hub.Function<ProviderResponseHttp>().Show(r));
    }

    public static async Task<HttpAnswer> ConfirmAsync(TestHub hub, string url, params (string Name, string Value)[] fields)
    {
        var (_, cookie, csrf) = await OpenFormAsync(hub, url);
        return await PostAsync(hub, Token(url), csrf, cookie, fields);
    }

    /// <summary>Opens the page and keeps what its form needs to be posted back: the anti-forgery cookie and field.</summary>
    public static async Task<(HttpAnswer Page, string Cookie, string Csrf)> OpenFormAsync(TestHub hub, string url)
    {
        var page = await OpenAsync(hub, url);
        var cookie = page.Headers.SetCookie.ToString().Split(';')[0];
        var csrf = System.Text.RegularExpressions.Regex.Match(page.Body, "name=\"csrf\" value=\"([^\"]+)\"").Groups[1].Value;
        return (page, cookie, csrf);
    }

    public static Task<HttpAnswer> PostAsync(TestHub hub, string token, string csrf, string cookie, params (string Name, string Value)[] fields) =>
        PostAsync(hub, hub.Durable, token, csrf, cookie, fields);

    public static async Task<HttpAnswer> PostAsync(TestHub hub, Microsoft.DurableTask.Client.DurableTaskClient durable, string token, string csrf, string cookie, params (string Name, string Value)[] fields)
    {
        var form = string.Join('&', fields.Append(("t", token)).Append(("csrf", csrf)).Select(f => $"{f.Item1}={Uri.EscapeDataString(f.Item2)}"));
        var request = HttpCall.Request("POST", "/api/provider/respond", TestHub.Utf8(form), "application/x-www-form-urlencoded");
        if (cookie.Length > 0)
        {
            request.Headers.Cookie = cookie;
        }

        return await TestHub.CallAsync(request, r => hub.Function<ProviderResponseHttp>().Submit(r, durable));
    }
}

public static class ChaseHubWithdrawals
{
    /// <summary>The practice withdraws a referral: PUT the ServiceRequest with status revoked.</summary>
    public static async Task<HttpAnswer> WithdrawAsync(this TestHub hub, string referralId, Microsoft.DurableTask.Client.DurableTaskClient? durable = null)
    {
        var key = await hub.KeyForAsync("chase-practice", ReferralExamples.Practice);
        var read = await TestHub.CallAsync(HttpCall.Request("GET", $"/api/fhir/ServiceRequest/{referralId}", apiKey: key),
            r => hub.Function<ReferralReadHttp>().ReadServiceRequest(r, referralId));
        var sr = read.As<ServiceRequest>();
        sr.Status = RequestStatus.Revoked;
        var request = HttpCall.Request("PUT", $"/api/fhir/ServiceRequest/{referralId}", ReferralExamples.Json(sr), FhirMediaTypes.Json, key);
        return await TestHub.CallAsync(request, r => hub.Function<ReferralUpdateHttp>().Update(r, referralId, durable ?? hub.Durable));
    }
}

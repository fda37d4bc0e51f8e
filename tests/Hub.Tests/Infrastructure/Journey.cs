using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Chase;
using Hub.FollowUp;
using Hub.Intake;
using Hub.Platform.Fhir;
using Hub.Providers;
using Hub.Referrals;
using Microsoft.DurableTask.Client;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.Infrastructure;

/// <summary>A referral's journey through a hub as its people make it: the practice refers (and withdraws), providers are
/// emailed and answer through the page triggers, the patient answers surveys. For hubs set up with
/// <see cref="HubSetup.FastChase"/> (and <see cref="HubSetup.FastFollowUp"/>).</summary>
public static class Journey
{
    /// <summary>The three befriending providers <see cref="ReferAsync"/> puts in the directory, chased in name order.</summary>
    public static readonly string[] Providers = ["alpha", "beta", "gamma"];

    public const string PatientEmail = "richard.smith@example.com";
    public const string PracticeToken = "practice-fhir-token";
    public const string PracticeClient = "chase-practice";

    public static readonly (string, string)[] FollowUpAnswers =
    [
        ("ons4-1", "7"), ("ons4-2", "8"), ("ons4-3", "6"), ("ons4-4", "3"),
        ("ucla3-1", "some-of-the-time"), ("ucla3-2", "hardly-ever"), ("ucla3-3", "some-of-the-time"),
        ("gp-visits", "1"), ("ae-visits", "0"), ("attended", "yes"), ("sessions", "6"),
    ];

    public static readonly (string, string)[] BaselineAnswers =
    [
        ("ons4-1", "4"), ("ons4-2", "5"), ("ons4-3", "4"), ("ons4-4", "7"),
        ("ucla3-1", "often"), ("ucla3-2", "often"), ("ucla3-3", "some-of-the-time"),
        ("gp-visits", "5"), ("ae-visits", "1"),
    ];

    /// <summary>The patient in the referral can be emailed (the UK Core example has only phone numbers).</summary>
    public static void GiveEmail(Bundle bundle) =>
        bundle.Entry.Select(e => e.Resource).OfType<Patient>().Single().Telecom.Add(new ContactPoint(ContactPoint.ContactPointSystem.Email, ContactPoint.ContactPointUse.Home, PatientEmail));

    public static async System.Threading.Tasks.Task SeedProvidersAsync(this TestHub hub)
    {
        var directory = hub.Get<ProviderDirectory>();
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
    /// <param name="durable">The client intake starts the orchestration with (the hub's own unless given).</param>
    public static async Task<(string ReferralId, string TaskId, string Reference)> ReferAsync(this TestHub hub, Action<Bundle>? change = null, DurableTaskClient? durable = null)
    {
        await hub.SeedProvidersAsync();
        var key = await hub.KeyForAsync(PracticeClient, ReferralExamples.Practice);
        var reference = $"chase-{Guid.NewGuid():N}";
        var bundle = ReferralExamples.ReferralBundle(reference);
        change?.Invoke(bundle);
        var answer = await hub.PostAsync(IntakeClient.BasePath, ReferralExamples.Json(bundle), FhirMediaTypes.Json, key, durable: durable);
        Assert.True(answer.Created, answer.ToString());
        return (answer.Referral.Id!, answer.Headers["X-Task-Id"].ToString(), reference);
    }

    /// <summary>Refers, and has Alpha accept at once.</summary>
    public static async Task<(string ReferralId, string TaskId, string Reference)> AcceptedAsync(this TestHub hub, Action<Bundle>? change = null)
    {
        var referral = await hub.ReferAsync(change);
        var offer = await hub.OfferAsync("alpha", referral.ReferralId);
        var accepted = await hub.ConfirmAsync(ProviderLinks.Find(offer, "Accept")!);
        Assert.Contains("Referral accepted", accepted.Body, StringComparison.Ordinal);
        return referral;
    }

    public static async Task<FhirTask> TaskAsync(this TestHub hub, string taskId)
    {
        var stored = await hub.Get<TaskStore>().GetAsync(ReferralExamples.Practice, taskId);
        return (FhirTask)new FhirSerializer().ParseJson(TestHub.Utf8(stored!.Json)).Resource!;
    }

    public static Task<FhirTask> TaskWhenAsync(this TestHub hub, string taskId, Func<FhirTask, bool> done,
        [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(done))] string? condition = null) =>
        Eventually.ValueAsync(() => hub.TaskAsync(taskId), done, what: $"Task {taskId}: {condition}");

    /// <summary>The referral's audit trail once it holds every one of <paramref name="events"/> (they are written by
    /// activities, often after the Task or an email that a test saw first).</summary>
    public static Task<IReadOnlyList<AuditEntry>> AuditWithAsync(this TestHub hub, string referralId, params string[] events) =>
        hub.AuditWhenAsync(referralId, audit => events.All(e => audit.Any(a => a.Event == e)), $"the audit of {referralId} to hold {string.Join(", ", events)}");

    /// <summary>The referral's audit trail once <paramref name="done"/> holds for it.</summary>
    public static Task<IReadOnlyList<AuditEntry>> AuditWhenAsync(this TestHub hub, string referralId, Func<IReadOnlyList<AuditEntry>, bool> done, string? what = null,
        [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(done))] string? condition = null) =>
        Eventually.ValueAsync(() => hub.Get<AuditTrail>().ReadAsync(referralId), done, what: what ?? $"the audit of {referralId}: {condition}");

    /// <summary>The emails sent to a provider about one referral (read from the signed links they carry).</summary>
    public static IReadOnlyList<RecordedEmail> EmailsTo(this TestHub hub, string providerId, string referralId) =>
        hub.Mail.Emails.Where(e => e.To.Contains($"{providerId}@providers.example.org") && ProviderLinks.Find(e, "Accept") is { } url
                                   && hub.ReferralIdOf(url) == referralId).ToList();

    /// <summary>The <paramref name="count"/>th email to a provider about a referral, once it has been sent.</summary>
    public static async Task<RecordedEmail> OfferAsync(this TestHub hub, string providerId, string referralId, int count = 1)
    {
        var emails = await Eventually.SeenAsync(() => hub.EmailsTo(providerId, referralId), e => e.Count >= count,
            what: $"email {count} to {providerId} about {referralId}");
        return emails[count - 1];
    }

    public static string? ReferralIdOf(this TestHub hub, string url) => hub.Get<SignedLinks>().Read(ProviderLinks.Token(url), "provider").Claims?.ReferralId;

    public static Task<HttpAnswer> OpenAsync(this TestHub hub, string url) => ProviderLinks.OpenAsync(hub, url);

    public static Task<HttpAnswer> ConfirmAsync(this TestHub hub, string url, params (string Name, string Value)[] fields) => ProviderLinks.ConfirmAsync(hub, url, fields);

    /// <summary>The practice withdraws a referral: PUT the ServiceRequest with status revoked.</summary>
    public static async Task<HttpAnswer> WithdrawAsync(this TestHub hub, string referralId, DurableTaskClient? durable = null)
    {
        var key = await hub.KeyForAsync(PracticeClient, ReferralExamples.Practice);
        var read = await TestHub.CallAsync(HttpCall.Request("GET", $"/api/fhir/ServiceRequest/{referralId}", apiKey: key),
            r => hub.Function<ReferralReadHttp>().ReadServiceRequest(r, referralId));
        var sr = read.As<ServiceRequest>();
        sr.Status = RequestStatus.Revoked;
        var request = HttpCall.Request("PUT", $"/api/fhir/ServiceRequest/{referralId}", ReferralExamples.Json(sr), FhirMediaTypes.Json, key);
        return await TestHub.CallAsync(request, r => hub.Function<ReferralUpdateHttp>().Update(r, referralId, durable ?? hub.Durable));
    }

    public static Task<RecordedEmail> SurveyEmailAsync(this TestHub hub, string referralId, Func<RecordedEmail, bool> match) =>
        hub.Mail.WaitForEmailAsync(e => SurveyLinks.Survey(e) is { } url && hub.ReferralIdOfSurvey(url) == referralId && match(e));

    public static IReadOnlyList<RecordedEmail> SurveyEmails(this TestHub hub, string referralId) =>
        hub.Mail.Emails.Where(e => SurveyLinks.Survey(e) is { } url && hub.ReferralIdOfSurvey(url) == referralId).ToList();

    public static string? ReferralIdOfSurvey(this TestHub hub, string url) => hub.Get<SignedLinks>().Read(ProviderLinks.Token(url), "patient").Claims?.ReferralId;

    public static Task<SurveyResponse?> ResponseAsync(this TestHub hub, string referralId, string kind) =>
        hub.Get<FollowUpStore>().GetResponseAsync(ReferralExamples.Practice, referralId, StoredSpelling.Parse<SurveyKind>(kind));
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
        var csrf = Regex.Match(page.Body, "name=\"csrf\" value=\"([^\"]+)\"").Groups[1].Value;
        return (page, cookie, csrf);
    }

    /// <summary>The accepting provider reports progress on the handover page its accept link opens: waits for the page
    /// with its progress form, posts the form back with the given fields, and returns the answer and what was posted
    /// (so a test can post it again).</summary>
    public static async Task<(HttpAnswer Answer, string Form, string Cookie)> ReportProgressAsync(TestHub hub, string link, params (string Name, string Value)[] fields)
    {
        var (page, cookie, csrf) = await Eventually.ValueAsync(() => OpenFormAsync(hub, link), p => p.Page.Status == 200 && ProgressSequence(p.Page.Body) is not null,
            what: "the handover page with its progress form");
        var form = string.Join('&', fields.Append(("t", Token(link))).Append(("n", ProgressSequence(page.Body)!)).Append(("csrf", csrf)).Select(f => $"{f.Item1}={Uri.EscapeDataString(f.Item2)}"));
        return (await PostProgressAsync(hub, form, cookie), form, cookie);
    }

    /// <summary>The progress form's sequence number: a stale or replayed form carries an old one.</summary>
    public static string? ProgressSequence(string page) => Regex.Match(page, "name=\"n\" value=\"(\\d+)\"") is { Success: true } m ? m.Groups[1].Value : null;

    public static async Task<HttpAnswer> PostProgressAsync(TestHub hub, string form, string cookie)
    {
        var request = HttpCall.Request("POST", "/api/provider/progress", TestHub.Utf8(form), "application/x-www-form-urlencoded");
        request.Headers.Cookie = cookie;
        return await TestHub.CallAsync(request, r => hub.Function<ProviderProgressHttp>().Report(r));
    }

    public static Task<HttpAnswer> PostAsync(TestHub hub, string token, string csrf, string cookie, params (string Name, string Value)[] fields) =>
        PostAsync(hub, hub.Durable, token, csrf, cookie, fields);

    public static async Task<HttpAnswer> PostAsync(TestHub hub, DurableTaskClient durable, string token, string csrf, string cookie, params (string Name, string Value)[] fields)
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

/// <summary>What a patient does with a survey email: opens the link (GET), then sends the form (POST with the page's
/// anti-forgery cookie and field), through the real page triggers.</summary>
public static partial class SurveyLinks
{
    public static string? Survey(RecordedEmail email) => SurveyUrl().Match(email.PlainText ?? string.Empty) is { Success: true } m ? m.Value : null;

    public static string? OptOut(RecordedEmail email) => OptOutUrl().Match(email.PlainText ?? string.Empty) is { Success: true } m ? m.Value : null;

    public static async Task<HttpAnswer> OpenAsync(TestHub hub, string url) =>
        await TestHub.CallAsync(HttpCall.Request("GET", new Uri(url).AbsolutePath, query: new Uri(url).Query),
            r => new Uri(url).AbsolutePath.EndsWith("opt-out", StringComparison.Ordinal) ? hub.Function<SurveyHttp>().ShowOptOut(r) : hub.Function<SurveyHttp>().Show(r));

    /// <summary>Opens the page, then posts its form back with the given fields.</summary>
    public static Task<HttpAnswer> SendAsync(TestHub hub, string url, params (string Name, string Value)[] fields) => SendAsync(hub, hub.Durable, url, fields);

    /// <summary>Opens the page, then posts its form back with the given fields, raising events through <paramref name="durable"/>.</summary>
    public static async Task<HttpAnswer> SendAsync(TestHub hub, DurableTaskClient durable, string url, params (string Name, string Value)[] fields)
    {
        var (cookie, csrf) = await OpenFormAsync(hub, url);
        return await PostAsync(hub, durable, url, cookie, csrf, fields);
    }

    /// <summary>Opens the page and keeps what its form needs to be posted back (again): the anti-forgery cookie and field.</summary>
    public static async Task<(string Cookie, string Csrf)> OpenFormAsync(TestHub hub, string url)
    {
        var page = await OpenAsync(hub, url);
        Assert.True(page.Status == 200, page.Body);
        return (page.Headers.SetCookie.ToString().Split(';')[0], Regex.Match(page.Body, "name=\"csrf\" value=\"([^\"]+)\"").Groups[1].Value);
    }

    /// <summary>Posts the page's form, as the browser does (again, when the person sends it twice).</summary>
    public static async Task<HttpAnswer> PostAsync(TestHub hub, DurableTaskClient durable, string url, string cookie, string csrf, params (string Name, string Value)[] fields)
    {
        var form = string.Join('&', fields.Append(("t", ProviderLinks.Token(url))).Append(("csrf", csrf)).Select(f => $"{f.Item1}={Uri.EscapeDataString(f.Item2)}"));
        var request = HttpCall.Request("POST", new Uri(url).AbsolutePath, TestHub.Utf8(form), "application/x-www-form-urlencoded");
        request.Headers.Cookie = cookie;
        return await TestHub.CallAsync(request, r => new Uri(url).AbsolutePath.EndsWith("opt-out", StringComparison.Ordinal)
            ? hub.Function<SurveyHttp>().SubmitOptOut(r, durable)
            : hub.Function<SurveyHttp>().Submit(r, durable));
    }

    [GeneratedRegex(@"https?://\S+/api/survey\?t=[^\s""<]+")]
    private static partial Regex SurveyUrl();

    [GeneratedRegex(@"https?://\S+/api/survey/opt-out\?t=[^\s""<]+")]
    private static partial Regex OptOutUrl();
}

using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.FollowUp;
using Hub.Referrals;
using Hub.Tests.Chase;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.FollowUp;

/// <summary>A hub whose whole referral life runs in seconds: the chase as in <see cref="ChaseHub"/>, the follow-up survey
/// 5 s after acceptance, survey reminders at 2 s and 4 s, the window closing at 8 s, write-back retried from 1 s for 5 s,
/// into a practice FHIR server inside the test.</summary>
public class FollowUpHub : ChaseHub
{
    public const string PatientEmail = "richard.smith@example.com";
    public const string PracticeToken = "practice-fhir-token";

    public PracticeFhirServer Practice { get; private set; } = null!;

    public override async System.Threading.Tasks.Task InitializeAsync()
    {
        Practice = await PracticeFhirServer.StartAsync();
        await base.InitializeAsync();
    }

    public override async System.Threading.Tasks.Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Practice.DisposeAsync();
    }

    protected override void Configure(IDictionary<string, string?> settings)
    {
        base.Configure(settings);
        // Development is what lets every duration shrink; outside it the follow-up must fall in 3–4 months.
        settings["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development";
        settings["FollowUp:FollowUpAfter"] = "00:00:05";
        settings["FollowUp:Reminders:0"] = "00:00:02";
        settings["FollowUp:Reminders:1"] = "00:00:04";
        settings["FollowUp:SurveyWindow"] = "00:00:08";
        settings["FollowUp:BaselineWindow"] = "00:00:30";
        settings["FollowUp:WriteBackFirstRetry"] = "00:00:01";
        settings["FollowUp:WriteBackRetryFor"] = "00:00:05";
        settings[$"WriteBack:Practices:{ReferralExamples.Practice}:BaseUrl"] = Practice.BaseUrl;
        settings[$"WriteBack:Practices:{ReferralExamples.Practice}:BearerToken"] = PracticeToken;
    }

    /// <summary>The patient in the referral can be emailed (the UK Core example has only phone numbers).</summary>
    public static void GiveEmail(Bundle bundle) =>
        bundle.Entry.Select(e => e.Resource).OfType<Patient>().Single().Telecom.Add(new ContactPoint(ContactPoint.ContactPointSystem.Email, ContactPoint.ContactPointUse.Home, PatientEmail));

    /// <summary>Refers, and has Alpha accept at once.</summary>
    public async Task<(string ReferralId, string TaskId, string Reference)> AcceptedAsync(Action<Bundle>? change = null)
    {
        var referral = await ReferAsync(change);
        var offer = await OfferAsync("alpha", referral.ReferralId);
        var accepted = await ConfirmAsync(ProviderLinks.Find(offer, "Accept")!);
        Assert.Contains("Referral accepted", accepted.Body, StringComparison.Ordinal);
        return referral;
    }

    public Task<RecordedEmail> SurveyEmailAsync(string referralId, Func<RecordedEmail, bool> match) =>
        Mail.WaitForEmailAsync(e => SurveyLinks.Survey(e) is { } url && ReferralIdOfSurvey(url) == referralId && match(e), TimeSpan.FromSeconds(40));

    public IReadOnlyList<RecordedEmail> SurveyEmails(string referralId) =>
        Mail.Emails.Where(e => SurveyLinks.Survey(e) is { } url && ReferralIdOfSurvey(url) == referralId).ToList();

    public string? ReferralIdOfSurvey(string url) => Get<SignedLinks>().Read(ProviderLinks.Token(url), "patient").Claims?.ReferralId;

    public Task<SurveyResponse?> ResponseAsync(string referralId, string kind) => Get<FollowUpStore>().GetResponseAsync(ReferralExamples.Practice, referralId, StoredSpelling.Parse<SurveyKind>(kind));

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
    public static async Task<HttpAnswer> SendAsync(TestHub hub, string url, params (string Name, string Value)[] fields)
    {
        var page = await OpenAsync(hub, url);
        Assert.True(page.Status == 200, page.Body);
        var cookie = page.Headers.SetCookie.ToString().Split(';')[0];
        var csrf = Regex.Match(page.Body, "name=\"csrf\" value=\"([^\"]+)\"").Groups[1].Value;
        var form = string.Join('&', fields.Append(("t", ProviderLinks.Token(url))).Append(("csrf", csrf)).Select(f => $"{f.Item1}={Uri.EscapeDataString(f.Item2)}"));
        var request = HttpCall.Request("POST", new Uri(url).AbsolutePath, TestHub.Utf8(form), "application/x-www-form-urlencoded");
        request.Headers.Cookie = cookie;
        return await TestHub.CallAsync(request, r => new Uri(url).AbsolutePath.EndsWith("opt-out", StringComparison.Ordinal)
            ? hub.Function<SurveyHttp>().SubmitOptOut(r, hub.Durable)
            : hub.Function<SurveyHttp>().Submit(r, hub.Durable));
    }

    [GeneratedRegex(@"https?://\S+/api/survey\?t=[^\s""<]+")]
    private static partial Regex SurveyUrl();

    [GeneratedRegex(@"https?://\S+/api/survey/opt-out\?t=[^\s""<]+")]
    private static partial Regex OptOutUrl();
}

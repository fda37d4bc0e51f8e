using System.Text.RegularExpressions;
using Hub.Access;
using Hub.LinkWork;
using Hub.Providers;
using Hub.Tests.Infrastructure;
using static Hub.Tests.LinkWork.EpisodeJourney;

namespace Hub.Tests.LinkWork;

/// <summary>The caseload page for people: a link worker asks for a sign-in link (by the service's registered address,
/// or the service id from a link), the hub emails it to the service's registered address only and answers the same
/// whatever was typed; the link opens the caseload once, with a fresh link to each episode page.</summary>
public sealed class CaseloadSignInTests(LinkWorkHub hub) : IClassFixture<LinkWorkHub>
{
    private static Task<HttpAnswer> FormAsync(string query = "") =>
        TestHub.CallAsync(HttpCall.Request("GET", "/api/provider/caseload/sign-in", query: query), r => System.Threading.Tasks.Task.FromResult(CaseloadSignInHttp.Show(r)));

    private async Task<HttpAnswer> AskAsync(params (string Name, string Value)[] fields)
    {
        var form = await FormAsync();
        var csrf = Regex.Match(form.Body, "name=\"csrf\" value=\"([^\"]+)\"").Groups[1].Value;
        var body = string.Join('&', fields.Append(("csrf", csrf)).Select(f => $"{f.Item1}={Uri.EscapeDataString(f.Item2)}"));
        var request = HttpCall.Request("POST", "/api/provider/caseload/sign-in", TestHub.Utf8(body), "application/x-www-form-urlencoded");
        request.Headers.Cookie = form.Headers.SetCookie.ToString().Split(';')[0];
        return await TestHub.CallAsync(request, r => hub.Function<CaseloadSignInHttp>().Ask(r));
    }

    private Task<HttpAnswer> CaseloadAsync(string token) =>
        TestHub.CallAsync(HttpCall.Request("GET", "/api/provider/caseload", query: $"?t={Uri.EscapeDataString(token)}"), r => hub.Function<CaseloadHttp>().Read(r));

    private List<RecordedEmail> SignInEmails() => [.. hub.Mail.Emails.Where(e => e.Subject == "Your sign-in link to your caseload")];

    private static string LinkIn(RecordedEmail email) =>
        email.PlainText!.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("Open: ", StringComparison.Ordinal))[6..];

    [Fact]
    public async Task The_registered_address_gets_a_single_use_link_that_opens_the_caseload_with_links_to_each_episode()
    {
        var (referralId, _, accept) = await hub.LinkWorkerAcceptedAsync();
        await RecordAsync(hub, accept, "need", ("need-text", "Lonely since moving flat"));
        var alpha = (await hub.Get<ProviderDirectory>().GetAsync("alpha"))!;
        var before = SignInEmails().Count;

        var form = await FormAsync();
        Assert.Equal(200, form.Status);
        Assert.Equal("no-store", form.Headers.CacheControl.ToString());
        Assert.DoesNotContain("<script", form.Body, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<label class=\"nhsuk-label\" for=\"email\">", form.Body, StringComparison.Ordinal);

        // An address that is not registered, and a service that is not a link-worker one: the same answer, no email.
        var unknown = await AskAsync(("email", "someone@elsewhere.example.org"));
        var notLinkWork = await AskAsync(("service", "beta"));
        var known = await AskAsync(("email", alpha.Emails[0].ToUpperInvariant()));
        Assert.Equal(200, known.Status);
        Assert.Equal(known.Body, unknown.Body);
        Assert.Equal(known.Body, notLinkWork.Body);
        Assert.Contains("If that address is registered", known.Body, StringComparison.Ordinal);
        var email = Assert.Single(SignInEmails().Skip(before));
        Assert.Equal([alpha.Emails[0]], email.To);

        var link = LinkIn(email);
        Assert.StartsWith("http", link, StringComparison.Ordinal);
        Assert.Contains("/api/provider/caseload?t=", link, StringComparison.Ordinal);
        var page = await CaseloadAsync(ProviderLinks.Token(link));
        Assert.Equal(200, page.Status);
        Assert.Equal("no-store", page.Headers.CacheControl.ToString());
        Assert.DoesNotContain("<script", page.Body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Richard", page.Body, StringComparison.Ordinal);
        Assert.Contains(referralId, page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("Lonely", page.Body, StringComparison.Ordinal);
        Assert.Contains("No contact yet", page.Body, StringComparison.Ordinal);
        var episodeLink = System.Net.WebUtility.HtmlDecode(Regex.Match(page.Body, $"href=\"(/api/provider/episode\\?t=[^\"]+)\">Episode started [^<]*\\(referral {referralId}\\)").Groups[1].Value);
        Assert.NotEmpty(episodeLink);
        var episode = await OpenAsync(hub, $"http://localhost{episodeLink}");
        Assert.Equal(200, episode.Status);

        // Used once: the same link now offers a new one.
        var again = await CaseloadAsync(ProviderLinks.Token(link));
        Assert.Equal(410, again.Status);
        Assert.Contains("This link has been used", again.Body, StringComparison.Ordinal);
        Assert.Contains("href=\"/api/provider/caseload/sign-in?service=alpha\"", again.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(referralId, again.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_service_id_from_a_link_is_enough_and_an_expired_link_offers_a_new_one()
    {
        await hub.Get<ProviderDirectory>().SaveAsync(new Provider { Id = "hillside-link-workers", Name = "Hillside Link Workers", Emails = ["hillside@providers.example.org"], Categories = [ActivityCategories.LinkWorker] });
        var form = await FormAsync("?service=hillside-link-workers");
        Assert.Contains("name=\"service\" value=\"hillside-link-workers\"", form.Body, StringComparison.Ordinal);
        var before = SignInEmails().Count;
        Assert.Equal(200, (await AskAsync(("service", "hillside-link-workers"))).Status);
        Assert.Equal(["hillside@providers.example.org"], Assert.Single(SignInEmails().Skip(before)).To);

        var expired = hub.Get<SignedLinks>().Create(CaseloadSignIn.Audience, Guid.NewGuid().ToString("N"), "hillside-link-workers", CaseloadSignIn.SignInAction, TimeSpan.FromMinutes(-1));
        var page = await CaseloadAsync(expired);
        Assert.Equal(410, page.Status);
        Assert.Contains("This link has expired", page.Body, StringComparison.Ordinal);
        Assert.Contains("Get a new sign-in link", page.Body, StringComparison.Ordinal);

        var broken = await CaseloadAsync("not-a-link");
        Assert.Equal(400, broken.Status);
        Assert.Contains("href=\"/api/provider/caseload/sign-in\"", broken.Body, StringComparison.Ordinal);
    }
}

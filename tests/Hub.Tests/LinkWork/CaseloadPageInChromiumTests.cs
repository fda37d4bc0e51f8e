using Hub.LinkWork;
using Hub.Providers;
using Hub.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Hub.Tests.LinkWork;

/// <summary>The caseload in Debian's Chromium (Playwright, no browser download) with JavaScript off, keyboard only: the
/// link worker asks for a sign-in link, opens it from the email, sees the caseload, opens an episode from it and records
/// a contact; a screenshot of the caseload in the test output's artefacts.</summary>
public sealed class CaseloadPageInChromiumTests(EpisodePagesHub hub) : IClassFixture<EpisodePagesHub>
{
    [Fact]
    public async System.Threading.Tasks.Task The_link_worker_signs_in_sees_the_caseload_opens_an_episode_and_records_a_contact_without_script()
    {
        var (referralId, _, accept) = await hub.LinkWorkerAcceptedAsync();
        // The caseload lists episodes once something is recorded.
        Assert.Equal(200, (await EpisodeJourney.RecordAsync(hub, accept, "need", ("need-text", "Lonely since moving flat"))).Answer.Status);
        var alpha = (await hub.Get<ProviderDirectory>().GetAsync("alpha"))!;
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { JavaScriptEnabled = false, ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        var page = await context.NewPageAsync();

        // Sign in: the address typed, the form sent with Enter.
        await page.GotoAsync($"{hub.Pages.BaseUrl}/api/{CaseloadSignInHttp.Route}");
        Assert.Equal("Sign in to your caseload", await page.Locator("h1").InnerTextAsync());
        await page.FocusAsync("#email");
        await page.Keyboard.TypeAsync(alpha.Emails[0]);
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync("h1:has-text('Check your email')");

        var email = await Eventually.ValueAsync(() => System.Threading.Tasks.Task.FromResult(hub.Mail.Emails.LastOrDefault(e => e.Subject == "Your sign-in link to your caseload" && e.To.Contains(alpha.Emails[0]))),
            e => e is not null, what: "the sign-in email");
        var link = email!.PlainText!.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("Open: ", StringComparison.Ordinal))[6..];

        // The caseload: the episode with its next action.
        await page.GotoAsync(hub.Pages.Local(link));
        Assert.Equal("Your caseload", await page.Locator("h1").InnerTextAsync());
        var row = page.Locator("tr", new PageLocatorOptions { HasText = referralId });
        Assert.Contains("No contact yet", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("Lonely", await page.ContentAsync(), StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.Artefacts, "link-worker-caseload.png"), FullPage = true });

        // Open the episode from it with the keyboard.
        await page.FocusAsync($"a:has-text('(referral {referralId})')");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync("#contact-form");
        Assert.Equal("Richard SMITH", await page.Locator("h1").InnerTextAsync());

        // Record a contact.
        var day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
        await page.FocusAsync("#contact-day");
        await page.Keyboard.TypeAsync($"{day.Day}");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync($"{day.Month}");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync($"{day.Year}");
        await page.FocusAsync("#contact-mode");
        await page.Keyboard.PressAsync("Space");
        Assert.Equal("face-to-face", await page.Locator("#contact-mode").InputValueAsync());
        await page.FocusAsync("#contact-minutes");
        await page.Keyboard.TypeAsync("40");
        await page.FocusAsync("#contact-form button[type=submit]");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync("[role=status]:has-text('Recorded')");

        var contact = Assert.Single((await hub.Get<EpisodeStore>().GetAsync(referralId))!.Contacts);
        Assert.Equal((day, ContactMode.FaceToFace, 40), (contact.Date, contact.Mode, contact.Minutes));
    }
}

using Hub.LinkWork;
using Hub.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Hub.Tests.LinkWork;

/// <summary>A link-work hub serving its pages over HTTP, for a real browser.</summary>
public sealed class EpisodePagesHub : TestHub
{
    protected override void Setup(HubSetup hub) => hub.FastChase().Set("Links:Lifetime", "00:30:00").WithPageServer();
}

/// <summary>The episode page in Debian's Chromium (Playwright, no browser download), keyboard only: a contact, a goal and
/// a wellbeing assessment recorded, with a screenshot in the test output's artefacts.</summary>
public sealed class EpisodePageInChromiumTests(EpisodePagesHub hub) : IClassFixture<EpisodePagesHub>
{
    [Fact]
    public async System.Threading.Tasks.Task The_link_worker_records_a_contact_a_goal_and_an_assessment_with_the_keyboard_only()
    {
        var (referralId, _, link) = await hub.LinkWorkerAcceptedAsync();
        var local = new Uri(hub.Pages.Local(link));
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        await page.GotoAsync($"{local.GetLeftPart(UriPartial.Authority)}/api/{EpisodeHttp.Route}{local.Query}");
        Assert.Equal("Richard SMITH", await page.Locator("h1").InnerTextAsync());

        async System.Threading.Tasks.Task Type(string selector, string text)
        {
            await page.FocusAsync(selector);
            await page.Keyboard.TypeAsync(text);
        }

        async System.Threading.Tasks.Task Submit(string form, string button)
        {
            await page.FocusAsync($"#{form} button[type=submit]");
            Assert.Equal(button, await page.EvaluateAsync<string>("document.activeElement.textContent.trim()"));
            await page.Keyboard.PressAsync("Enter");
            await page.WaitForSelectorAsync("[role=status]:has-text('Recorded')");
        }

        var day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
        await Type("#contact-day", $"{day.Day}");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync($"{day.Month}");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync($"{day.Year}");
        await page.FocusAsync("#contact-mode");
        await page.Keyboard.PressAsync("Space");
        await page.Keyboard.PressAsync("ArrowRight");
        Assert.Equal("phone", await page.EvaluateAsync<string>("document.activeElement.value"));
        await Type("#contact-minutes", "30");
        await Submit("contact-form", "Record contact");

        await Type("#goal-text", "Join a walking group");
        await Type("#goal-importance", "8");
        await Type("#goal-confidence", "5");
        await Submit("goal-form", "Add goal");

        await Type("#assessment-day", $"{day.Day}");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync($"{day.Month}");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync($"{day.Year}");
        foreach (var (id, score) in new[] { ("ons4-1", "6"), ("ons4-2", "7"), ("ons4-3", "5"), ("ons4-4", "3") })
        {
            await Type($"#assessment-{id}", score);
        }

        await Submit("assessment-form", "Record assessment");
        await page.FocusAsync("#assessments");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.Artefacts, "link-worker-episode.png"), FullPage = true });

        var episode = (await hub.Get<EpisodeStore>().GetAsync(referralId))!;
        Assert.Equal((ContactMode.Phone, 30), (episode.Contacts.Single().Mode, episode.Contacts.Single().Minutes));
        Assert.Equal(("Join a walking group", 8, 5), (episode.Goals.Single().Text, episode.Goals.Single().Importance, episode.Goals.Single().Confidence));
        Assert.Equal(new Dictionary<string, int> { ["ons4-1"] = 6, ["ons4-2"] = 7, ["ons4-3"] = 5, ["ons4-4"] = 3 }, episode.Taken.Single().Scores);
        Assert.Equal(day, episode.Taken.Single().Date);
    }
}

using Hub.Tests.Infrastructure;
using Microsoft.Playwright;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.Chase;

/// <summary>The handover and progress pages in a real browser, keyboard only, with screenshots (screen and print).</summary>
public sealed class HandoverPagesInChromiumTests(ProviderPagesHub hub) : IClassFixture<ProviderPagesHub>
{
    [Fact]
    public async System.Threading.Tasks.Task The_accepting_provider_reads_the_handover_and_reports_a_first_session_with_the_keyboard_only()
    {
        var (referralId, taskId, _) = await hub.AcceptedAsync();
        var accept = ProviderLinks.Find(await hub.OfferAsync("alpha", referralId), "Accept")!;
        await hub.AuditWithAsync(referralId, "accepted", "follow-up-planned");
        await hub.SettledAsync();
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });

        await page.GotoAsync(hub.Pages.Local(accept));
        Assert.Equal("Richard SMITH", await page.Locator("h1").InnerTextAsync());
        Assert.Contains("01131231234", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.Artefacts, "provider-handover.png"), FullPage = true });
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { Media = Media.Print });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.Artefacts, "provider-handover-print.png"), FullPage = true });
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { Media = Media.Screen });

        // Keyboard only: the skip link first; the report's radios with the arrow keys; the date; the button.
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to main content", await page.EvaluateAsync<string>("document.activeElement.textContent.trim()"));
        await page.FocusAsync("#report");
        await page.Keyboard.PressAsync("Space");
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("ArrowDown");
        Assert.Equal("first-session", await page.EvaluateAsync<string>("document.activeElement.value"));
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("day", await page.EvaluateAsync<string>("document.activeElement.id"));
        await page.Keyboard.TypeAsync("1");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("12");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("2026");
        await page.FocusAsync("button[type=submit]");
        Assert.Equal("Send update", await page.EvaluateAsync<string>("document.activeElement.textContent.trim()"));
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync("h1:has-text('Update recorded')");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Chromium.Artefacts, "provider-progress-recorded.png") });

        var task = await hub.TaskAsync(taskId);
        Assert.Equal((FhirTask.TaskStatus.InProgress, "first-session-attended"), (task.Status!.Value, task.BusinessStatus.Coding[0].Code));

        // Back to the referral: the progress so far is shown.
        await page.FocusAsync("a:has-text('Back to the referral')");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync("#progress");
        Assert.Contains("1 December 2026", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
    }
}

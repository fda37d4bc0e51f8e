using Hub.Chase;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Microsoft.Playwright;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.Chase;

/// <summary>A fast-chase hub whose pages are served over HTTP for the browser.</summary>
public sealed class ProviderPagesHub : TestHub
{
    protected override void Setup(HubSetup hub) => hub.FastChase().WithPageServer();
}

/// <summary>The accept and decline pages in a real browser (Debian's Chromium, driven by Playwright, no browser download),
/// used with the keyboard only. Screenshots land in the test output folder's artefacts.</summary>
public sealed class ProviderPagesInChromiumTests(ProviderPagesHub hub) : IClassFixture<ProviderPagesHub>
{
    private static readonly string Artefacts = Chromium.Artefacts;

    [Fact]
    public async System.Threading.Tasks.Task A_provider_accepts_with_the_keyboard_only()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        var offer = await hub.OfferAsync("alpha", referralId);
        var server = hub.Pages;
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });

        await page.GotoAsync(server.Local(ProviderLinks.Find(offer, "Accept")!));
        Assert.Equal("Accept this referral? – Social prescribing", await page.TitleAsync());
        Assert.Equal("Accept this referral?", await page.Locator("h1").InnerTextAsync());
        Assert.Contains("Richard", await page.Locator(".nhsuk-summary-list").InnerTextAsync(), StringComparison.Ordinal);
        // The NHS.UK stylesheet is served by the hub and applied (buttons are green, not browser grey).
        Assert.Equal("rgb(0, 127, 59)", await page.Locator("button.nhsuk-button").EvaluateAsync<string>("b => getComputedStyle(b).backgroundColor"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artefacts, "provider-accept.png"), FullPage = true });

        // Keyboard only: skip link first, then into the date fields, then the button.
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to main content", await page.EvaluateAsync<string>("document.activeElement.textContent.trim()"));
        await page.FocusAsync("#day");
        await page.Keyboard.TypeAsync("4");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("1");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("2027");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Accept referral", await page.EvaluateAsync<string>("document.activeElement.textContent.trim()"));
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync("h1:has-text('Referral accepted')");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artefacts, "provider-accepted.png") });

        var task = await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.InProgress);
        Assert.Equal("2027-01-04", ((Hl7.Fhir.Model.Date)task.Output.Single().Value).Value);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_provider_declines_with_the_keyboard_and_is_told_what_is_missing_first()
    {
        var (referralId, _, _) = await hub.ReferAsync();
        var offer = await hub.OfferAsync("alpha", referralId);
        var server = hub.Pages;
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync();

        await page.GotoAsync(server.Local(ProviderLinks.Find(offer, "Decline")!));
        // Sent without a reason: the page comes back with an error summary linking to the question.
        await page.FocusAsync("button[type=submit]");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync(".nhsuk-error-summary");
        Assert.Contains("Select why you cannot take this referral", await page.Locator(".nhsuk-error-summary").InnerTextAsync(), StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artefacts, "provider-decline-error.png"), FullPage = true });

        await page.FocusAsync("#reason");
        await page.Keyboard.PressAsync("Space");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("note", await page.EvaluateAsync<string>("document.activeElement.id"));
        await page.Keyboard.TypeAsync("<script>alert('x')</script> Full until March");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync("h1:has-text('Referral declined')");

        var next = await hub.OfferAsync("beta", referralId);
        Assert.NotNull(next);
        var audit = await hub.Get<AuditTrail>().ReadAsync(referralId);
        Assert.Contains(audit, a => a.Event == "declined" && a.Outcome == "no-capacity");
    }
}

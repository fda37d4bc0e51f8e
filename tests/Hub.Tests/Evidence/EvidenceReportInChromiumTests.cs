using Hub.Access;
using Hub.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Hub.Tests.Evidence;

/// <summary>The evidence report in Debian's Chromium through Playwright: a scheme lead fills in the form, reads the
/// report, and prints it. Screenshots and the PDF land in the test output folder's artefacts.</summary>
public sealed class EvidenceReportInChromiumTests(ReportingHub hub) : IClassFixture<ReportingHub>
{
    private static readonly string Artefacts = Chromium.Artefacts;

    [Fact]
    public async Task A_scheme_lead_reads_the_report_in_a_browser_with_charts_that_have_text_alternatives()
    {
        var server = hub.Pages;
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        await page.GotoAsync(server.BaseUrl + "/api/reports");

        await page.GetByLabel("API key").FillAsync(hub.SchemeKey);
        await page.GetByLabel("Scheme (optional)").FillAsync(ReportingHub.Scheme);
        await page.GetByLabel("Referred from (optional)").FillAsync("2026-01");
        await page.GetByLabel("Referred up to and including (optional)").FillAsync("2026-06-30");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show the report" }).ClickAsync();

        Assert.Equal("Evidence report", await page.Locator("h1").InnerTextAsync());
        Assert.Contains("Scheme: Riverside social prescribing", await page.Locator(".nhsuk-lede-text").InnerTextAsync(), StringComparison.Ordinal);

        // Three charts, each exposed to assistive technology as one image named by its title and described in full.
        var charts = page.Locator("svg[role=img]");
        Assert.Equal(3, await charts.CountAsync());
        for (var i = 0; i < 3; i++)
        {
            var described = await charts.Nth(i).EvaluateAsync<string>("svg => svg.getAttribute('aria-labelledby').split(' ').map(id => document.getElementById(id).textContent).join(' | ')");
            Assert.Contains(" | ", described, StringComparison.Ordinal);
            Assert.True(described.Length > 40, described);
        }

        var funnel = await page.GetByRole(AriaRole.Img, new() { Name = "Referrals at each stage" }).CountAsync();
        Assert.Equal(1, funnel);
        // The charts fit the page without a sideways scroll, and the stylesheet loaded (no CSP refusal).
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"));
        Assert.Equal("rgb(0, 94, 184)", await page.EvaluateAsync<string>("getComputedStyle(document.querySelector('.nhsuk-header')).backgroundColor"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artefacts, "evidence-report.png"), FullPage = true });

        // Printed, the header goes and every chart is still there.
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { Media = Media.Print });
        Assert.False(await page.Locator(".nhsuk-header").IsVisibleAsync());
        Assert.True(await page.Locator("svg[role=img]").Nth(2).IsVisibleAsync());
        await page.PdfAsync(new PagePdfOptions { Path = Path.Combine(Artefacts, "evidence-report.pdf"), Format = "A4" });
        Assert.True(new FileInfo(Path.Combine(Artefacts, "evidence-report.pdf")).Length > 10_000);
    }
}

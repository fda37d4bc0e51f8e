using Microsoft.Playwright;

namespace Hub.Tests.Infrastructure;

/// <summary>Debian's Chromium driven by Playwright, headless; never a downloaded browser. Screenshots and PDFs go to the
/// test output folder's artefacts.</summary>
public static class Chromium
{
    public const string Executable = "/usr/bin/chromium";

    public static readonly string Artefacts = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artefacts")).FullName;

    public static async Task<(IPlaywright, IBrowser)> LaunchAsync()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"Browser tests need Debian's Chromium at {Executable}: apt-get install chromium (.ci/run does).");
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return (playwright, browser);
    }
}

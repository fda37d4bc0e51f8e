using Hub.Tests.Infrastructure;
using Microsoft.Playwright;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.FollowUp;

/// <summary>A follow-up hub whose survey stays open for minutes, long enough for a browser to be driven through it.</summary>
public sealed class BrowserFollowUpHub : TestHub
{
    protected override void Setup(HubSetup hub) =>
        hub.FastChase().FastFollowUp()
            .Set("FollowUp:FollowUpAfter", "00:00:02")
            .Set("FollowUp:Reminders:0", "00:01:00")
            .Set("FollowUp:Reminders:1", "00:01:30")
            .Set("FollowUp:SurveyWindow", "00:02:00")
            .WithPageServer();
}

/// <summary>The survey form in Debian's Chromium through Playwright: answered with the keyboard only, with an invalid
/// answer first. Screenshots land in the test output folder's artefacts.</summary>
public sealed class SurveyFormInChromiumTests(BrowserFollowUpHub hub) : IClassFixture<BrowserFollowUpHub>
{
    private static readonly string Artefacts = Chromium.Artefacts;

    [Fact]
    public async System.Threading.Tasks.Task A_patient_answers_the_survey_with_the_keyboard_after_correcting_an_invalid_answer()
    {
        var (referralId, taskId, _) = await hub.AcceptedAsync(Journey.GiveEmail);
        var email = await hub.SurveyEmailAsync(referralId, e => e.Subject!.StartsWith("How are you doing?", StringComparison.Ordinal));
        var server = hub.Pages;
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        await page.GotoAsync(server.Local(SurveyLinks.Survey(email)!));
        Assert.Equal("How are you doing? Social prescribing follow-up", await page.Locator("h1").InnerTextAsync());

        // Every question is labelled for a screen reader, and every radio is a large touch target.
        Assert.Equal(0, await page.EvaluateAsync<int>("[...document.querySelectorAll('input[type=radio],input[type=text]')].filter(i => i.type !== 'hidden' && !document.querySelector(`label[for='${i.id}']`)).length"));
        Assert.Equal(0, await page.EvaluateAsync<int>("[...document.querySelectorAll('fieldset')].filter(f => !f.querySelector('legend')).length"));
        Assert.True(await page.EvaluateAsync<double>("Math.min(...[...document.querySelectorAll('input[type=radio]')].map(i => i.getBoundingClientRect().width))") >= 40);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artefacts, "survey-form.png"), FullPage = true });

        // Keyboard only: past the skip link into each question in turn; arrow keys choose within a radio group.
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to main content", await page.EvaluateAsync<string>("document.activeElement.textContent.trim()"));
        async System.Threading.Tasks.Task ChooseAsync(int position)
        {
            await page.Keyboard.PressAsync("Tab");
            if (position == 0)
            {
                await page.Keyboard.PressAsync("Space");
            }

            for (var i = 0; i < position; i++)
            {
                await page.Keyboard.PressAsync("ArrowRight");
            }
        }

        async System.Threading.Tasks.Task TypeAsync(string text)
        {
            await page.Keyboard.PressAsync("Tab");
            await page.Keyboard.TypeAsync(text);
        }

        await ChooseAsync(7);   // life satisfaction
        await ChooseAsync(8);   // worthwhile
        await ChooseAsync(6);   // happy yesterday
        await ChooseAsync(3);   // anxious yesterday
        await ChooseAsync(1);   // lack companionship: some of the time
        await ChooseAsync(0);   // left out: hardly ever
        await ChooseAsync(1);   // isolated: some of the time
        await TypeAsync("lots"); // GP appointments: not a number
        await TypeAsync("0");   // A&E
        await ChooseAsync(0);   // took part: yes
        await TypeAsync("6");   // sessions
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Send answers", await page.EvaluateAsync<string>("document.activeElement.textContent.trim()"));
        await page.Keyboard.PressAsync("Enter");

        await page.WaitForSelectorAsync(".nhsuk-error-summary");
        var summary = await page.Locator(".nhsuk-error-summary").InnerTextAsync();
        Assert.Contains("Enter a whole number from 0 to 99 for: How many GP appointments have you had in the last 3 months?", summary, StringComparison.Ordinal);
        Assert.Equal("7", await page.Locator("input[name='ons4-1']:checked").GetAttributeAsync("value"));   // nothing already answered is lost
        Assert.Equal("lots", await page.InputValueAsync("#gp-visits"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artefacts, "survey-form-error.png"), FullPage = true });

        await page.FocusAsync("#gp-visits");
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync("2");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForSelectorAsync("h1:has-text('Thank you')");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artefacts, "survey-received.png") });

        var response = await hub.ResponseAsync(referralId, "follow-up");
        Assert.True(response!.Complete);
        Assert.Equal(2m, response.Measures["gp-appointments-3m"]);
        Assert.Equal(7m, response.Measures["ons4-life-satisfaction"]);
        Assert.Equal(2m + 1m + 2m, response.Measures["ucla3-total"]);
        await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.Completed);
    }
}

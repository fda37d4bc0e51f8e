using Hub.LinkWork;
using Hub.Tests.Infrastructure;
using static Hub.Tests.LinkWork.EpisodeJourney;

namespace Hub.Tests.LinkWork;

/// <summary>On the plan's review date the service is emailed once, with a fresh link to the episode and nothing of the
/// person; a closed episode gets no reminder.</summary>
public sealed class EpisodeReviewTests(LinkWorkHub hub) : IClassFixture<LinkWorkHub>
{
    private List<RecordedEmail> Reminders() =>
        hub.Mail.Emails.Where(e => e.Subject?.StartsWith("A plan review is due", StringComparison.Ordinal) == true).ToList();

    [Fact]
    public async Task A_review_due_today_reminds_the_service_once_with_a_link_to_the_episode()
    {
        var (referralId, _, link) = await hub.LinkWorkerAcceptedAsync();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await RecordAsync(hub, link, "goal", ("goal-text", "Meet people weekly"), ("goal-importance", "9"), ("goal-confidence", "4"));
        Assert.Equal(200, (await RecordAsync(hub, link, "review-date", ("review-date", today.ToString("O", System.Globalization.CultureInfo.InvariantCulture)))).Answer.Status);
        var before = Reminders().Count;

        await hub.Get<EpisodeReviews>().RunAsync();
        await hub.Get<EpisodeReviews>().RunAsync();

        var sent = Reminders().Skip(before).ToList();
        var reminder = Assert.Single(sent);
        Assert.Equal(["alpha@providers.example.org"], reminder.To);
        Assert.DoesNotContain("Richard", reminder.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("Meet people", reminder.Body, StringComparison.Ordinal);
        var opened = await OpenAsync(hub, ProviderLinks.Find(reminder, "Open")!);
        Assert.Equal(200, opened.Status);
        Assert.Contains("Meet people weekly", opened.Body, StringComparison.Ordinal);
        Assert.Equal(today, (await hub.Get<EpisodeStore>().GetAsync(referralId))!.ReviewReminded);
        await hub.AuditWithAsync(referralId, EpisodeAudit.ReviewReminded);

        // Closed: no reminder for a later review.
        var (other, _, otherLink) = await hub.LinkWorkerAcceptedAsync();
        await RecordAsync(hub, otherLink, "review-date", ("review-date", today.ToString("O", System.Globalization.CultureInfo.InvariantCulture)));
        await RecordAsync(hub, otherLink, "close", ("close-reason", "referred-elsewhere"));
        await hub.Get<EpisodeReviews>().RunAsync();
        Assert.Null((await hub.Get<EpisodeStore>().GetAsync(other))!.ReviewReminded);
        Assert.Single(Reminders().Skip(before));
    }
}

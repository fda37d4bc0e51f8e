using System.Globalization;
using Hub.Access;
using Hub.Chase;
using Hub.Email;
using Hub.Providers;
using Hub.Referrals;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using static Hub.Platform.Http.HtmlPage;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.LinkWork;

/// <summary>Reminds a link-worker service that a plan's review is due: on the review date (UTC), one email to the
/// service's registered address with a fresh link to the episode (the activity and the practice only, nothing of the
/// person). Once per review date (the email's once-key and the episode's <c>ReviewReminded</c>); a new review date gets
/// its own reminder; a closed episode, an ended or withdrawn referral get none. A pass outside the orchestrations.</summary>
public sealed class EpisodeReviews(EpisodeStore episodes, ReferralDocuments documents, ReferralTaskProgress tasks, ProviderDirectory providers, SignedLinks links,
    EmailSender email, AuditTrail audit, IOptions<HandoverOptions> handover, TimeProvider time)
{
    /// <returns>How many reminders this pass sent (or found sent).</returns>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var reminded = 0;
        await foreach (var episode in episodes.OpenAsync(cancellationToken: cancellationToken))
        {
            if (episode.ReviewDate is not { } review || review > today || episode.ReviewReminded == review)
            {
                continue;
            }

            if (await documents.LoadAsync(episode.PracticeOds, episode.ReferralId, cancellationToken) is not { } loaded || loaded.Record.IsWithdrawn()
                || (await tasks.ReadAsync(episode.PracticeOds, episode.TaskId, cancellationToken))?.Status is not (FhirTask.TaskStatus.Accepted or FhirTask.TaskStatus.InProgress or FhirTask.TaskStatus.OnHold))
            {
                continue;
            }

            if (await providers.GetAsync(episode.ServiceId, cancellationToken) is not { Emails.Count: > 0 } service)
            {
                continue;
            }

            var lifetime = handover.Value.FreshLinkLifetime;
            var url = links.Url(EpisodeHttp.Route, links.Create(ChaseActivities.ProviderAudience, episode.ReferralId, service.Id, ProviderHandovers.HandoverAction, lifetime));
            var key = $"episode-review-{review:yyyyMMdd}";
            var outcome = await email.SendOnceAsync(episode.ReferralId, key, Reminder(service.Emails[0], service.Name, loaded.Document, review, url, now + lifetime), cancellationToken);
            if (outcome.Kind is EmailOutcomeKind.Sent or EmailOutcomeKind.AlreadySent)
            {
                await audit.AppendAsync(episode.ReferralId, EpisodeAudit.ReviewReminded, new AuditActor(AuditActorKind.Hub).Spelling, review.ToString("O", CultureInfo.InvariantCulture), key, cancellationToken);
                await episodes.MarkAsync(episode.ReferralId, reviewReminded: review, cancellationToken: cancellationToken);
                reminded++;
            }
        }

        return reminded;
    }

    public static EmailMessage Reminder(string to, string serviceName, ReferralDocument referral, DateOnly review, string url, DateTimeOffset expires)
    {
        var text =
            $"Dear {serviceName},\n\nThe care and support plan for a referral from {referral.PracticeName} ({referral.Activity}) is due for review on {review:d MMMM yyyy}.\n" +
            $"Review it with the person and record where the goals stand on the episode page:\n  Open: {url}\n\nThe link works until {expires:d MMMM yyyy}.\n";
        var html =
            $"<p>Dear {E(serviceName)},</p><p>The care and support plan for a referral from {E(referral.PracticeName)} ({E(referral.Activity)}) is due for review on {review:d MMMM yyyy}.</p>" +
            $"<p>Review it with the person and record where the goals stand on <a href=\"{E(url)}\">the episode page</a>.</p><p>The link works until {expires:d MMMM yyyy}.</p>";
        return new EmailMessage(to, serviceName, $"A plan review is due ({referral.Activity})", text, html);
    }
}

/// <summary>The review pass every day at 07:30 UTC.</summary>
public sealed class EpisodeReviewTimer(EpisodeReviews reviews)
{
    [Function("RemindEpisodeReviews")]
    public Task Run([TimerTrigger("0 30 7 * * *")] TimerInfo timer, CancellationToken cancellationToken) => reviews.RunAsync(cancellationToken);
}

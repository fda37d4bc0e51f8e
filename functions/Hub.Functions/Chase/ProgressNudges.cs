using Azure.Data.Tables;
using Hub.Access;
using Hub.Platform.Storage;
using Hub.Providers;
using Hub.Referrals;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Chase;

/// <summary>Nudges a provider that accepted and has reported nothing since: after <see cref="ProgressOptions.RemindAfter"/>
/// a reminder with a fresh handover link, after <see cref="ProgressOptions.TellReferrerAfter"/> the referrer is told. Each
/// goes once (its email's once-key); a referral that is withdrawn or has ended, or any report at all, stops it. Runs
/// outside the orchestrations (a pass over the accepted chases), so their history is untouched.</summary>
public sealed class ProgressNudges(HubTables tables, ProgressStore progress, ReferralDocuments documents, ReferralTaskProgress tasks, ProviderDirectory providers,
    SignedLinks links, ReferrerNews news, AuditTrail audit, IOptions<ProgressOptions> options, IOptions<HandoverOptions> handover, TimeProvider time)
{
    /// <returns>How many reminders and referrer emails this pass sent or found sent.</returns>
    public async Task<(int Reminded, int ReferrersTold)> RunAsync(CancellationToken cancellationToken = default)
    {
        var (reminded, told) = (0, 0);
        var now = time.GetUtcNow();
        var table = await tables.GetAsync(ChaseStore.Chases);
        var filter = TableClient.CreateQueryFilter($"RowKey eq {"state"} and Step eq {ChaseStage.Accepted.Value}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            var (referralId, practiceOds, providerId, acceptedAt) = (row.PartitionKey, row.GetString("PracticeOds"), row.GetString("CurrentProviderId"), row.GetDateTimeOffset("At") ?? now);
            var silentFor = now - acceptedAt;
            if (providerId is null || silentFor < options.Value.RemindAfter || (await progress.GetAsync(referralId, cancellationToken)).Reports > 0)
            {
                continue;
            }

            if (await documents.LoadAsync(practiceOds, referralId, cancellationToken) is not { } loaded || loaded.Record.IsWithdrawn())
            {
                continue;
            }

            var task = await tasks.ReadAsync(practiceOds, loaded.Record.TaskId, cancellationToken);
            if (task?.Status is not (FhirTask.TaskStatus.Accepted or FhirTask.TaskStatus.InProgress))
            {
                continue;
            }

            var provider = await providers.GetAsync(providerId, cancellationToken);
            if (provider is { Emails.Count: > 0 })
            {
                var lifetime = handover.Value.FreshLinkLifetime;
                var url = links.Url(ProviderHandoverHttp.Route, links.Create(ChaseActivities.ProviderAudience, referralId, providerId, ProviderHandovers.HandoverAction, lifetime));
                var key = $"progress-reminder-{providerId}";
                await news.SendOnceAsync(referralId, key, ChaseEmails.ProgressReminder(provider.Emails[0], provider.Name, loaded.Document, url, now + lifetime));
                await audit.AppendAsync(referralId, ChaseAudit.ProgressReminded(providerId, key), cancellationToken);
                reminded++;
            }

            if (silentFor >= options.Value.TellReferrerAfter)
            {
                var name = provider?.Name ?? "The provider";
                await news.TellAsync(new ReferralOrchestrationInput(referralId, practiceOds, loaded.Record.TaskId), loaded.Document,
                    new ReferrerUpdate($"progress-silent-{providerId}", $"No news yet from {name}",
                        $"{name} accepted the referral {(int)silentFor.TotalDays} days ago and has not reported any contact or sessions since. You may want to contact them."));
                await audit.AppendAsync(referralId, ChaseAudit.ProgressEscalated(providerId), cancellationToken);
                told++;
            }
        }

        return (reminded, told);
    }
}

/// <summary>The nudge pass every hour (at a quarter past).</summary>
public sealed class ProgressNudgeTimer(ProgressNudges nudges)
{
    [Function("NudgeSilentProviders")]
    public Task Run([TimerTrigger("0 15 * * * *")] TimerInfo timer, CancellationToken cancellationToken) => nudges.RunAsync(cancellationToken);
}

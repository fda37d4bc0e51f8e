using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Hub.Platform.Storage;
using Hub.Platform.Telemetry;
using Hub.Referrals;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hub.Chase;

/// <summary>What one run of the webhook timer did.</summary>
public sealed record ProviderWebhookRun(int Made, int Delivered, int Failed, int GivenUp);

/// <summary>The provider webhooks' outbox (table <see cref="Table"/>, one partition per HealthcareService, one row per
/// notification). Each run first turns the Task changes marked for providers with a webhook (<see cref="TaskStore.ChangesTable"/>,
/// written before the Task itself) into notifications: one per Task version, its id <c>{taskId}.{version}</c>, added once
/// however often the change is seen. Then it posts every notification that is due, signed
/// (<see cref="ProviderWebhookSignature"/>), and on anything but a 2xx tries again after a wait that doubles from
/// <see cref="ProviderWebhookOptions.FirstRetryAfter"/> up to <see cref="ProviderWebhookOptions.LongestRetryAfter"/>, until
/// <see cref="ProviderWebhookOptions.GiveUpAfter"/> after it was made: then it is recorded <c>given-up</c>, counted and
/// logged (ids only). Everything is in tables, so a restart loses nothing; a crash between a 2xx and its recording posts
/// the same notification (same id) again, so receivers keep the ids they have handled.</summary>
public sealed class ProviderWebhookOutbox(HubTables tables, TaskStore tasks, ProviderWebhooks webhooks, IHttpClientFactory httpClients, FhirSerializer fhir,
    TimeProvider time, IOptions<ProviderWebhookOptions> options, ILogger<ProviderWebhookOutbox> logger)
{
    public const string Table = "ProviderWebhookOutbox";

    /// <summary>What the hub last told each provider of each Task (partition the provider, row the Task).</summary>
    public const string TasksTable = "ProviderWebhookTasks";

    public const string HttpClientName = "provider-webhooks";

    /// <summary>The topic the notifications are about (the Subscriptions backport's <c>topic</c>).</summary>
    public const string Topic = FhirCodes.HubBase + "/SubscriptionTopic/provider-task";

    public const string EventExtension = FhirCodes.HubBase + "/StructureDefinition/provider-task-event";

    private static readonly Meter Meter = new(HubTelemetry.Name);
    private static readonly Counter<long> Delivered = Meter.CreateCounter<long>("hub.webhooks.delivered", description: "Provider webhook notifications answered with a 2xx");
    private static readonly Counter<long> Failed = Meter.CreateCounter<long>("hub.webhooks.failed", description: "Provider webhook attempts that failed (tried again later)");
    private static readonly Counter<long> GivenUp = Meter.CreateCounter<long>("hub.webhooks.given_up", description: "Provider webhook notifications given up");

    public async Task<ProviderWebhookRun> RunAsync(CancellationToken cancellationToken = default)
    {
        var made = await MakeAsync(cancellationToken);
        var (delivered, failed, givenUp) = await DeliverAsync(cancellationToken);
        return new ProviderWebhookRun(made, delivered, failed, givenUp);
    }

    /// <summary>The notifications of a provider, newest last (for the admin's view and tests).</summary>
    public async Task<IReadOnlyList<TableEntity>> OfAsync(string providerId, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(providerId))
        {
            return [];
        }

        var outbox = await tables.GetAsync(Table);
        var rows = new List<TableEntity>();
        await foreach (var row in outbox.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {providerId}"), cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        return rows.OrderBy(r => r.GetDateTimeOffset("MadeAt")).ToList();
    }

    /// <summary>What a Task's state means to a provider, or null when there is nothing to tell it.</summary>
    /// <param name="held">The hub has seen this provider hold the Task before (so losing it is news).</param>
    /// <param name="acceptedTold">The provider has been told of its acceptance: later changes are updates (several
    /// changes between two runs make one notification, so the acceptance is told by the first one after it).</param>
    public static ProviderWebhookEvent? EventFor(string providerId, string json, bool held, bool acceptedTold = false)
    {
        if (TaskStore.OwnerOf(json) != providerId)
        {
            return held ? ProviderWebhookEvent.Withdrawn : null;
        }

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var status = root.TryGetProperty("status", out var s) ? s.GetString() : null;
        var business = root.TryGetProperty("businessStatus", out var b) && b.TryGetProperty("coding", out var codings) && codings.GetArrayLength() > 0
                       && codings[0].TryGetProperty("code", out var code) ? code.GetString() : null;
        if (business == TaskBusinessStatus.Withdrawn.Spelling())
        {
            return ProviderWebhookEvent.Withdrawn;
        }

        if (status is "completed" or "failed" or "rejected" or "cancelled" or "entered-in-error")
        {
            return ProviderWebhookEvent.Ended;
        }

        if (!acceptedTold && status is "accepted" or "in-progress" or "on-hold")
        {
            return ProviderWebhookEvent.Accepted;
        }

        return StoredSpelling.ParseOrNull<TaskBusinessStatus>(business) switch
        {
            TaskBusinessStatus.AwaitingProvider => ProviderWebhookEvent.Offered,
            TaskBusinessStatus.ProviderReminded => ProviderWebhookEvent.Reminded,
            TaskBusinessStatus.Accepted => ProviderWebhookEvent.Accepted,
            _ => ProviderWebhookEvent.Updated,
        };
    }

    /// <summary>The notification's body: the Subscriptions backport's id-only <c>history</c> Bundle, whose one entry is
    /// the SubscriptionStatus (Parameters) with a <c>notification-event</c> naming the Task as its focus, and the hub's
    /// event as an extension. No resource, no personal data: the receiver reads the Task with its provider key.</summary>
    public static Bundle Notification(string providerId, string notificationId, string taskId, ProviderWebhookEvent what, DateTimeOffset madeAt)
    {
        var focus = new ResourceReference($"Task/{taskId}");
        var notificationEvent = new Parameters.ParameterComponent
        {
            Name = "notification-event",
            Part =
            [
                new Parameters.ParameterComponent { Name = "event-number", Value = new FhirString(notificationId) },
                new Parameters.ParameterComponent { Name = "timestamp", Value = new Instant(madeAt) },
                new Parameters.ParameterComponent { Name = "focus", Value = focus },
            ],
        };
        notificationEvent.Extension.Add(new Extension(EventExtension, new Code(what.Spelling())));
        var status = new Parameters
        {
            Id = notificationId,
            Meta = new Meta { Profile = ["http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4"] },
            Parameter =
            [
                new Parameters.ParameterComponent { Name = "subscription", Value = new ResourceReference($"Subscription/{providerId}") },
                new Parameters.ParameterComponent { Name = "topic", Value = new Canonical(Topic) },
                new Parameters.ParameterComponent { Name = "status", Value = new Code("active") },
                new Parameters.ParameterComponent { Name = "type", Value = new Code("event-notification") },
                notificationEvent,
            ],
        };
        return new Bundle
        {
            Id = notificationId,
            Type = Bundle.BundleType.History,
            Timestamp = madeAt,
            Entry =
            [
                new Bundle.EntryComponent
                {
                    // The same for every attempt at one notification, so each attempt sends the same body.
                    FullUrl = $"urn:uuid:{new Guid(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(notificationId)).AsSpan(0, 16))}",
                    Resource = status,
                    Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.GET, Url = $"Subscription/{providerId}/$status" },
                    Response = new Bundle.ResponseComponent { Status = "200" },
                },
            ],
        };
    }

    /// <summary>Pending changes to notifications. What the hub last told a provider of a Task is kept in
    /// <see cref="TasksTable"/> (the version, whether it has held it, whether its acceptance was told); a pending change is
    /// deleted (ETag-conditional, so a newer one stays) once its notification is in the outbox, or at once when its
    /// provider has no webhook.</summary>
    private async Task<int> MakeAsync(CancellationToken cancellationToken)
    {
        var changes = await tables.GetAsync(TaskStore.ChangesTable);
        var told = await tables.GetAsync(TasksTable);
        var outbox = await tables.GetAsync(Table);
        var hooks = new Dictionary<string, ProviderWebhook?>(StringComparer.Ordinal);
        var now = time.GetUtcNow();
        var made = 0;
        var seen = 0;
        await foreach (var mark in changes.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {TaskStore.ChangesPartition}"), cancellationToken: cancellationToken))
        {
            if (++seen > options.Value.PerRun)
            {
                break;
            }

            var providerId = mark.GetString("ProviderId");
            var taskId = mark.GetString("TaskId");
            if (!TableKeys.IsSafe(providerId) || !TableKeys.IsSafe(taskId))
            {
                await DoneAsync(changes, mark, cancellationToken);
                continue;
            }

            if (!hooks.TryGetValue(providerId, out var hook))
            {
                hooks[providerId] = hook = await webhooks.GetAsync(providerId, cancellationToken);
            }

            if (hook is null)
            {
                // Nobody to tell.
                await DoneAsync(changes, mark, cancellationToken);
                continue;
            }

            var stored = await tasks.GetAsync(mark.GetString("PracticeOds") ?? string.Empty, taskId, cancellationToken);
            var settled = now - (mark.Timestamp ?? now) > options.Value.SettleWithin;
            if (stored is null)
            {
                if (settled)
                {
                    await DoneAsync(changes, mark, cancellationToken);
                }

                continue;
            }

            var version = TaskStore.VersionOf(stored.Json);
            if (Number(version) < Number(mark.GetString("MarkedVersion")) && !settled)
            {
                // The write this mark announces has not landed yet: look again next run.
                continue;
            }

            var state = (await told.GetEntityIfExistsAsync<TableEntity>(providerId, taskId, cancellationToken: cancellationToken)) is { HasValue: true } row
                ? row.Value!
                : new TableEntity(providerId, taskId);
            var held = state.GetBoolean("Held") ?? false;
            var acceptedTold = state.GetBoolean("AcceptedTold") ?? false;
            if (version != state.GetString("NotifiedVersion") && EventFor(providerId, stored.Json, held, acceptedTold) is { } what)
            {
                acceptedTold |= what == ProviderWebhookEvent.Accepted;
                try
                {
                    await outbox.AddEntityAsync(new TableEntity(providerId, $"{stored.TaskId}.{version}")
                    {
                        ["TaskId"] = stored.TaskId,
                        ["ReferralId"] = stored.ReferralId,
                        ["Event"] = what.Spelling(),
                        ["State"] = ProviderWebhookState.Waiting.Spelling(),
                        ["Attempts"] = 0,
                        ["MadeAt"] = now,
                        ["NextAttempt"] = now,
                    }, cancellationToken);
                    made++;
                }
                catch (RequestFailedException ex) when (ex.Status == 409)
                {
                    // Made by an earlier run that stopped before taking the change.
                }

                state["NotifiedVersion"] = version;
            }

            state["Held"] = held || TaskStore.OwnerOf(stored.Json) == providerId;
            state["AcceptedTold"] = acceptedTold;
            await told.UpsertEntityAsync(state, TableUpdateMode.Replace, cancellationToken);
            await DoneAsync(changes, mark, cancellationToken);
        }

        return made;
    }

    private static async System.Threading.Tasks.Task DoneAsync(TableClient changes, TableEntity mark, CancellationToken cancellationToken)
    {
        try
        {
            await changes.DeleteEntityAsync(mark.PartitionKey, mark.RowKey, mark.ETag, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Marked again meanwhile (the next run takes the newer change), or taken already.
        }
    }

    private async Task<(int Delivered, int Failed, int GivenUp)> DeliverAsync(CancellationToken cancellationToken)
    {
        var outbox = await tables.GetAsync(Table);
        var now = time.GetUtcNow();
        var filter = TableClient.CreateQueryFilter($"State eq {ProviderWebhookState.Waiting.Spelling()} and NextAttempt le {now}");
        var due = new List<TableEntity>();
        await foreach (var row in outbox.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            due.Add(row);
            if (due.Count >= options.Value.PerRun)
            {
                break;
            }
        }

        var (delivered, failed, givenUp) = (0, 0, 0);
        foreach (var row in due)
        {
            switch (await DeliverAsync(outbox, row, cancellationToken))
            {
                case ProviderWebhookState.Delivered:
                    delivered++;
                    break;
                case ProviderWebhookState.GivenUp:
                    givenUp++;
                    break;
                case ProviderWebhookState.Waiting:
                    failed++;
                    break;
            }
        }

        return (delivered, failed, givenUp);
    }

    /// <summary>One attempt: claimed first (the attempt counted and the next one scheduled, ETag-conditional, so two
    /// runs never post it at once), then posted, then recorded.</summary>
    private async Task<ProviderWebhookState?> DeliverAsync(TableClient outbox, TableEntity row, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var providerId = row.PartitionKey;
        var madeAt = row.GetDateTimeOffset("MadeAt") ?? now;
        var attempts = row.GetInt32("Attempts") ?? 0;
        var hook = await webhooks.GetAsync(providerId, cancellationToken);
        if (hook is null || now - madeAt > options.Value.GiveUpAfter)
        {
            row["State"] = ProviderWebhookState.GivenUp.Spelling();
            row["GivenUpAt"] = now;
            row["GivenUpBecause"] = hook is null ? "no-webhook" : "too-long";
            if (!await TryUpdateAsync(outbox, row, cancellationToken))
            {
                return null;
            }

            GivenUp.Add(1);
            logger.LogError("Provider webhook notification {NotificationId} for HealthcareService {ProviderId} given up after {Attempts} attempts ({Because})",
                row.RowKey, providerId, attempts, row.GetString("GivenUpBecause"));
            return ProviderWebhookState.GivenUp;
        }

        var wait = TimeSpan.FromTicks(Math.Min(options.Value.LongestRetryAfter.Ticks, options.Value.FirstRetryAfter.Ticks * (1L << Math.Min(attempts, 30))));
        row["Attempts"] = attempts + 1;
        row["NextAttempt"] = now + wait;
        if (!await TryUpdateAsync(outbox, row, cancellationToken))
        {
            return null;
        }

        var what = StoredSpelling.ParseOrNull<ProviderWebhookEvent>(row.GetString("Event")) ?? ProviderWebhookEvent.Updated;
        var body = Encoding.UTF8.GetBytes(fhir.Serialize(Notification(providerId, row.RowKey, row.GetString("TaskId"), what, madeAt), FhirFormat.Json));
        int? status = null;
        try
        {
            var http = httpClients.CreateClient(HttpClientName);
            http.Timeout = options.Value.Timeout;
            using var request = new HttpRequestMessage(HttpMethod.Post, hook.Endpoint) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/fhir+json") { CharSet = "utf-8" };
            request.Headers.Add(ProviderWebhookSignature.Header, ProviderWebhookSignature.Sign(hook.Secret, time.GetUtcNow(), body));
            request.Headers.Add(ProviderWebhookSignature.IdHeader, row.RowKey);
            using var response = await http.SendAsync(request, cancellationToken);
            status = (int)response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Down, refused or too slow: tried again at NextAttempt.
        }

        row["LastStatus"] = status;
        if (status is >= 200 and < 300)
        {
            row["State"] = ProviderWebhookState.Delivered.Spelling();
            row["DeliveredAt"] = time.GetUtcNow();
        }

        await outbox.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Merge, cancellationToken);
        if (status is >= 200 and < 300)
        {
            Delivered.Add(1);
            return ProviderWebhookState.Delivered;
        }

        Failed.Add(1);
        logger.LogWarning("Provider webhook notification {NotificationId} for HealthcareService {ProviderId}: attempt {Attempt} answered {Status}; next at {NextAttempt}",
            row.RowKey, providerId, attempts + 1, status?.ToString(CultureInfo.InvariantCulture) ?? "nothing", row.GetDateTimeOffset("NextAttempt"));
        return ProviderWebhookState.Waiting;
    }

    private static async Task<bool> TryUpdateAsync(TableClient outbox, TableEntity row, CancellationToken cancellationToken)
    {
        try
        {
            var response = await outbox.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Merge, cancellationToken);
            row.ETag = response.Headers.ETag ?? row.ETag;
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return false;
        }
    }

    private static long Number(string? version) => long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
}

/// <summary>Runs the provider webhooks' outbox every minute.</summary>
public sealed class ProviderWebhookTimer(ProviderWebhookOutbox outbox)
{
    [Function("DeliverProviderWebhooks")]
    public System.Threading.Tasks.Task Run([TimerTrigger("0 * * * * *")] TimerInfo timer, CancellationToken cancellationToken) => outbox.RunAsync(cancellationToken);
}

using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Hl7.Fhir.Model;
using Hub.Chase;
using Hub.FollowUp;
using Hub.Intake;
using Hub.Platform.Fhir;
using Hub.Platform.Storage;
using Hub.Platform.Telemetry;
using Hub.Providers;
using Hub.Referrals;
using Hub.WriteBack;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.LinkWork;

/// <summary>Where an onward connection stood when the episode closed, as the GP record gets it (the hub's CodeSystem
/// <see cref="EpisodeGpEntries.ConnectionOutcomeSystem"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConnectionOutcome>))]
public enum ConnectionOutcome
{
    /// <summary>No provider has accepted yet (the Task requested or received).</summary>
    [JsonStringEnumMemberName("awaiting-provider")] AwaitingProvider,
    /// <summary>A provider accepted; the person has not started yet.</summary>
    [JsonStringEnumMemberName("accepted")] Accepted,
    /// <summary>The person took it up: a first session or sessions reported, or the provider finished the work.</summary>
    [JsonStringEnumMemberName("taken-up")] TakenUp,
    /// <summary>No provider could take it, the person declined, the provider stopped, or it was withdrawn.</summary>
    [JsonStringEnumMemberName("not-taken-up")] NotTakenUp,
}

/// <summary>One onward connection of the episode for the GP record: the child referral, the activity asked for (the
/// hub's activity-category code, when it named one) and where it stood.</summary>
public sealed record DischargeConnection(string ReferralId, string? ActivityCode, ConnectionOutcome Outcome);

/// <summary>The discharge message as coded entries for the GP record, one transaction of conditional creates
/// (<see cref="OutcomeResources.Transaction"/>: <c>ifNoneExist</c> on the hub's identifiers, so it is written once however
/// often it is sent). All are Observations (<c>status</c> final, <c>category</c> social-history, <c>subject</c> the person by
/// NHS number, <c>basedOn</c> the referral by the GP system's identifier, <c>performer</c> the link-worker service):
/// <list type="bullet">
/// <item><c>{referralId}-discharge</c>: code <c>episode-closed</c>, value the close reason
/// (<see cref="EpisodeCodes.CloseReasonSystem"/>), effective the close; components: contacts, their minutes, plan actions
/// offered and done, connections offered and taken up. Its note, the narrative summary, only with consent.</item>
/// <item><c>{referralId}-discharge-goal-{n}</c>: code <c>plan-goal</c>, value the goal's achievement
/// (http://terminology.hl7.org/CodeSystem/goal-achievement); components importance and confidence (1–10); the goal's
/// words as its note only with consent.</item>
/// <item><c>{referralId}-discharge-connection-{childReferralId}</c>: code <c>onward-connection</c>, value
/// <see cref="ConnectionOutcome"/>; a component naming the activity (hub activity-category code).</item>
/// <item>each wellbeing assessment: the same QuestionnaireResponse and Observations the hub serves
/// (<see cref="EpisodeAssessments.Resources"/>), as the follow-up's are written.</item>
/// </list>
/// No national SNOMED CT concept for a link worker's discharge, a plan goal or a connection's outcome could be confirmed
/// in a terminology source (DESIGN.md lists none), so these are the hub's own concepts; never the referral's
/// 871731000000106 (counted once per episode for the PCN indicator). A person's decline already reaches the record as
/// SNOMED CT 871711000000103 through the provider's progress write (<see cref="GpProgressWrites"/>).</summary>
public static class EpisodeGpEntries
{
    public const string IdSystem = FhirCodes.HubBase + "/Id/link-worker-discharge";

    public const string System = FhirCodes.HubBase + "/CodeSystem/link-worker-discharge";

    public const string ConnectionOutcomeSystem = FhirCodes.HubBase + "/CodeSystem/onward-connection-outcome";

    public static string DischargeId(string referralId) => $"{referralId}-discharge";

    public static Bundle Build(Episode episode, ReferralRecord record, ReferralDocument document, Provider? service, IReadOnlyList<DischargeConnection> connections,
        EpisodeAssessments assessments)
    {
        var nhs = document.NhsNumber ?? throw new InvalidOperationException($"Referral {record.ReferralId} has no NHS number to write its discharge under.");
        var gpIdentifier = new Identifier(record.IdentifierSystem, record.IdentifierValue);
        var at = episode.ClosedAt ?? episode.Updated ?? episode.Started;
        var performer = CarePlanResources.Author(episode, service);
        var consent = document.HasConsent;
        var reason = episode.Closed ?? EpisodeCloseReason.GoalsMet;
        var bundle = new Bundle { Type = Bundle.BundleType.Collection };

        Observation Entry(string id, string code, string display, DataType value)
        {
            var observation = new Observation
            {
                Id = id,
                Identifier = [new Identifier(IdSystem, id)],
                Status = ObservationStatus.Final,
                Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "social-history", "Social History")],
                Code = new CodeableConcept(System, code, display, null),
                Subject = new ResourceReference { Type = "Patient", Identifier = new Identifier(FhirCodes.NhsNumberSystem, nhs) },
                BasedOn = [new ResourceReference($"ServiceRequest/{record.ReferralId}") { Type = "ServiceRequest", Identifier = (Identifier)gpIdentifier.DeepCopy() }],
                Effective = new FhirDateTime(at),
                Issued = at,
                Performer = [(ResourceReference)performer.DeepCopy()],
                Value = value,
            };
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"Observation/{id}", Resource = observation });
            return observation;
        }

        static Observation.ComponentComponent Count(string code, string display, int value) =>
            new() { Code = new CodeableConcept(System, code, display, null), Value = new Integer(value) };

        var closed = Entry(DischargeId(record.ReferralId), "episode-closed", "Social prescribing link worker support ended",
            new CodeableConcept(EpisodeCodes.CloseReasonSystem, reason.Spelling(), reason.Label(), null));
        closed.Component.Add(Count("contacts", "Contacts with the person", episode.Contacts.Count));
        closed.Component.Add(new Observation.ComponentComponent
        {
            Code = new CodeableConcept(System, "contact-minutes", "Time in contacts with the person", null),
            Value = new Quantity(episode.Contacts.Sum(c => c.Minutes), "min", "http://unitsofmeasure.org") { Unit = "min" },
        });
        closed.Component.Add(Count("plan-actions", "Actions of the plan offered", episode.Actions));
        closed.Component.Add(Count("plan-actions-done", "Actions of the plan done", episode.Goals.Sum(g => g.Actions.Count(a => a.Status == PlanActionStatus.Completed))));
        closed.Component.Add(Count("connections-offered", "Onward connections offered", connections.Count));
        closed.Component.Add(Count("connections-taken-up", "Onward connections taken up", connections.Count(c => c.Outcome == ConnectionOutcome.TakenUp)));
        if (consent)
        {
            closed.Note.Add(new Annotation { Text = Summary(episode, reason, connections) });
        }

        foreach (var goal in episode.Goals)
        {
            var entry = Entry($"{record.ReferralId}-discharge-goal-{goal.Number}", "plan-goal", "Personalised care and support plan goal",
                new CodeableConcept(EpisodeCodes.GoalAchievementSystem, goal.Progress.Spelling(), goal.Progress.Label(), null));
            entry.Component.Add(Count("goal-importance", "Importance of the goal to the person (1-10)", goal.Importance));
            entry.Component.Add(Count("goal-confidence", "The person's confidence of reaching the goal (1-10)", goal.Confidence));
            if (consent)
            {
                entry.Note.Add(new Annotation { Text = goal.Text });
            }
        }

        foreach (var connection in connections)
        {
            var entry = Entry($"{record.ReferralId}-discharge-connection-{connection.ReferralId}", "onward-connection", "Onward connection to a community activity",
                new CodeableConcept(ConnectionOutcomeSystem, connection.Outcome.Spelling(), Label(connection.Outcome), null));
            if (connection.ActivityCode is { } activity)
            {
                entry.Component.Add(new Observation.ComponentComponent
                {
                    Code = new CodeableConcept(System, "activity", "Activity offered", null),
                    Value = new CodeableConcept(ActivityCategories.System, activity),
                });
            }
        }

        foreach (var assessment in episode.Taken)
        {
            bundle.Entry.AddRange(assessments.Resources(episode, assessment, record, document, service)
                .Select(r => new Bundle.EntryComponent { FullUrl = $"{r.TypeName}/{r.Id}", Resource = r }));
        }

        return bundle;
    }

    private static string Summary(Episode episode, EpisodeCloseReason reason, IReadOnlyList<DischargeConnection> connections)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Link worker support ended: {reason.Label().ToLowerInvariant()}. {episode.Contacts.Count} contact(s), {episode.Contacts.Sum(c => c.Minutes)} minutes.\n");
        if (episode.WhatMatters is { } matters)
        {
            text.Append(CultureInfo.InvariantCulture, $"What matters to the person: {matters}\n");
        }

        foreach (var goal in episode.Goals)
        {
            text.Append(CultureInfo.InvariantCulture, $"Goal {goal.Number}: {goal.Text} (importance {goal.Importance}/10, confidence {goal.Confidence}/10): {goal.Progress.Label().ToLowerInvariant()}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"Onward connections: {connections.Count} offered, {connections.Count(c => c.Outcome == ConnectionOutcome.TakenUp)} taken up.");
        return text.ToString();
    }

    public static string Label(ConnectionOutcome outcome) => outcome switch
    {
        ConnectionOutcome.AwaitingProvider => "Awaiting a provider",
        ConnectionOutcome.Accepted => "Accepted by the provider",
        ConnectionOutcome.TakenUp => "Taken up",
        ConnectionOutcome.NotTakenUp => "Not taken up",
        _ => outcome.ToString(),
    };

    /// <summary>Where a connection stands from its Task and its provider's reports.</summary>
    public static ConnectionOutcome OutcomeOf(FhirTask? task, ProgressState progress)
    {
        if (progress.FirstSession is not null || progress.Sessions > 0 || progress.Last == ProgressReport.Finished)
        {
            return ConnectionOutcome.TakenUp;
        }

        return task?.Status switch
        {
            FhirTask.TaskStatus.Accepted or FhirTask.TaskStatus.InProgress or FhirTask.TaskStatus.OnHold => ConnectionOutcome.Accepted,
            FhirTask.TaskStatus.Completed => ConnectionOutcome.TakenUp,
            FhirTask.TaskStatus.Rejected or FhirTask.TaskStatus.Cancelled or FhirTask.TaskStatus.Failed or FhirTask.TaskStatus.EnteredInError => ConnectionOutcome.NotTakenUp,
            _ => ConnectionOutcome.AwaitingProvider,
        };
    }
}

/// <summary>The discharge's coded entries written to the GP record from an outbox (table <see cref="Table"/>, one row per
/// referral, added once when the episode closes, only for a practice with a write-back endpoint): tried by the timer at
/// once, again with a backoff that doubles from <see cref="WriteBackOptions.ProgressFirstRetryAfter"/> while the practice's
/// server is unreachable, recorded <c>unreachable</c> after <see cref="WriteBackOptions.ProgressGiveUpAfter"/>; a refusal
/// is recorded <c>refused</c> at once with the server's reasons (kept on the row, never in logs). Both are audited
/// <c>write-back-parked</c> (outcome <c>episode-discharge:{state}</c>), logged as errors and counted, as the provider's
/// progress points are. Written is audited <c>written-back</c> (outcome <c>episode-discharge</c>), once.</summary>
public sealed partial class EpisodeWriteBacks(HubTables tables, GpRecordWriter gpRecord, EpisodeStore episodes, ReferralDocuments documents, ProviderDirectory providers,
    OnwardReferralIndex onward, ReferralTaskProgress tasks, ProgressStore progress, EpisodeAssessments assessments, GpWriteOutbox outbox,
    ILogger<EpisodeWriteBacks> logger)
{
    public const string Table = "EpisodeWriteBacks";
    private const string Row = "discharge";
    public const string Kind = "episode-discharge";

    /// <summary>Queues the discharge for the GP record, once; false when the practice has no write-back endpoint.</summary>
    public async Task<bool> QueueAsync(Episode episode, CancellationToken cancellationToken = default)
    {
        if (!gpRecord.HasEndpoint(episode.PracticeOds) || !TableKeys.IsSafe(episode.ReferralId))
        {
            return false;
        }

        var table = await tables.GetAsync(Table);
        try
        {
            var row = outbox.NewRow(episode.ReferralId, Row);
            row["PracticeOds"] = episode.PracticeOds;
            await table.AddEntityAsync(row, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Queued by an earlier application of the same close.
        }

        return true;
    }

    /// <summary>Where a referral's discharge write stands, and the server's reasons for a refusal; null when never queued.</summary>
    public async Task<(WriteBackState State, string? Detail)?> StateAsync(string referralId, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(referralId))
        {
            return null;
        }

        var table = await tables.GetAsync(Table);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(referralId, Row, cancellationToken: cancellationToken);
        return row.HasValue && StoredSpelling.ParseOrNull<WriteBackState>(row.Value!.GetString("State")) is { } state ? (state, row.Value.GetString("Detail")) : null;
    }

    /// <summary>An operator's retry of a refused or unreachable discharge, once its cause is fixed: pending again, tried by
    /// the next pass with a fresh give-up clock. False when nothing is parked (never queued, pending or written).</summary>
    public async Task<bool> RetryAsync(string referralId, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(referralId))
        {
            return false;
        }

        var table = await tables.GetAsync(Table);
        var found = await table.GetEntityIfExistsAsync<TableEntity>(referralId, Row, cancellationToken: cancellationToken);
        if (!found.HasValue || !GpWriteOutbox.IsParked(StoredSpelling.ParseOrNull<WriteBackState>(found.Value!.GetString("State"))))
        {
            return false;
        }

        var row = found.Value!;
        outbox.Requeue(row);
        try
        {
            await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            // Another retry got there first: it is pending either way.
        }

        return true;
    }

    /// <summary>Writes every discharge that is due; how many were written.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var written = 0;
        foreach (var row in await outbox.DueAsync(table, 100, cancellationToken))
        {
            written += await WriteAsync(table, row, cancellationToken) ? 1 : 0;
        }

        return written;
    }

    /// <summary>The onward connections the service made from the referral, each with where it stood.</summary>
    public async Task<IReadOnlyList<DischargeConnection>> ConnectionsAsync(Episode episode, CancellationToken cancellationToken = default)
    {
        var connections = new List<DischargeConnection>();
        foreach (var child in await onward.ChildrenAsync(episode.ReferralId, cancellationToken))
        {
            if (child.PracticeOds != episode.PracticeOds || child.RequesterId != episode.ServiceId)
            {
                continue;
            }

            var task = await tasks.ReadAsync(child.PracticeOds, child.TaskId, cancellationToken);
            var state = await progress.GetAsync(child.ReferralId, cancellationToken);
            var activity = (await documents.LoadAsync(child.PracticeOds, child.ReferralId, cancellationToken))?.Document.ServiceRequest.Code?.Coding
                .FirstOrDefault(c => c.System == ActivityCategories.System)?.Code;
            connections.Add(new DischargeConnection(child.ReferralId, activity, EpisodeGpEntries.OutcomeOf(task, state)));
        }

        return connections;
    }

    private async Task<bool> WriteAsync(TableClient table, TableEntity row, CancellationToken cancellationToken)
    {
        var referralId = row.PartitionKey;
        var practiceOds = row.GetString("PracticeOds");
        if (await outbox.ClaimAsync(table, row, cancellationToken) is not { } attempt)
        {
            return false;
        }

        var episode = await episodes.GetAsync(referralId, cancellationToken);
        var loaded = await documents.LoadAsync(practiceOds, referralId, cancellationToken);
        if (episode is not { IsClosed: true } || loaded is not { } referral || referral.Document.NhsNumber is null)
        {
            return await SettleAsync(table, row, WriteBackState.Refused, "The closed episode, the referral or its NHS number is missing.", cancellationToken);
        }

        var service = await providers.GetAsync(episode.ServiceId, cancellationToken);
        var entries = EpisodeGpEntries.Build(episode, referral.Record, referral.Document, service, await ConnectionsAsync(episode, cancellationToken), assessments);
        GpWriteResult result;
        try
        {
            result = await gpRecord.WriteAsync(practiceOds, OutcomeResources.Transaction(entries), cancellationToken);
        }
        catch (PracticeUnavailableException ex)
        {
            HubTelemetry.WriteBackFailures.Add(1, new KeyValuePair<string, object?>("reason", "unavailable"));
            if (attempt.IsLast)
            {
                return await SettleAsync(table, row, WriteBackState.Unreachable, WriteBackSteps.Shorten(ex.Message), cancellationToken);
            }

            LogRetrying(logger, referralId, attempt.Number);
            return false;
        }

        return result.State switch
        {
            WriteBackState.Written => await SettleAsync(table, row, WriteBackState.Written, null, cancellationToken),
            WriteBackState.NoEndpoint => await SettleAsync(table, row, WriteBackState.NoEndpoint, null, cancellationToken),
            _ => await SettleAsync(table, row, WriteBackState.Refused, WriteBackSteps.Shorten(result.Detail), cancellationToken),
        };
    }

    private async Task<bool> SettleAsync(TableClient table, TableEntity row, WriteBackState state, string? detail, CancellationToken cancellationToken)
    {
        var written = await outbox.SettleAsync(table, row, state, detail, Kind, cancellationToken);
        if (GpWriteOutbox.IsParked(state))
        {
            HubTelemetry.WriteBackFailures.Add(1, new KeyValuePair<string, object?>("reason", $"parked-{state.Spelling()}"));
            LogParked(logger, row.PartitionKey, state.Spelling());
        }

        return written;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the discharge of referral {ReferralId} to the practice failed (attempt {Attempt}); it is tried again")]
    private static partial void LogRetrying(ILogger logger, string referralId, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "The discharge of referral {ReferralId} was not written to the GP record ({State}); the reason is stored with it")]
    private static partial void LogParked(ILogger logger, string referralId, string state);
}

/// <summary>An operator retries a refused or unreachable discharge write (admin level): <c>202</c> and tried within the
/// minute; <c>409</c> when nothing is parked.</summary>
public sealed class EpisodeWriteBackRetryHttp(EpisodeWriteBacks writes)
{
    [Function("RetryEpisodeDischargeWriteBack")]
    public async Task<Microsoft.AspNetCore.Mvc.IActionResult> Retry(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/episodes/{id}/write-back/retry")] Microsoft.AspNetCore.Http.HttpRequest request, string id) =>
        await writes.RetryAsync(id, request.HttpContext.RequestAborted)
            ? Hub.Platform.Http.JsonBody.Result(202, new { referralId = id, retrying = true })
            : Hub.Platform.Http.JsonBody.Problem(409, $"Referral '{id}' has no refused or unreachable discharge write-back.");
}

/// <summary>Writes closed episodes' discharges to GP records every minute.</summary>
public sealed class EpisodeWriteBackTimer(EpisodeWriteBacks writes)
{
    [Function("WriteEpisodeDischargesToGpRecords")]
    public System.Threading.Tasks.Task Run([TimerTrigger("45 * * * * *")] TimerInfo timer, CancellationToken cancellationToken) => writes.RunAsync(cancellationToken);
}

using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
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
/// hub's activity-category code, when it named one), where it stood, and its Task's status (FHIR task-status).</summary>
public sealed record DischargeConnection(string ReferralId, string? ActivityCode, ConnectionOutcome Outcome, FhirTask.TaskStatus? Status = null);

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
/// <see cref="ConnectionOutcome"/>; components naming the activity (hub activity-category code) and the connection's Task
/// status (http://hl7.org/fhir/task-status). A connection that changes after the discharge was written gets a new entry
/// (<see cref="Amendment"/>), never an edit of this one.</item>
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

    public const string TaskStatusSystem = "http://hl7.org/fhir/task-status";

    public static string DischargeId(string referralId) => $"{referralId}-discharge";

    public static string ConnectionId(string referralId, string childReferralId) => $"{referralId}-discharge-connection-{childReferralId}";

    /// <summary>The entry of the <paramref name="change"/>th change of a connection after the discharge.</summary>
    public static string AmendmentId(string referralId, string childReferralId, int change) => $"{ConnectionId(referralId, childReferralId)}-change-{change}";

    /// <summary>Task statuses after which a connection's outcome no longer changes.</summary>
    public static bool IsFinal(FhirTask.TaskStatus? status) => status is null or FhirTask.TaskStatus.Completed or FhirTask.TaskStatus.Failed or FhirTask.TaskStatus.Cancelled
        or FhirTask.TaskStatus.Rejected or FhirTask.TaskStatus.EnteredInError;

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
            var observation = NewEntry(id, code, display, value, nhs, record.ReferralId, gpIdentifier, at, performer);
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
            Describe(Entry(ConnectionId(record.ReferralId, connection.ReferralId), "onward-connection", "Onward connection to a community activity",
                new CodeableConcept(ConnectionOutcomeSystem, connection.Outcome.Spelling(), Label(connection.Outcome), null)), connection);
        }

        foreach (var assessment in episode.Taken)
        {
            bundle.Entry.AddRange(assessments.Resources(episode, assessment, record, document, service)
                .Select(r => new Bundle.EntryComponent { FullUrl = $"{r.TypeName}/{r.Id}", Resource = r }));
        }

        return bundle;
    }

    /// <summary>A connection that changed after the discharge was written, for the GP record (issue 16): a new entry
    /// <c>{referralId}-discharge-connection-{child}-change-{n}</c>, the same code as the connection's discharge entry, its
    /// new outcome and Task status, effective when the change was seen. A new Observation rather than an edit of the first:
    /// each is what was known at its time, both stay in the record, and a conditional create on the identifier writes each
    /// change once however often it is sent. With consent a one-line note in the hub's words; without, codes only.</summary>
    public static Bundle Amendment(Episode episode, ReferralRecord record, ReferralDocument document, Provider? service, DischargeConnection connection, int change, DateTimeOffset at)
    {
        var nhs = document.NhsNumber ?? throw new InvalidOperationException($"Referral {record.ReferralId} has no NHS number to write its discharge under.");
        var id = AmendmentId(record.ReferralId, connection.ReferralId, change);
        var entry = Describe(NewEntry(id, "onward-connection", "Onward connection to a community activity",
            new CodeableConcept(ConnectionOutcomeSystem, connection.Outcome.Spelling(), Label(connection.Outcome), null), nhs, record.ReferralId,
            new Identifier(record.IdentifierSystem, record.IdentifierValue), at, CarePlanResources.Author(episode, service)), connection);
        if (document.HasConsent)
        {
            entry.Note.Add(new Annotation
            {
                Text = $"Onward connection updated after the link worker's discharge: {Label(connection.Outcome).ToLowerInvariant()}" +
                       (connection.Status is { } status ? $" (the provider's Task is {status.GetLiteral()})." : "."),
            });
        }

        return new Bundle { Type = Bundle.BundleType.Collection, Entry = [new Bundle.EntryComponent { FullUrl = $"Observation/{id}", Resource = entry }] };
    }

    private static Observation NewEntry(string id, string code, string display, DataType value, string nhs, string referralId, Identifier gpIdentifier, DateTimeOffset at,
        ResourceReference performer) => new()
    {
        Id = id,
        Identifier = [new Identifier(IdSystem, id)],
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "social-history", "Social History")],
        Code = new CodeableConcept(System, code, display, null),
        Subject = new ResourceReference { Type = "Patient", Identifier = new Identifier(FhirCodes.NhsNumberSystem, nhs) },
        BasedOn = [new ResourceReference($"ServiceRequest/{referralId}") { Type = "ServiceRequest", Identifier = (Identifier)gpIdentifier.DeepCopy() }],
        Effective = new FhirDateTime(at),
        Issued = at,
        Performer = [(ResourceReference)performer.DeepCopy()],
        Value = value,
    };

    /// <summary>A connection's components: the activity asked for, and its Task's status.</summary>
    private static Observation Describe(Observation entry, DischargeConnection connection)
    {
        if (connection.ActivityCode is { } activity)
        {
            entry.Component.Add(new Observation.ComponentComponent
            {
                Code = new CodeableConcept(System, "activity", "Activity offered", null),
                Value = new CodeableConcept(ActivityCategories.System, activity),
            });
        }

        if (connection.Status is { } status)
        {
            entry.Component.Add(new Observation.ComponentComponent
            {
                Code = new CodeableConcept(System, "connection-status", "Status of the onward connection", null),
                Value = new CodeableConcept(TaskStatusSystem, status.GetLiteral()),
            });
        }

        return entry;
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
/// progress points are. Written is audited <c>written-back</c> (outcome <c>episode-discharge</c>), once.
/// <para>Issue 16: once written, each connection that could still change gets a row of its own in the same partition
/// (<c>connection-{child}</c>: the outcome and Task status the record got). Each pass compares them with the connection as
/// it now is; a change makes the row pending with the new values and a change number, and the same outbox writes it as
/// <see cref="EpisodeGpEntries.Amendment"/> (audited <c>episode-discharge-amendment</c> once per change). The same change
/// seen twice compares equal and does nothing. A connection stops being watched once its Task is final.</para></summary>
public sealed partial class EpisodeWriteBacks(HubTables tables, GpRecordWriter gpRecord, EpisodeStore episodes, ReferralDocuments documents, ProviderDirectory providers,
    OnwardReferralIndex onward, ReferralTaskProgress tasks, ProgressStore progress, EpisodeAssessments assessments, GpWriteOutbox outbox, TimeProvider time,
    ILogger<EpisodeWriteBacks> logger)
{
    public const string Table = "EpisodeWriteBacks";
    private const string Row = "discharge";
    private const string ConnectionRow = "connection-";
    public const string Kind = "episode-discharge";
    public const string AmendmentKind = "episode-discharge-amendment";

    /// <summary>How long after the discharge a connection's changes still reach the GP record.</summary>
    public static readonly TimeSpan WatchFor = TimeSpan.FromDays(366);

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
    public Task<(WriteBackState State, string? Detail)?> StateAsync(string referralId, CancellationToken cancellationToken = default) =>
        RowStateAsync(referralId, Row, cancellationToken);

    /// <summary>Where the latest amendment of a connection stands, and how many changes were seen; null when the connection
    /// is not watched (the discharge not written yet, or the connection not the episode's).</summary>
    public async Task<(WriteBackState State, int Changes)?> ConnectionStateAsync(string referralId, string childReferralId, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(referralId) || !TableKeys.IsSafe(childReferralId))
        {
            return null;
        }

        var table = await tables.GetAsync(Table);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(referralId, ConnectionRow + childReferralId, cancellationToken: cancellationToken);
        return row.HasValue && StoredSpelling.ParseOrNull<WriteBackState>(row.Value!.GetString("State")) is { } state ? (state, row.Value.GetInt32("Changes") ?? 0) : null;
    }

    private async Task<(WriteBackState State, string? Detail)?> RowStateAsync(string referralId, string rowKey, CancellationToken cancellationToken)
    {
        if (!TableKeys.IsSafe(referralId))
        {
            return null;
        }

        var table = await tables.GetAsync(Table);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(referralId, rowKey, cancellationToken: cancellationToken);
        return row.HasValue && StoredSpelling.ParseOrNull<WriteBackState>(row.Value!.GetString("State")) is { } state ? (state, row.Value.GetString("Detail")) : null;
    }

    /// <summary>Every refused or unreachable discharge and amendment, for the operators' listing.</summary>
    public async Task<IReadOnlyList<ParkedGpWrite>> ParkedAsync(CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        return [.. (await GpWriteOutbox.ParkedAsync(table, null, cancellationToken)).Select(Parked)];
    }

    /// <summary>An operator's retry of every refused or unreachable discharge write of a referral (the discharge, its
    /// amendments) within the scope, once its cause is fixed: pending again, tried by the next pass with a fresh give-up
    /// clock. Empty when nothing is parked (never queued, pending or written).</summary>
    public async Task<IReadOnlyList<RequeuedGpWrite>> RetryAsync(string referralId, GpWriteRetryScope scope, CancellationToken cancellationToken = default)
    {
        var requeued = new List<RequeuedGpWrite>();
        if (!TableKeys.IsSafe(referralId))
        {
            return requeued;
        }

        var table = await tables.GetAsync(Table);
        foreach (var row in await GpWriteOutbox.ParkedAsync(table, referralId, cancellationToken))
        {
            var parked = Parked(row);
            if (scope.Covers(parked.Kind) && await outbox.TryRequeueAsync(table, row, cancellationToken))
            {
                requeued.Add(new RequeuedGpWrite(parked.Kind, parked.Item, WriteBackState.Pending.Spelling()));
            }
        }

        return requeued;
    }

    private static ParkedGpWrite Parked(TableEntity row)
    {
        var amendment = row.RowKey.StartsWith(ConnectionRow, StringComparison.Ordinal);
        return new ParkedGpWrite(row.PartitionKey, amendment ? GpWriteKind.DischargeAmendment : GpWriteKind.Discharge, amendment ? row.RowKey[ConnectionRow.Length..] : Row,
            row.GetString("PracticeOds") ?? string.Empty, row.GetString("State") ?? string.Empty, row.GetDateTimeOffset("SettledAt"), row.GetInt32("Retries") ?? 0);
    }

    /// <summary>Looks for connections changed since the record got them, then writes every discharge and amendment that
    /// is due; how many were written.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        await WatchAsync(table, cancellationToken);
        var written = 0;
        foreach (var row in await outbox.DueAsync(table, 100, cancellationToken))
        {
            written += await WriteAsync(table, row, cancellationToken) ? 1 : 0;
        }

        return written;
    }

    /// <summary>The onward connections the service made from the referral, each with where it stood.</summary>
    public async Task<IReadOnlyList<DischargeConnection>> ConnectionsAsync(Episode episode, CancellationToken cancellationToken = default) =>
        [.. (await ChildrenAsync(episode, cancellationToken)).Select(c => c.Connection)];

    private async Task<List<(OnwardChild Child, DischargeConnection Connection)>> ChildrenAsync(Episode episode, CancellationToken cancellationToken)
    {
        var connections = new List<(OnwardChild, DischargeConnection)>();
        foreach (var child in await onward.ChildrenAsync(episode.ReferralId, cancellationToken))
        {
            if (child.PracticeOds != episode.PracticeOds || child.RequesterId != episode.ServiceId)
            {
                continue;
            }

            var (outcome, status) = await WhereAsync(child.PracticeOds, child.TaskId, child.ReferralId, cancellationToken);
            var activity = (await documents.LoadAsync(child.PracticeOds, child.ReferralId, cancellationToken))?.Document.ServiceRequest.Code?.Coding
                .FirstOrDefault(c => c.System == ActivityCategories.System)?.Code;
            connections.Add((child, new DischargeConnection(child.ReferralId, activity, outcome, status)));
        }

        return connections;
    }

    private async Task<(ConnectionOutcome Outcome, FhirTask.TaskStatus? Status)> WhereAsync(string practiceOds, string taskId, string childReferralId, CancellationToken cancellationToken)
    {
        var task = await tasks.ReadAsync(practiceOds, taskId, cancellationToken);
        var state = await progress.GetAsync(childReferralId, cancellationToken);
        return (EpisodeGpEntries.OutcomeOf(task, state), task?.Status);
    }

    /// <summary>What the GP record got of each connection the discharge carried, to compare later changes with.</summary>
    private async System.Threading.Tasks.Task RememberAsync(TableClient table, string referralId, string practiceOds, IEnumerable<(OnwardChild Child, DischargeConnection Connection)> connections,
        CancellationToken cancellationToken)
    {
        var until = time.GetUtcNow() + WatchFor;
        foreach (var (child, connection) in connections)
        {
            var row = outbox.NewRow(referralId, ConnectionRow + child.ReferralId);
            row["State"] = WriteBackState.Written.Spelling();
            row["PracticeOds"] = practiceOds;
            row["TaskId"] = child.TaskId;
            row["ActivityCode"] = connection.ActivityCode;
            row["Outcome"] = connection.Outcome.Spelling();
            row["TaskStatus"] = connection.Status?.GetLiteral();
            row["Changes"] = 0;
            row["Watch"] = !EpisodeGpEntries.IsFinal(connection.Status);
            row["WatchUntil"] = until;
            try
            {
                await table.AddEntityAsync(row, cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                // Remembered by an earlier pass that stopped before settling the discharge.
            }
        }
    }

    /// <summary>Each watched connection as it now is against what the record got: a change queues its amendment.</summary>
    private async System.Threading.Tasks.Task WatchAsync(TableClient table, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var watched = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"Watch eq {true} and WatchUntil ge {now}"), cancellationToken: cancellationToken))
        {
            watched.Add(row);
        }

        foreach (var row in watched)
        {
            var childId = row.RowKey[ConnectionRow.Length..];
            var (outcome, status) = await WhereAsync(row.GetString("PracticeOds") ?? string.Empty, row.GetString("TaskId") ?? string.Empty, childId, cancellationToken);
            if (outcome.Spelling() == row.GetString("Outcome") && status?.GetLiteral() == row.GetString("TaskStatus"))
            {
                continue;
            }

            var change = (row.GetInt32("Changes") ?? 0) + 1;
            outbox.Renew(row);
            row["Outcome"] = outcome.Spelling();
            row["TaskStatus"] = status?.GetLiteral();
            row["Changes"] = change;
            row["ChangedAt"] = now;
            row["Watch"] = !EpisodeGpEntries.IsFinal(status);
            try
            {
                await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Merge, cancellationToken);
                LogChanged(logger, row.PartitionKey, childId, change);
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // Another pass saw the same change first.
            }
        }
    }

    private async Task<bool> WriteAsync(TableClient table, TableEntity row, CancellationToken cancellationToken)
    {
        var referralId = row.PartitionKey;
        var practiceOds = row.GetString("PracticeOds");
        var amendment = row.RowKey.StartsWith(ConnectionRow, StringComparison.Ordinal);
        if (await outbox.ClaimAsync(table, row, cancellationToken) is not { } attempt)
        {
            return false;
        }

        var (kind, occasion) = amendment ? (AmendmentKind, $"{row.RowKey[ConnectionRow.Length..]}-change{row.GetInt32("Changes") ?? 0}") : (Kind, (string?)null);
        var episode = await episodes.GetAsync(referralId, cancellationToken);
        var loaded = await documents.LoadAsync(practiceOds, referralId, cancellationToken);
        if (episode is not { IsClosed: true } || loaded is not { } referral || referral.Document.NhsNumber is null)
        {
            return await SettleAsync(table, row, WriteBackState.Refused, "The closed episode, the referral or its NHS number is missing.", kind, occasion, cancellationToken);
        }

        var service = await providers.GetAsync(episode.ServiceId, cancellationToken);
        Bundle entries;
        List<(OnwardChild Child, DischargeConnection Connection)> connections = [];
        if (amendment)
        {
            // What the change saw, as stored: the record gets each change as it was seen, once.
            var connection = new DischargeConnection(row.RowKey[ConnectionRow.Length..], row.GetString("ActivityCode"),
                StoredSpelling.Parse<ConnectionOutcome>(row.GetString("Outcome")), EnumUtility.ParseLiteral<FhirTask.TaskStatus>(row.GetString("TaskStatus")));
            entries = EpisodeGpEntries.Amendment(episode, referral.Record, referral.Document, service, connection, row.GetInt32("Changes") ?? 0,
                row.GetDateTimeOffset("ChangedAt") ?? time.GetUtcNow());
        }
        else
        {
            connections = await ChildrenAsync(episode, cancellationToken);
            entries = EpisodeGpEntries.Build(episode, referral.Record, referral.Document, service, [.. connections.Select(c => c.Connection)], assessments);
        }

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
                return await SettleAsync(table, row, WriteBackState.Unreachable, WriteBackSteps.Shorten(ex.Message), kind, occasion, cancellationToken);
            }

            LogRetrying(logger, referralId, kind, attempt.Number);
            return false;
        }

        if (result.State == WriteBackState.Written && !amendment)
        {
            // Before settling, so a crash in between cannot leave a written discharge whose connections nobody watches.
            await RememberAsync(table, referralId, practiceOds!, connections, cancellationToken);
        }

        return result.State switch
        {
            WriteBackState.Written => await SettleAsync(table, row, WriteBackState.Written, null, kind, occasion, cancellationToken),
            WriteBackState.NoEndpoint => await SettleAsync(table, row, WriteBackState.NoEndpoint, null, kind, occasion, cancellationToken),
            _ => await SettleAsync(table, row, WriteBackState.Refused, WriteBackSteps.Shorten(result.Detail), kind, occasion, cancellationToken),
        };
    }

    private async Task<bool> SettleAsync(TableClient table, TableEntity row, WriteBackState state, string? detail, string kind, string? occasion, CancellationToken cancellationToken)
    {
        var written = await outbox.SettleAsync(table, row, state, detail, kind, cancellationToken, occasion);
        if (GpWriteOutbox.IsParked(state))
        {
            HubTelemetry.WriteBackFailures.Add(1, new KeyValuePair<string, object?>("reason", $"parked-{state.Spelling()}"));
            LogParked(logger, row.PartitionKey, kind, state.Spelling());
        }

        return written;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the {Kind} of referral {ReferralId} to the practice failed (attempt {Attempt}); it is tried again")]
    private static partial void LogRetrying(ILogger logger, string referralId, string kind, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Kind} of referral {ReferralId} was not written to the GP record ({State}); the reason is stored with it")]
    private static partial void LogParked(ILogger logger, string referralId, string kind, string state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Onward connection {ConnectionId} of discharged referral {ReferralId} changed (change {Change}); the GP record gets it")]
    private static partial void LogChanged(ILogger logger, string referralId, string connectionId, int change);
}

/// <summary>The link worker's discharge writes (and their amendments) on the operators' one surface
/// (<see cref="GpWriteRetries"/>): registered by LinkWork, which WriteBack cannot see.</summary>
public sealed class ParkedDischargeWrites(EpisodeWriteBacks writes) : IParkedGpWrites
{
    public Task<IReadOnlyList<ParkedGpWrite>> ParkedAsync(CancellationToken cancellationToken) => writes.ParkedAsync(cancellationToken);

    public Task<IReadOnlyList<RequeuedGpWrite>> RetryAsync(string referralId, GpWriteRetryScope scope, CancellationToken cancellationToken) =>
        writes.RetryAsync(referralId, scope, cancellationToken);
}

/// <summary>The older route for a refused or unreachable discharge write (admin level), kept for operators' scripts: the
/// unified retry (<c>POST manage/write-backs/{id}/retry</c>) limited to the discharge and its amendments. <c>202</c> and
/// tried within the minute; <c>409</c> when nothing is parked.</summary>
public sealed class EpisodeWriteBackRetryHttp(GpWriteRetries retries)
{
    private static readonly GpWriteRetryScope Scope = new(null, new HashSet<GpWriteKind> { GpWriteKind.Discharge, GpWriteKind.DischargeAmendment });

    [Function("RetryEpisodeDischargeWriteBack")]
    public async Task<Microsoft.AspNetCore.Mvc.IActionResult> Retry(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/episodes/{id}/write-back/retry")] Microsoft.AspNetCore.Http.HttpRequest request, string id) =>
        WriteBackRetryHttp.Answer(id, await retries.RetryAsync(id, Scope, request.HttpContext.RequestAborted), $"Referral '{id}' has no refused or unreachable discharge write-back.");
}

/// <summary>Writes closed episodes' discharges to GP records every minute.</summary>
public sealed class EpisodeWriteBackTimer(EpisodeWriteBacks writes)
{
    [Function("WriteEpisodeDischargesToGpRecords")]
    public System.Threading.Tasks.Task Run([TimerTrigger("45 * * * * *")] TimerInfo timer, CancellationToken cancellationToken) => writes.RunAsync(cancellationToken);
}

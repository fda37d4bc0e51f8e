using System.Globalization;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Hl7.Fhir.Model;
using Hub.FollowUp;
using Hub.Platform.Fhir;
using Hub.Platform.Storage;
using Hub.Platform.Telemetry;
using Hub.Providers;
using Hub.Referrals;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hub.WriteBack;

/// <summary>The points of the provider's work that go into the GP record (issue 15): the person declined, started
/// (first session attended) and finished.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GpProgressPoint>))]
public enum GpProgressPoint
{
    [JsonStringEnumMemberName("declined")] Declined,
    [JsonStringEnumMemberName("started")] Started,
    [JsonStringEnumMemberName("finished")] Finished,
}

/// <summary>A coded detail the provider gave (its outcome when it finished), in the hub's CodeSystem.</summary>
public sealed record GpProgressDetail(string System, string Code, string Display);

/// <summary>A progress point as the GP record gets it: one Observation, conditional-created on the hub's identifier
/// (<c>{referralId}-{point}</c>) through the same transaction as outcomes (<see cref="OutcomeResources.Transaction"/>).
/// Declined is SNOMED CT 871711000000103 <i>Social prescribing declined</i>. No national codes for <i>started</i> and
/// <i>finished</i> could be confirmed (DESIGN.md lists none; 871691000000100 <i>offered</i> is unconfirmed and is not
/// either), so those are the hub's own concepts (<see cref="StatusSystem"/>), never the referral's 871731000000106: GP
/// systems count that code once per episode for the PCN indicator, and a second entry would count the person twice. Without
/// consent to share more (<see cref="ReferralDocument.HasConsent"/>) only codes go: no note and no narrative.</summary>
public static class GpProgressResources
{
    public const string IdSystem = FhirCodes.HubBase + "/Id/provider-progress";

    public const string StatusSystem = FhirCodes.HubBase + "/CodeSystem/provider-progress";

    public const string SocialPrescribingDeclined = "871711000000103";

    public static Observation Build(OutcomeSubject subject, GpProgressPoint point, DateTimeOffset at, GpProgressDetail? detail, string? note)
    {
        var observation = new Observation
        {
            Id = $"{subject.ReferralId}-{point.Spelling()}",
            Identifier = [new Identifier(IdSystem, $"{subject.ReferralId}-{point.Spelling()}")],
            Status = ObservationStatus.Final,
            Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "social-history", "Social History")],
            Code = point == GpProgressPoint.Declined
                ? new CodeableConcept { Coding = [new Coding(FhirCodes.Snomed, SocialPrescribingDeclined, "Social prescribing declined")] }
                : new CodeableConcept { Coding = [new Coding(StatusSystem, point.Spelling(), point == GpProgressPoint.Started ? "Social prescribing activity started" : "Social prescribing activity finished")] },
            Subject = new ResourceReference { Type = "Patient", Identifier = new Identifier(FhirCodes.NhsNumberSystem, subject.NhsNumber) },
            BasedOn = [new ResourceReference($"ServiceRequest/{subject.ReferralId}") { Type = "ServiceRequest", Identifier = subject.GpIdentifier }],
            Effective = new FhirDateTime(at),
            Issued = at,
        };
        if (detail is not null)
        {
            observation.Component.Add(new Observation.ComponentComponent
            {
                Code = new CodeableConcept { Coding = [new Coding(StatusSystem, "outcome", "Outcome")] },
                Value = new CodeableConcept { Coding = [new Coding(detail.System, detail.Code, detail.Display)] },
            });
        }

        if (note is not null)
        {
            observation.Note.Add(new Annotation { Text = note });
        }

        return observation;
    }
}

/// <summary>A progress point the GP record did not take (refused, or unreachable for the whole retry period), as an
/// operator sees it: ids, the point, the state, the server's reasons as stored, when it was parked, and how often an
/// operator has retried it.</summary>
public sealed record ParkedProgressWrite(string ReferralId, string Point, string PracticeOds, string State, string? Detail, DateTimeOffset? ParkedAt, int Attempts, int Retries);

/// <summary>What an operator's retry of a parked progress point did.</summary>
public enum ProgressRetryResult
{
    /// <summary>The point was never queued (no such referral or point, or the practice has no endpoint).</summary>
    NotFound,
    /// <summary>Written, or never parked: nothing to retry.</summary>
    NotParked,
    /// <summary>Queued again (or already queued again by an earlier retry) and tried at once.</summary>
    Retrying,
}

/// <summary>The provider's progress points, written to the GP record from an outbox (table <see cref="Table"/>, one row
/// per referral and point, added once): tried at once by the timer, again with a backoff that doubles from
/// <see cref="WriteBackOptions.ProgressFirstRetryAfter"/> while the practice's server is unreachable, and recorded
/// <c>unreachable</c> (audited <c>write-back-parked</c>, logged) after <see cref="WriteBackOptions.ProgressGiveUpAfter"/>;
/// a refusal is recorded <c>refused</c> with the server's reasons at once. An operator lists the parked points
/// (<see cref="ParkedAsync"/>) and, once the cause is fixed, retries one (<see cref="RetryAsync"/>): it is queued again
/// with a fresh retry period, so the conditional create on the hub's identifier means it is never written twice.
/// Nothing is lost on a restart: the rows are the work. Written only for practices with a write-back endpoint.</summary>
public sealed partial class GpProgressWrites(HubTables tables, GpRecordWriter gpRecord, ReferralDocuments documents, ProviderDirectory providers, GpWriteOutbox outbox,
    TimeProvider time, ILogger<GpProgressWrites> logger)
{
    public const string Table = "GpProgressWrites";

    /// <summary>Queues a point for the GP record (once per referral and point); false when the practice has no endpoint.</summary>
    public async Task<bool> QueueAsync(string practiceOds, string referralId, string providerId, GpProgressPoint point, DateTimeOffset at, GpProgressDetail? detail,
        CancellationToken cancellationToken = default)
    {
        if (!gpRecord.HasEndpoint(practiceOds) || !TableKeys.IsSafe(referralId))
        {
            return false;
        }

        var table = await tables.GetAsync(Table);
        try
        {
            var row = outbox.NewRow(referralId, point.Spelling());
            row["PracticeOds"] = practiceOds;
            row["ProviderId"] = providerId;
            row["At"] = at;
            row["DetailSystem"] = detail?.System;
            row["DetailCode"] = detail?.Code;
            row["DetailDisplay"] = detail?.Display;
            await table.AddEntityAsync(row, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Queued by an earlier application of the same report.
        }

        return true;
    }

    /// <summary>Where a referral's point stands: pending, written, refused, unreachable; null when never queued.</summary>
    public async Task<WriteBackState?> StateAsync(string referralId, GpProgressPoint point, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(referralId, point.Spelling(), cancellationToken: cancellationToken);
        return row.HasValue ? StoredSpelling.ParseOrNull<WriteBackState>(row.Value!.GetString("State")) : null;
    }

    /// <summary>Every parked point (refused or unreachable), oldest first.</summary>
    public async Task<IReadOnlyList<ParkedProgressWrite>> ParkedAsync(CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var parked = new List<ParkedProgressWrite>();
        foreach (var row in await GpWriteOutbox.ParkedAsync(table, null, cancellationToken))
        {
            parked.Add(new ParkedProgressWrite(row.PartitionKey, row.RowKey, row.GetString("PracticeOds") ?? string.Empty, row.GetString("State") ?? string.Empty,
                row.GetString("Detail"), row.GetDateTimeOffset("SettledAt"), row.GetInt32("Attempts") ?? 0, row.GetInt32("Retries") ?? 0));
        }

        return [.. parked.OrderBy(p => p.ParkedAt)];
    }

    /// <summary>The parked points of one referral, for the unified retry (<see cref="ParkedProgressWrites"/>).</summary>
    public async Task<IReadOnlyList<GpProgressPoint>> ParkedPointsAsync(string referralId, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(referralId))
        {
            return [];
        }

        var table = await tables.GetAsync(Table);
        return [.. (await GpWriteOutbox.ParkedAsync(table, referralId, cancellationToken))
            .Select(r => StoredSpelling.ParseOrNull<GpProgressPoint>(r.RowKey)).OfType<GpProgressPoint>()];
    }

    /// <summary>An operator's retry of a parked point: queued again now with a fresh retry period, then tried at once.
    /// Safe to send twice: a point an earlier retry queued again is left as it is, and a written one is not touched.</summary>
    /// <returns>What the retry did, and the point's state after it (null when never queued).</returns>
    public async Task<(ProgressRetryResult Result, WriteBackState? State)> RetryAsync(string referralId, GpProgressPoint point, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(referralId))
        {
            return (ProgressRetryResult.NotFound, null);
        }

        var table = await tables.GetAsync(Table);
        for (var attempt = 0; ; attempt++)
        {
            var found = await table.GetEntityIfExistsAsync<TableEntity>(referralId, point.Spelling(), cancellationToken: cancellationToken);
            if (!found.HasValue || found.Value is not { } row)
            {
                return (ProgressRetryResult.NotFound, null);
            }

            var state = StoredSpelling.ParseOrNull<WriteBackState>(row.GetString("State"));
            if (state == WriteBackState.Pending && (row.GetInt32("Retries") ?? 0) > 0)
            {
                // An earlier retry queued it again; the timer (or that retry) is writing it.
                return (ProgressRetryResult.Retrying, state);
            }

            if (!GpWriteOutbox.IsParked(state))
            {
                return (ProgressRetryResult.NotParked, state);
            }

            outbox.Requeue(row);
            try
            {
                row.ETag = (await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Merge, cancellationToken)).Headers.ETag ?? row.ETag;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < 3)
            {
                // Another retry moved it first: read it again and answer as it now is.
                continue;
            }

            LogRetried(logger, referralId, row.RowKey);
            await WriteAsync(table, row, cancellationToken);
            return (ProgressRetryResult.Retrying, await StateAsync(referralId, point, cancellationToken));
        }
    }

    /// <summary>Writes every point that is due.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var written = 0;
        foreach (var row in await outbox.DueAsync(table, 200, cancellationToken))
        {
            written += await WriteAsync(table, row, cancellationToken) ? 1 : 0;
        }

        return written;
    }

    private async Task<bool> WriteAsync(TableClient table, TableEntity row, CancellationToken cancellationToken)
    {
        var referralId = row.PartitionKey;
        var point = StoredSpelling.Parse<GpProgressPoint>(row.RowKey);
        var practiceOds = row.GetString("PracticeOds");
        if (await outbox.ClaimAsync(table, row, cancellationToken) is not { } attempt)
        {
            return false;
        }

        var loaded = await documents.LoadAsync(practiceOds, referralId, cancellationToken);
        if (loaded is not { } referral || referral.Document.NhsNumber is not { } nhsNumber)
        {
            return await SettleAsync(table, row, WriteBackState.Refused, "The referral or its NHS number is missing.", point, cancellationToken);
        }

        var at = row.GetDateTimeOffset("At") ?? time.GetUtcNow();
        var detail = row.GetString("DetailCode") is { } code ? new GpProgressDetail(row.GetString("DetailSystem"), code, row.GetString("DetailDisplay")) : null;
        var subject = new OutcomeSubject(referralId, nhsNumber, new Identifier(referral.Record.IdentifierSystem, referral.Record.IdentifierValue));
        var note = referral.Document.HasConsent ? await NoteAsync(row.GetString("ProviderId"), point, at, detail, cancellationToken) : null;
        var observation = GpProgressResources.Build(subject, point, at, detail, note);
        var stored = new Bundle { Type = Bundle.BundleType.Collection, Entry = [new Bundle.EntryComponent { Resource = observation }] };
        GpWriteResult result;
        try
        {
            result = await gpRecord.WriteAsync(practiceOds, OutcomeResources.Transaction(stored), cancellationToken);
        }
        catch (PracticeUnavailableException ex)
        {
            HubTelemetry.WriteBackFailures.Add(1, new KeyValuePair<string, object?>("reason", "unavailable"));
            if (attempt.IsLast)
            {
                return await SettleAsync(table, row, WriteBackState.Unreachable, WriteBackSteps.Shorten(ex.Message), point, cancellationToken);
            }

            LogRetrying(logger, referralId, point.Spelling(), attempt.Number);
            return false;
        }

        return result.State switch
        {
            WriteBackState.Written => await SettleAsync(table, row, WriteBackState.Written, null, point, cancellationToken),
            WriteBackState.NoEndpoint => await SettleAsync(table, row, WriteBackState.NoEndpoint, null, point, cancellationToken),
            _ => await SettleAsync(table, row, WriteBackState.Refused, WriteBackSteps.Shorten(result.Detail), point, cancellationToken),
        };
    }

    /// <summary>The narrative a consenting person's GP record gets: who reported what, in the hub's words (no free text).</summary>
    private async Task<string> NoteAsync(string? providerId, GpProgressPoint point, DateTimeOffset at, GpProgressDetail? detail, CancellationToken cancellationToken)
    {
        var name = providerId is null ? null : (await providers.GetAsync(providerId, cancellationToken))?.Name;
        var who = name ?? "The social prescribing provider";
        return point switch
        {
            GpProgressPoint.Declined => $"{who} reports that the person declined the service ({at:d MMMM yyyy}).",
            GpProgressPoint.Started => $"{who} reports that the person attended their first session on {at:d MMMM yyyy}.",
            _ => $"{who} reports that it finished working with the person on {at:d MMMM yyyy}{(detail is null ? "" : $": {detail.Display.ToLowerInvariant()}")}.",
        };
    }

    private async Task<bool> SettleAsync(TableClient table, TableEntity row, WriteBackState state, string? detail, GpProgressPoint point, CancellationToken cancellationToken)
    {
        var written = await outbox.SettleAsync(table, row, state, detail, $"progress-{point.Spelling()}", cancellationToken);
        if (GpWriteOutbox.IsParked(state))
        {
            LogParked(logger, row.PartitionKey, point.Spelling(), state.Spelling());
        }

        return written;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the {Point} point of referral {ReferralId} to the practice failed (attempt {Attempt}); it is tried again")]
    private static partial void LogRetrying(ILogger logger, string referralId, string point, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "An operator retried the {Point} point of referral {ReferralId} for the GP record")]
    private static partial void LogRetried(ILogger logger, string referralId, string point);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Point} point of referral {ReferralId} was not written to the GP record ({State}); the reason is stored with it")]
    private static partial void LogParked(ILogger logger, string referralId, string point, string state);
}

/// <summary>Writes the provider's progress points to GP records every minute.</summary>
public sealed class GpProgressWriteTimer(GpProgressWrites writes)
{
    [Function("WriteProgressToGpRecords")]
    public System.Threading.Tasks.Task Run([TimerTrigger("30 * * * * *")] TimerInfo timer, CancellationToken cancellationToken) => writes.RunAsync(cancellationToken);
}

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

/// <summary>The provider's progress points, written to the GP record from an outbox (table <see cref="Table"/>, one row
/// per referral and point, added once): tried at once by the timer, again with a backoff that doubles from
/// <see cref="WriteBackOptions.ProgressFirstRetryAfter"/> while the practice's server is unreachable, and recorded
/// <c>unreachable</c> (audited <c>write-back-parked</c>, logged) after <see cref="WriteBackOptions.ProgressGiveUpAfter"/>;
/// a refusal is recorded <c>refused</c> with the server's reasons at once. Nothing is lost on a restart: the rows are the
/// work. Written only for practices with a write-back endpoint.</summary>
public sealed partial class GpProgressWrites(HubTables tables, GpRecordWriter gpRecord, ReferralDocuments documents, ProviderDirectory providers, AuditTrail audit,
    TimeProvider time, IOptions<WriteBackOptions> options, ILogger<GpProgressWrites> logger)
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
            await table.AddEntityAsync(new TableEntity(referralId, point.Spelling())
            {
                ["PracticeOds"] = practiceOds,
                ["ProviderId"] = providerId,
                ["At"] = at,
                ["DetailSystem"] = detail?.System,
                ["DetailCode"] = detail?.Code,
                ["DetailDisplay"] = detail?.Display,
                ["State"] = WriteBackState.Pending.Spelling(),
                ["Attempts"] = 0,
                ["MadeAt"] = time.GetUtcNow(),
                ["NextAttempt"] = time.GetUtcNow(),
            }, cancellationToken);
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

    /// <summary>Writes every point that is due.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(Table);
        var now = time.GetUtcNow();
        var due = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"State eq {WriteBackState.Pending.Spelling()} and NextAttempt le {now}"), cancellationToken: cancellationToken))
        {
            due.Add(row);
            if (due.Count >= 200)
            {
                break;
            }
        }

        var written = 0;
        foreach (var row in due)
        {
            written += await WriteAsync(table, row, cancellationToken) ? 1 : 0;
        }

        return written;
    }

    private async Task<bool> WriteAsync(TableClient table, TableEntity row, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var referralId = row.PartitionKey;
        var point = StoredSpelling.Parse<GpProgressPoint>(row.RowKey);
        var practiceOds = row.GetString("PracticeOds");
        var attempts = row.GetInt32("Attempts") ?? 0;
        var wait = TimeSpan.FromTicks(Math.Min(options.Value.ProgressLongestRetryAfter.Ticks, options.Value.ProgressFirstRetryAfter.Ticks * (1L << Math.Min(attempts, 30))));
        row["Attempts"] = attempts + 1;
        row["NextAttempt"] = now + wait;
        try
        {
            row.ETag = (await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Merge, cancellationToken)).Headers.ETag ?? row.ETag;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return false;
        }

        var loaded = await documents.LoadAsync(practiceOds, referralId, cancellationToken);
        if (loaded is not { } referral || referral.Document.NhsNumber is not { } nhsNumber)
        {
            return await SettleAsync(table, row, WriteBackState.Refused, "The referral or its NHS number is missing.", point, cancellationToken);
        }

        var at = row.GetDateTimeOffset("At") ?? now;
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
            if (now - (row.GetDateTimeOffset("MadeAt") ?? now) + wait > options.Value.ProgressGiveUpAfter)
            {
                return await SettleAsync(table, row, WriteBackState.Unreachable, WriteBackSteps.Shorten(ex.Message), point, cancellationToken);
            }

            LogRetrying(logger, referralId, point.Spelling(), attempts + 1);
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
        row["State"] = state.Spelling();
        row["Detail"] = detail;
        row["SettledAt"] = time.GetUtcNow();
        await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Merge, cancellationToken);
        var kind = $"progress-{point.Spelling()}";
        if (state == WriteBackState.Written)
        {
            await audit.AppendAsync(row.PartitionKey, new LifecycleEvent(AuditEventName.WrittenBack, AuditActor.Hub, kind, $"write-back-{kind}"), cancellationToken);
            return true;
        }

        if (state is WriteBackState.Refused or WriteBackState.Unreachable)
        {
            await audit.AppendAsync(row.PartitionKey, new LifecycleEvent(AuditEventName.WriteBackParked, AuditActor.Hub, $"{kind}:{state.Spelling()}", $"write-back-parked-{kind}"), cancellationToken);
            LogParked(logger, row.PartitionKey, point.Spelling(), state.Spelling());
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the {Point} point of referral {ReferralId} to the practice failed (attempt {Attempt}); it is tried again")]
    private static partial void LogRetrying(ILogger logger, string referralId, string point, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Point} point of referral {ReferralId} was not written to the GP record ({State}); the reason is stored with it")]
    private static partial void LogParked(ILogger logger, string referralId, string point, string state);
}

/// <summary>Writes the provider's progress points to GP records every minute.</summary>
public sealed class GpProgressWriteTimer(GpProgressWrites writes)
{
    [Function("WriteProgressToGpRecords")]
    public System.Threading.Tasks.Task Run([TimerTrigger("30 * * * * *")] TimerInfo timer, CancellationToken cancellationToken) => writes.RunAsync(cancellationToken);
}

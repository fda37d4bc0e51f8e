using Azure.Data.Tables;
using Hub.Platform.Storage;

namespace Hub.Referrals;

/// <summary>One line of the audit trail. Carries ids and event names, never personal data or free text.</summary>
public sealed record AuditEntry(string ReferralId, string Event, string Actor, DateTimeOffset At, string? Outcome)
{
    /// <summary>The event's name, or null for one this version does not know (the admin events share the table).</summary>
    public AuditEventName? Name => StoredSpelling.ParseOrNull<AuditEventName>(Event);

    public AuditActor By => AuditActor.Parse(Actor);

    public bool Is(AuditEventName name) => Name == name;
}

/// <summary>The append-only record of everything that happened to each referral: who, what, when, outcome.</summary>
public sealed class AuditTrail(HubTables tables, TimeProvider time)
{
    public const string Table = "Audit";
    private readonly ReferralChanges _changes = new(tables);

    /// <summary>Appends a lifecycle event, spelled as its stage's factory made it.</summary>
    /// <summary>The one check before a step contacts anyone: a referral withdrawn, whose orchestration has not heard yet,
    /// contacts nobody. Records what was withheld (the email's once-key) and says so.</summary>
    /// <returns>True when the referral is withdrawn and the step must send nothing.</returns>
    public async Task<bool> WithholdContactAsync(ReferralRecord record, string emailKey, CancellationToken cancellationToken = default)
    {
        if (!record.IsWithdrawn())
        {
            return false;
        }

        await AppendAsync(record.ReferralId, LifecycleEvent.ContactWithheld(emailKey), cancellationToken);
        return true;
    }

    public Task AppendAsync(string referralId, LifecycleEvent auditEvent, CancellationToken cancellationToken = default) =>
        AppendAsync(referralId, auditEvent.Name.Spelling(), auditEvent.Actor.Spelling, auditEvent.Outcome, auditEvent.OnceKey, cancellationToken);

    /// <summary>The same, its note in the changes index naming the referral's practice too (a referral's first entry,
    /// whose note stands for the referral row written beside it).</summary>
    public Task AppendAsync(string referralId, string practiceOds, LifecycleEvent auditEvent, CancellationToken cancellationToken = default) =>
        AppendNotedAsync(referralId, practiceOds, auditEvent.Name.Spelling(), auditEvent.Actor.Spelling, auditEvent.Outcome, auditEvent.OnceKey, cancellationToken);

    /// <summary>Appends an event outside a referral's lifecycle (keys, schemes, providers).</summary>
    /// <param name="onceKey">For steps that may run twice (Durable activities run at least once): the same key is recorded once.</param>
    public Task AppendAsync(string referralId, string auditEvent, string actor, string? outcome = null, string? onceKey = null, CancellationToken cancellationToken = default) =>
        AppendNotedAsync(referralId, null, auditEvent, actor, outcome, onceKey, cancellationToken);

    private async Task AppendNotedAsync(string referralId, string? practiceOds, string auditEvent, string actor, string? outcome, string? onceKey, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AuditTrail.Table);
        var at = time.GetUtcNow();
        // Row keys sort by time; the random suffix keeps two events in the same tick apart. Add, never upsert: append-only.
        var rowKey = onceKey is null ? $"{at.UtcTicks:D19}-{Guid.NewGuid():N}" : $"once-{onceKey}";
        var entry = new AuditEntry(referralId, auditEvent, actor, at, outcome);
        try
        {
            await table.AddEntityAsync(EntityOf(entry, rowKey), cancellationToken);
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 409 && onceKey is not null)
        {
            // Recorded by an earlier run of the same step: note it as recorded (that run may have stopped before noting it).
            entry = EntryOf((await table.GetEntityAsync<TableEntity>(referralId, rowKey, cancellationToken: cancellationToken)).Value);
        }

        // After the entry, never before: a note holds only entries the trail has (see ReferralChanges).
        await _changes.NoteAsync([new ReferralNote(referralId, practiceOds, entry, rowKey)], cancellationToken);
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(string referralId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AuditTrail.Table);
        var entries = new List<AuditEntry>();
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == referralId, cancellationToken: cancellationToken))
        {
            entries.Add(EntryOf(row));
        }

        return entries.OrderBy(e => e.At).ToList();
    }

    /// <summary>Every entry of the named events across all referrals, in no particular order: the nightly evidence
    /// snapshot reads the whole trail once rather than one referral at a time.</summary>
    public async IAsyncEnumerable<AuditEntry> ScanAsync(IReadOnlyCollection<AuditEventName> events, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(AuditTrail.Table);
        var filter = string.Join(" or ", events.Select(e => TableClient.CreateQueryFilter($"Event eq {e.Spelling()}")));
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "Event", "Actor", "At", "Outcome"], cancellationToken: cancellationToken))
        {
            yield return EntryOf(row);
        }
    }

    /// <summary>An entry as the table holds it: one partition per referral.</summary>
    public static TableEntity EntityOf(AuditEntry entry, string rowKey) => new(entry.ReferralId, rowKey)
    {
        ["Event"] = entry.Event,
        ["Actor"] = entry.Actor,
        ["At"] = entry.At,
        ["Outcome"] = entry.Outcome,
    };

    private static AuditEntry EntryOf(TableEntity row) =>
        new(row.PartitionKey, row.GetString("Event"), row.GetString("Actor"), row.GetDateTimeOffset("At") ?? default, row.GetString("Outcome"));
}

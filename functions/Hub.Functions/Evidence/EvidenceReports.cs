using System.Collections.Concurrent;
using Azure;
using Hub.Access;
using Hub.FollowUp;
using Hub.Providers;
using Microsoft.Extensions.Options;

namespace Hub.Evidence;

/// <summary>A report, or why the caller may not have it.</summary>
public sealed record ReportAnswer(EvidenceReport? Report, IReadOnlyList<EvidenceRow> Rows, ReportQuery Query, string? Forbidden, string? SnapshotId = null);

/// <summary>Builds reports for a caller: a practice key sees its own practices' referrals; a scheme lead or
/// commissioner key sees its schemes' practices; filters narrow that, never widen it. A report is the merge of the
/// stored cells (<see cref="EvidenceCellStore"/>) it covers; per-person rows are read only for an export.</summary>
public sealed class EvidenceReports(EvidenceUpdate update, EvidenceCellStore cells, EvidenceRowStore stored, Schemes schemes, ProviderDirectory providers, IOptions<ReportingOptions> options, QuestionnaireLibrary instruments,
    ReportQuestions questions)
{
    /// <param name="withRows">Also gather the per-person rows (for the analyst's CSV).</param>
    public async Task<ReportAnswer> ForAsync(Caller caller, ReportQuery query, bool withRows = false, CancellationToken cancellationToken = default)
    {
        var visible = new HashSet<string>(caller.PracticeOdsCodes, StringComparer.Ordinal);
        var schemeNames = new Dictionary<string, Scheme>(StringComparer.Ordinal);
        foreach (var schemeId in caller.Schemes)
        {
            if (await schemes.GetAsync(schemeId, cancellationToken) is { } scheme)
            {
                schemeNames[schemeId] = scheme;
                visible.UnionWith(scheme.PracticeOdsCodes);
            }
        }

        var selected = new HashSet<string>(visible, StringComparer.Ordinal);
        var filters = new List<string>();
        foreach (var schemeId in query.Schemes)
        {
            if (!schemeNames.TryGetValue(schemeId, out var scheme))
            {
                return new ReportAnswer(null, [], query, $"This API key may not read reports for scheme '{schemeId}'.");
            }

            selected.IntersectWith(scheme.PracticeOdsCodes);
            filters.Add($"Scheme: {scheme.Name}");
        }

        foreach (var practice in query.Practices)
        {
            if (!visible.Contains(practice))
            {
                return new ReportAnswer(null, [], query, $"This API key may not read reports for practice {practice}.");
            }

            selected.IntersectWith([practice]);
            filters.Add($"Practice: {practice}");
        }

        if (query.Provider is { } providerId)
        {
            var provider = await providers.GetAsync(providerId, cancellationToken);
            filters.Add($"Provider: {provider?.Name ?? providerId} (only this provider's offers)");
        }

        var state = await update.CurrentAsync(cancellationToken);
        var scope = new ReportScope(query.From, query.To, filters, state.UpdatedAt);
        var report = (await ProtectedAsync(state, selected, query.Provider ?? CellKey.Everyone, query.From, query.To, scope, cancellationToken)) with { Scope = scope };
        var rows = new List<EvidenceRow>();
        if (withRows)
        {
            await foreach (var row in stored.RowsAsync(selected, query.From, query.To, cancellationToken))
            {
                if (query.Provider is null)
                {
                    rows.Add(row);
                }
                else if (row.AsSeenBy(query.Provider) is { } seen)
                {
                    rows.Add(seen);
                }
            }
        }

        return new ReportAnswer(report, rows, query, null, state.Id);
    }

    /// <summary>Reports already protected, for the state they were made at: a report's figures change only when the cells
    /// do (an update or a rebuild writes the state again), and its disclosure audit is what costs (every report inside it
    /// is audited too). The page, its charts and the MeasureReport of one question, and every reader of the same scheme's
    /// period, get the same figures from one audit. Kept under the stored state's ETag, as the cell store keeps the cells
    /// it read; a new state starts an empty set; bounded.</summary>
    private KeptReports _kept = new(default, new(StringComparer.Ordinal));
    private const int ProtectedKept = 256;

    private sealed record KeptReports(ETag State, ConcurrentDictionary<string, Lazy<Task<EvidenceReport>>> Reports);

    private async Task<EvidenceReport> ProtectedAsync(EvidenceState state, IReadOnlyCollection<string> practices, string view, DateTimeOffset? from, DateTimeOffset? to,
        ReportScope scope, CancellationToken cancellationToken)
    {
        var kept = _kept;
        if (kept.State != state.ETag || kept.Reports.Count > ProtectedKept)
        {
            _kept = kept = new KeptReports(state.ETag, new(StringComparer.Ordinal));
        }

        var key = ReportQuestion.KeyOf(view, from, to, practices);
        // One audit for readers asking together; not tied to the first reader's request, so its leaving cancels no one's.
        var made = kept.Reports.GetOrAdd(key, _ => new Lazy<Task<EvidenceReport>>(() => MakeAsync(state, key, practices, view, from, to, scope)));
        try
        {
            return await made.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (made.Value.IsFaulted || made.Value.IsCanceled)
        {
            kept.Reports.TryRemove(new KeyValuePair<string, Lazy<Task<EvidenceReport>>>(key, made));
            throw;
        }
    }

    /// <summary>Makes a report. One over a set of practices and a calendar block (audited against every report inside
    /// it: the audit that costs seconds) is made from what its audit hid at this state when that was worked out already
    /// (by another instance, or by the warm-up after the update), and otherwise audited and what it hid kept for the
    /// next; either way the asking is noted, so the warm-up knows the questions asked lately. One practice's report
    /// is audited as it is asked (a small lattice).</summary>
    private async Task<EvidenceReport> MakeAsync(EvidenceState state, string key, IReadOnlyCollection<string> practices, string view, DateTimeOffset? from, DateTimeOffset? to, ReportScope scope)
    {
        Task<EvidenceCell> Merge(IReadOnlyCollection<string> p, DateTimeOffset? f, DateTimeOffset? t, string v) => cells.MergeAsync(p, f, t, v, CancellationToken.None);
        if (practices.Count < 2 || !EvidenceReport.AuditedInside(practices, from, to) || from is not { } start || to is not { } end)
        {
            return await EvidenceReport.ForAsync(practices, Merge, view, from, to, scope, options.Value, instruments.Measures);
        }

        var question = new ReportQuestion(key, view, start, end, [.. practices.Order(StringComparer.Ordinal)]);
        // The kept answers save time; they are not needed for the report: one that cannot be read or written is audited
        // or left unkept, and the reader gets the report all the same.
        IReadOnlySet<string>? known = null;
        try
        {
            known = await questions.HiddenAsync(question, state);
        }
        catch (RequestFailedException)
        {
        }

        var report = await EvidenceReport.ForAsync(practices, Merge, view, from, to, scope, options.Value, instruments.Measures, known);
        try
        {
            await questions.AskedAsync(question, state, known is null ? EvidenceReport.HiddenOf(report) : null);
        }
        catch (RequestFailedException)
        {
        }

        return report;
    }

    /// <summary>Audits a question asked before, at the current state, unless what it hides at that state is kept
    /// already: the warm-up's step. True when it was audited now.</summary>
    public async Task<bool> WarmAsync(ReportQuestion question, CancellationToken cancellationToken = default)
    {
        var state = await update.CurrentAsync(cancellationToken);
        if (await questions.HiddenAsync(question, state, cancellationToken) is not null)
        {
            return false;
        }

        var scope = new ReportScope(question.From, question.To, [], state.UpdatedAt);
        await ProtectedAsync(state, question.Practices, question.View, question.From, question.To, scope, cancellationToken);
        return true;
    }
}

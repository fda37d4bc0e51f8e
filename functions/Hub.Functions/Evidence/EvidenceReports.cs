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
public sealed class EvidenceReports(EvidenceUpdate update, EvidenceCellStore cells, EvidenceRowStore stored, Schemes schemes, ProviderDirectory providers, IOptions<ReportingOptions> options, QuestionnaireLibrary instruments)
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
        var report = await EvidenceReport.ForAsync(selected, (practices, from, to, view) => cells.MergeAsync(practices, from, to, view, cancellationToken),
            query.Provider ?? CellKey.Everyone, query.From, query.To, scope, options.Value, instruments.Measures);
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
}

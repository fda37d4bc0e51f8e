using Hub.Providers;
using Microsoft.Extensions.Options;

namespace Hub.Evidence;

/// <summary>Each provider's responsiveness over the last 90 days, from the same cells as the reports: the provider's own
/// view (its offers as it saw them), summed over every practice for the months of referral overlapping the last 90 days.
/// Offers decided = offers made less those still waiting or withdrawn before an answer; acceptance rate = accepted ÷
/// decided from the counts as published (NHS England's rule); median days from offer to accept or decline, shown for 8
/// answers or more. Written to the directory's own table (<see cref="ProviderResponsivenessStore"/>): the directory
/// and routing read it there and never the evidence.</summary>
public sealed class ProviderResponsivenessCount(EvidenceCellStore cells, ProviderDirectory directory, ProviderResponsivenessStore store, IOptions<ReportingOptions> options, TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromDays(90);

    public async Task<IReadOnlyList<ProviderResponsiveness>> CountAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var month = CellKey.MonthOf(now - Window);
        var from = new DateTimeOffset(month.Year, month.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var rule = options.Value.Rule;
        var figures = new List<ProviderResponsiveness>();
        foreach (var provider in await directory.ListAsync(cancellationToken))
        {
            var cell = await cells.TotalsAsync(provider.Id, from, cancellationToken);
            if (Of(provider.Id, cell, from, now, rule) is { } counted)
            {
                figures.Add(counted);
            }
        }

        await store.SaveAsync(figures, cancellationToken);
        return figures;
    }

    /// <summary>The published figures of one provider's merged view; null when it decided no offers.</summary>
    public static ProviderResponsiveness? Of(string providerId, EvidenceCell cell, DateTimeOffset from, DateTimeOffset to, DisclosureRule rule)
    {
        var decided = cell.Referred - cell.InProgress - cell.WithdrawnBeforeAcceptance;
        if (decided <= 0)
        {
            return null;
        }

        var offers = rule.Publish(decided);
        var accepted = rule.Publish(cell.Accepted);
        var answers = Histogram.Total(cell.DaysOfferedToAnswer);
        return new ProviderResponsiveness(providerId, from, to, offers,
            offers is > 0 && accepted is { } a ? Math.Round((double)a / offers.Value, 2) : null,
            rule.ShowsStatistics(answers) ? rule.Days(Histogram.Quantile(cell.DaysOfferedToAnswer, 0.5)) : null);
    }
}

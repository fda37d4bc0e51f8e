using Hub.FollowUp;

namespace Hub.Evidence;

/// <summary>The evidence as mergeable cells, one per practice, month of referral and view (every offer, or one
/// provider's offers as it sees them), indexed by practice. A report merges the cells it covers: its work and memory
/// grow with the cells read, not with the referrals behind them. A referral whose journey moves on is taken out of its
/// cells as it was and put back as it is (<see cref="Add"/> with −1, then +1), so the cells stay current without a
/// recount.</summary>
public sealed class EvidenceCells(MeasureCatalogue measures)
{
    private readonly Dictionary<string, Dictionary<(DateOnly Month, string View), EvidenceCell>> _byPractice = new(StringComparer.Ordinal);

    public int Count => _byPractice.Values.Sum(p => p.Count);

    public static EvidenceCells Of(IEnumerable<EvidenceRow> rows, MeasureCatalogue measures)
    {
        var cells = new EvidenceCells(measures);
        foreach (var row in rows)
        {
            cells.Add(row);
        }

        return cells;
    }

    /// <summary>Counts one referral's row in its cells (or, with <paramref name="sign"/> −1, takes it out).</summary>
    public void Add(EvidenceRow row, int sign = 1)
    {
        var month = CellKey.MonthOf(row.ReferredAt);
        Cell(row.PracticeOds, month, CellKey.Everyone).Add(row, measures, sign);
        foreach (var provider in row.Offers.Select(o => o.ProviderId).Distinct(StringComparer.Ordinal))
        {
            Cell(row.PracticeOds, month, provider).Add(row.AsSeenBy(provider)!, measures, sign);
        }
    }

    /// <summary>The merge of the cells of these practices, in months from <paramref name="from"/> (inclusive) to
    /// <paramref name="to"/> (exclusive), in one view.</summary>
    public EvidenceCell Merge(IEnumerable<string> practices, DateTimeOffset? from, DateTimeOffset? to, string view = CellKey.Everyone)
    {
        var merged = new EvidenceCell();
        DateOnly? first = from is { } f ? CellKey.MonthOf(f) : null;
        DateOnly? end = to is { } t ? CellKey.MonthOf(t) : null;
        foreach (var practice in practices)
        {
            if (!_byPractice.TryGetValue(practice, out var cells))
            {
                continue;
            }

            foreach (var ((month, cellView), cell) in cells)
            {
                if (cellView == view && (first is null || month >= first) && (end is null || month < end))
                {
                    merged.Merge(cell);
                }
            }
        }

        return merged;
    }

    private EvidenceCell Cell(string practice, DateOnly month, string view)
    {
        if (!_byPractice.TryGetValue(practice, out var cells))
        {
            _byPractice[practice] = cells = [];
        }

        return cells.TryGetValue((month, view), out var cell) ? cell : cells[(month, view)] = new EvidenceCell();
    }
}

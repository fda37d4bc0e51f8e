using Hub.FollowUp;

namespace Hub.Evidence;

/// <summary>The evidence as mergeable cells, one per practice, month of referral and view (every offer, or one
/// provider's offers as it sees them), indexed by practice. A report merges the cells it covers: its work and memory
/// grow with the cells read, not with the referrals behind them. A referral whose journey moves on is taken out of its
/// cells as it was and put back as it is (<see cref="Add"/> with −1, then +1), so the cells stay current without a
/// recount. Cells are indexed by practice and view, so a report reads only its own view's months; each view also keeps
/// a running total per month over every practice, so a report over every practice reads one cell a month.</summary>
public sealed class EvidenceCells(MeasureCatalogue measures)
{
    private readonly Dictionary<(string Practice, string View), Dictionary<DateOnly, EvidenceCell>> _byPractice = [];

    private readonly Dictionary<string, (HashSet<string> Practices, Dictionary<DateOnly, EvidenceCell> Months)> _everyPractice = new(StringComparer.Ordinal);

    public int Count => _byPractice.Values.Sum(p => p.Count);

    /// <summary>Every cell, practice by practice, then each view's running totals over every practice (practice
    /// <see cref="CellKey.AllPractices"/>): what the stored cells hold.</summary>
    public IEnumerable<(CellKey Key, EvidenceCell Cell)> Entries =>
        _byPractice.SelectMany(p => p.Value.Select(m => (new CellKey(p.Key.Practice, m.Key, p.Key.View), m.Value)))
            .Concat(_everyPractice.SelectMany(v => v.Value.Months.Select(m => (new CellKey(CellKey.AllPractices, m.Key, v.Key), m.Value))));

    /// <summary>The practices with referrals in each view: a report that asks for all of them reads the running totals.</summary>
    public IEnumerable<(string View, IReadOnlySet<string> Practices)> PracticesByView =>
        _everyPractice.Select(v => (v.Key, (IReadOnlySet<string>)v.Value.Practices));

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
        if (!row.IsConnection)
        {
            // An onward connection is the same person again: the practice's figures count it on its parent's row.
            AddTo(row.PracticeOds, month, CellKey.Everyone, row, sign);
        }

        foreach (var provider in row.Offers.Select(o => o.ProviderId).Distinct(StringComparer.Ordinal))
        {
            AddTo(row.PracticeOds, month, provider, row.AsSeenBy(provider)!, sign);
        }
    }

    /// <summary>The merge of the cells of these practices, in months from <paramref name="from"/> (inclusive) to
    /// <paramref name="to"/> (exclusive), in one view.</summary>
    public EvidenceCell Merge(IEnumerable<string> practices, DateTimeOffset? from, DateTimeOffset? to, string view = CellKey.Everyone)
    {
        var merged = new EvidenceCell();
        DateOnly? first = from is { } f ? CellKey.MonthOf(f) : null;
        DateOnly? end = to is { } t ? CellKey.MonthOf(t) : null;
        bool InPeriod(DateOnly month) => (first is null || month >= first) && (end is null || month < end);
        var selected = practices as IReadOnlySet<string> ?? practices.ToHashSet(StringComparer.Ordinal);
        if (_everyPractice.TryGetValue(view, out var every) && every.Practices.All(selected.Contains))
        {
            // Every practice with referrals in this view is asked for: the running totals are the same sum.
            foreach (var (month, cell) in every.Months)
            {
                if (InPeriod(month))
                {
                    merged.Merge(cell);
                }
            }

            return merged;
        }

        foreach (var practice in selected)
        {
            if (!_byPractice.TryGetValue((practice, view), out var cells))
            {
                continue;
            }

            foreach (var (month, cell) in cells)
            {
                if (InPeriod(month))
                {
                    merged.Merge(cell);
                }
            }
        }

        return merged;
    }

    private void AddTo(string practice, DateOnly month, string view, EvidenceRow row, int sign)
    {
        Cell(practice, month, view).Add(row, measures, sign);
        if (!_everyPractice.TryGetValue(view, out var every))
        {
            _everyPractice[view] = every = (new HashSet<string>(StringComparer.Ordinal), []);
        }

        every.Practices.Add(practice);
        (every.Months.TryGetValue(month, out var total) ? total : every.Months[month] = new EvidenceCell()).Add(row, measures, sign);
    }

    private EvidenceCell Cell(string practice, DateOnly month, string view)
    {
        if (!_byPractice.TryGetValue((practice, view), out var cells))
        {
            _byPractice[(practice, view)] = cells = [];
        }

        return cells.TryGetValue(month, out var cell) ? cell : cells[month] = new EvidenceCell();
    }
}

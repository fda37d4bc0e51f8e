namespace Hub.Evidence;

/// <summary>The estimated cost offset from self-reported NHS use: per person per 3 months (the survey's recall period),
/// with the 95% interval, and the payback the programme cost implies. Null figures are withheld.</summary>
public sealed record CostOffset(
    bool Configured,
    Figure N,
    decimal GpAppointmentCost,
    decimal AeAttendanceCost,
    decimal ProgrammeCostPerReferral,
    double? SavingPerPerson3Months,
    double? SavingLow,
    double? SavingHigh,
    double? PaybackMonths,
    double? PaybackMonthsShortest)
{
    // Unit costs are configured per GP appointment and per A&E attendance, so the offset names those two measures.
    public const string GpAppointments = "gp-appointments-3m";
    public const string AeAttendances = "ae-attendances-3m";

    public bool Withheld => Configured && SavingPerPerson3Months is null;

    /// <summary>The same estimate from a cell's histogram of joint changes in GP and A&amp;E use.</summary>
    public static CostOffset FromChanges(IReadOnlyDictionary<string, int> nhsUseChanges, ReportingOptions costs)
    {
        var rule = costs.Rule;
        if (!costs.CostsConfigured)
        {
            return new CostOffset(false, rule.Count(0), 0, 0, 0, null, null, null, null, null);
        }

        var gp = (double)costs.GpAppointmentCost!.Value;
        var ae = (double)costs.AeAttendanceCost!.Value;
        var differences = new Dictionary<double, int>();
        foreach (var (key, count) in nhsUseChanges)
        {
            var (gpChange, aeChange) = EvidenceCell.ParseNhsUseKey(key);
            Histogram.Add(differences, (gpChange * gp) + (aeChange * ae), count);
        }

        var n = Histogram.Total(differences);
        var offset = new CostOffset(true, rule.Count(n), costs.GpAppointmentCost.Value, costs.AeAttendanceCost.Value, costs.ProgrammeCostPerReferral!.Value,
            null, null, null, null, null);
        return rule.ShowsStatistics(n) ? Estimate(offset, PairedStatistics.PairedT(differences, 0, 0), costs) : offset;
    }

    public static CostOffset Of(IEnumerable<EvidenceRow> rows, ReportingOptions costs)
    {
        var rule = costs.Rule;
        if (!costs.CostsConfigured)
        {
            return new CostOffset(false, rule.Count(0), 0, 0, 0, null, null, null, null, null);
        }

        var gp = (double)costs.GpAppointmentCost!.Value;
        var ae = (double)costs.AeAttendanceCost!.Value;
        var pairs = ScorePairs.Of(rows, scores =>
            scores.TryGetValue(GpAppointments, out var g) && scores.TryGetValue(AeAttendances, out var a) ? (g * gp) + (a * ae) : null);

        var offset = new CostOffset(true, rule.Count(pairs.Before.Count), costs.GpAppointmentCost.Value, costs.AeAttendanceCost.Value, costs.ProgrammeCostPerReferral!.Value,
            null, null, null, null, null);
        if (!rule.ShowsStatistics(pairs.Before.Count))
        {
            return offset;
        }

        return Estimate(offset, PairedStatistics.PairedT(pairs.Before, pairs.After), costs);
    }

    private static CostOffset Estimate(CostOffset offset, PairedTResult t, ReportingOptions costs)
    {
        var rule = costs.Rule;
        // A saving is use that fell: before minus after, so the paired difference (after − before) changes sign.
        var saving = -t.MeanDifference;
        var programme = (double)costs.ProgrammeCostPerReferral!.Value;
        // The payback is worked from the saving as published (whole pounds): from the true saving its decimals would
        // give back the precision the rounding took away.
        var shownSaving = rule.Money(saving);
        var shownHigh = rule.Money(-t.ConfidenceLow);
        return offset with
        {
            SavingPerPerson3Months = saving,
            SavingLow = -t.ConfidenceHigh,
            SavingHigh = -t.ConfidenceLow,
            PaybackMonths = shownSaving > 0 ? programme / (shownSaving / 3) : null,
            PaybackMonthsShortest = shownHigh > 0 ? programme / (shownHigh / 3) : null,
        };
    }
}

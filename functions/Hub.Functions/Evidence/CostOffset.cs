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

        // A saving is use that fell: before minus after, so the paired difference (after − before) changes sign.
        var t = PairedStatistics.PairedT(pairs.Before, pairs.After);
        var saving = -t.MeanDifference;
        var programme = (double)costs.ProgrammeCostPerReferral.Value;
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

namespace Hub.Evidence;

/// <summary>The estimated cost offset from self-reported NHS use: per person per 3 months (the survey's recall period),
/// with the 95% interval, and the payback the programme cost implies. Null figures are withheld.</summary>
public sealed record CostOffset(
    bool Configured,
    int N,
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
        if (!costs.CostsConfigured)
        {
            return new CostOffset(false, 0, 0, 0, 0, null, null, null, null, null);
        }

        var gp = (double)costs.GpAppointmentCost!.Value;
        var ae = (double)costs.AeAttendanceCost!.Value;
        var pairs = ScorePairs.Of(rows, scores =>
            scores.TryGetValue(GpAppointments, out var g) && scores.TryGetValue(AeAttendances, out var a) ? (g * gp) + (a * ae) : null);

        var offset = new CostOffset(true, pairs.Before.Count, costs.GpAppointmentCost.Value, costs.AeAttendanceCost.Value, costs.ProgrammeCostPerReferral!.Value,
            null, null, null, null, null);
        if (pairs.Before.Count < EvidenceReport.SmallestForStatistics)
        {
            return offset;
        }

        // A saving is use that fell: before minus after, so the paired difference (after − before) changes sign.
        var t = PairedStatistics.PairedT(pairs.Before, pairs.After);
        var saving = -t.MeanDifference;
        var programme = (double)costs.ProgrammeCostPerReferral.Value;
        return offset with
        {
            SavingPerPerson3Months = saving,
            SavingLow = -t.ConfidenceHigh,
            SavingHigh = -t.ConfidenceLow,
            PaybackMonths = saving > 0 ? programme / (saving / 3) : null,
            PaybackMonthsShortest = -t.ConfidenceLow > 0 ? programme / (-t.ConfidenceLow / 3) : null,
        };
    }
}

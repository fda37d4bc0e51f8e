using BenchmarkDotNet.Attributes;
using Hl7.Fhir.Model;
using Hub.Evidence;
using Hub.Platform.Fhir;
using Hub.Tests.Evidence;

namespace Hub.Benchmarks;

/// <summary>The evidence report over 100,000 referrals, in memory (no I/O): the arithmetic for everyone and for one
/// practice and the FHIR MeasureReport and its JSON.</summary>
[MemoryDiagnoser]
public class EvidenceReportBenchmarks
{
    public const int Referrals = 100_000;

    // Costs set, so the cost offset (a third paired t) is computed as in a configured hub.
    private static readonly ReportingOptions Costs = new() { GpAppointmentCost = 40m, AeAttendanceCost = 200m, ProgrammeCostPerReferral = 300m };
    private static readonly ReportScope Everyone = new(null, null, [], DateTimeOffset.UnixEpoch);
    private static readonly string Practice = EvidencePopulation.Practices[0];
    private static readonly ReportScope OnePractice = new(null, null, [$"Practice: {Practice}"], DateTimeOffset.UnixEpoch);

    private readonly FhirSerializer _fhir = new();
    private IReadOnlyList<EvidenceRow> _rows = [];
    private EvidenceReport _report = null!;

    [GlobalSetup]
    public void Setup()
    {
        _rows = new EvidencePopulation(2026, Referrals).Rows();
        _report = EvidenceReport.Build(_rows, Everyone, Costs);
        Console.WriteLine(FormattableString.Invariant(
            $"// {_rows.Count:N0} rows; MeasureReport JSON {MeasureReportJson().Length:N0} bytes"));
    }

    [Benchmark(Description = "Build: all referrals")]
    public EvidenceReport BuildAll() => EvidenceReport.Build(_rows, Everyone, Costs);

    /// <summary>The same selection <see cref="EvidenceReports.ForAsync"/> makes (a set of visible practices), then the build.</summary>
    [Benchmark(Description = "Build: one practice (filter included)")]
    public EvidenceReport BuildOnePractice()
    {
        var selected = new HashSet<string>(StringComparer.Ordinal) { Practice };
        var rows = new List<EvidenceRow>();
        foreach (var row in _rows)
        {
            if (selected.Contains(row.PracticeOds))
            {
                rows.Add(row);
            }
        }

        return EvidenceReport.Build(rows, OnePractice, Costs);
    }

    /// <summary>What the trigger pays after the build: the FHIR mapping and Firely's JSON, as UTF-8 bytes.</summary>
    [Benchmark(Description = "MeasureReport.From + Firely JSON")]
    public byte[] MeasureReportJson()
    {
        MeasureReport report = EvidenceMeasureReport.From(_report, ReportQuery.Everything, "s0000000000000000001", "benchmark");
        return _fhir.SerializeToUtf8(report, FhirFormat.Json);
    }
}

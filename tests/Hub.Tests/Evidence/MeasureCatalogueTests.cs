using Hub.Evidence;
using Hub.FollowUp;
using Hub.Platform.Fhir;
using Microsoft.Extensions.Options;

namespace Hub.Tests.Evidence;

/// <summary>The measure catalogue is built from the instruments: the shipped ones give the reports' familiar measures,
/// and a scheme's own instrument reaches the report rows, the MeasureReport, the page and the CSV with its label and
/// which way is better.</summary>
[Trait("Category", "Unit")]
public sealed class MeasureCatalogueTests
{
    private static readonly ReportScope Scope = new(null, null, [], DateTimeOffset.UnixEpoch);
    private static readonly ReportingOptions Costs = new() { GpAppointmentCost = 40m, AeAttendanceCost = 200m, ProgrammeCostPerReferral = 300m };

    [Fact]
    public void The_shipped_instruments_give_the_reports_measures_in_order_with_labels_ranges_and_direction()
    {
        var measures = MeasureCatalogue.Shipped;
        Assert.Equal(
            ["ons4-life-satisfaction", "ons4-worthwhile", "ons4-happiness", "ons4-anxiety", "ucla3-total"],
            measures.ReportedAs(MeasureReporting.Outcome).Select(m => m.Code));
        Assert.Equal(["gp-appointments-3m", "ae-attendances-3m", "nhs-contacts-3m"], measures.ReportedAs(MeasureReporting.NhsUse).Select(m => m.Code));
        Assert.Equal(
            ["ons4-life-satisfaction", "ons4-worthwhile", "ons4-happiness", "ons4-anxiety", "ucla3-total", "gp-appointments-3m", "ae-attendances-3m", "sessions-attended"],
            measures.Exported.Select(m => m.Code));
        Assert.Equal(["ons4-anxiety", "ucla3-total", "gp-appointments-3m", "ae-attendances-3m", "nhs-contacts-3m"],
            measures.All.Where(m => m.LowerIsBetter && m.Reporting != MeasureReporting.None).Select(m => m.Code));

        var life = measures.Find("ons4-life-satisfaction")!;
        Assert.Equal(("Life satisfaction (ONS4, 0–10)", "ONS4 life satisfaction", 0m, 10m), (life.Label, life.Display, life.Lowest, life.Highest));
        Assert.Equal((MeasureKind.Item, "sp-follow-up", $"{FhirCodes.HubBase}/CodeSystem/sp-outcome-measures"), (life.Kind, life.Instrument, life.System));
        var loneliness = measures.Find("ucla3-total")!;
        Assert.Equal((MeasureKind.Total, 3m, 9m, "Loneliness (UCLA-3 total, 3–9)"), (loneliness.Kind, loneliness.Lowest, loneliness.Highest, loneliness.Label));
        Assert.Equal(MeasureReporting.None, measures.Find("ucla3-companionship")!.Reporting);
        Assert.Equal((1m, 3m), (measures.Find("ucla3-isolated")!.Lowest, measures.Find("ucla3-isolated")!.Highest));
        var contacts = measures.Find("nhs-contacts-3m")!;
        Assert.Equal((MeasureKind.Derived, "sp-outcome-measures", 0m, 198m), (contacts.Kind, contacts.Instrument, contacts.Lowest, contacts.Highest));
        Assert.Equal(["gp-appointments-3m", "ae-attendances-3m"], contacts.SumOf);
        Assert.Equal(5.0, contacts.ScoreIn(new Dictionary<string, double> { ["gp-appointments-3m"] = 4, ["ae-attendances-3m"] = 1 }));
        Assert.Null(contacts.ScoreIn(new Dictionary<string, double> { ["gp-appointments-3m"] = 4 }));
        Assert.Equal(MeasureReporting.None, measures.Find("attended")!.Reporting);
        Assert.Equal(new EvidenceCsv([]).Measures, measures.Exported.Select(m => m.Code));
    }

    [Fact]
    public void A_schemes_own_instrument_gives_its_measures_with_the_properties_its_CodeSystem_declares()
    {
        using var scheme = new SchemeInstrument();
        var measures = new QuestionnaireLibrary(Options.Create(scheme.Options), new FhirSerializer()).Measures;

        // The scheme's follow-up comes first, then what only the baseline asks, then derived scores.
        Assert.Equal([SchemeInstrument.WorryTotal, "garden-worry-pests", "garden-worry-weather", SchemeInstrument.Confidence, "grew-something", "attended", "ons4-life-satisfaction"],
            measures.All.Take(7).Select(m => m.Code));
        Assert.Equal(["nhs-contacts-3m", "garden-wellbeing"], measures.All.Where(m => m.Kind == MeasureKind.Derived).Select(m => m.Code));

        var worry = measures.Find(SchemeInstrument.WorryTotal)!;
        Assert.Equal((SchemeInstrument.WorryLabel, true, MeasureKind.Total, MeasureReporting.Outcome, 0m, 8m, SchemeInstrument.FollowUpId, SchemeInstrument.System),
            (worry.Label, worry.LowerIsBetter, worry.Kind, worry.Reporting, worry.Lowest, worry.Highest, worry.Instrument, worry.System));
        var confidence = measures.Find(SchemeInstrument.Confidence)!;
        Assert.Equal((SchemeInstrument.ConfidenceDisplay, false, MeasureReporting.Outcome), (confidence.Label, confidence.LowerIsBetter, confidence.Reporting));
        Assert.Equal(MeasureReporting.None, measures.Find("garden-worry-pests")!.Reporting);          // counted in its total
        Assert.Equal(MeasureReporting.Export, measures.Find("grew-something")!.Reporting);            // a yes/no
        var wellbeing = measures.Find("garden-wellbeing")!;
        Assert.Equal((MeasureReporting.Export, false, 0m, 18m), (wellbeing.Reporting, wellbeing.Exported, wellbeing.Lowest, wellbeing.Highest));
    }

    [Fact]
    public void A_schemes_own_measure_reaches_the_report_the_MeasureReport_the_page_and_the_CSV()
    {
        using var scheme = new SchemeInstrument();
        var measures = new QuestionnaireLibrary(Options.Create(scheme.Options), new FhirSerializer()).Measures;
        // Everyone with both surveys worried less at follow-up (6 → 4) and felt a little more confident (5 → 7).
        var rows = new EvidencePopulation(seed: 5, referrals: 300).Rows().Select(r => r with
        {
            Baseline = With(r.Baseline, 6, 5),
            FollowUp = With(r.FollowUp, 4, 7),
        }).ToList();

        var report = EvidenceReport.Build(rows, Scope, Costs, measures);

        var worry = report.Outcomes.Single(o => o.Code == SchemeInstrument.WorryTotal);
        Assert.Equal((SchemeInstrument.WorryLabel, false), (worry.Label, worry.HigherIsBetter));
        Assert.True(worry.Paired.Count >= 8);
        Assert.Equal(worry.Paired.Count, worry.Improved.Count);   // a fall in worry is improvement
        Assert.Equal(-2, worry.T!.MeanDifference, 9);
        var confidence = report.Outcomes.Single(o => o.Code == SchemeInstrument.Confidence);
        Assert.Equal((SchemeInstrument.ConfidenceDisplay, true, confidence.Paired.Count), (confidence.Label, confidence.HigherIsBetter, confidence.Improved.Count));
        Assert.Contains(report.ComparisonOutcomes, o => o.Code == SchemeInstrument.WorryTotal);
        Assert.DoesNotContain(report.Outcomes, o => o.Code is "garden-worry-pests" or "grew-something" or "garden-wellbeing");

        var measureReport = EvidenceMeasureReport.From(report, ReportQuery.Everything, "snapshot", "reader");
        var group = measureReport.Group.Single(g => g.Code.Coding.Any(c => c.System == SchemeInstrument.System && c.Code == SchemeInstrument.WorryTotal)
            && g.Code.Coding.Any(c => c.Code == "took-up"));
        Assert.StartsWith(SchemeInstrument.WorryLabel + ": mean change", group.Code.Text, StringComparison.Ordinal);
        Assert.Equal("Direction of change (lower is better)", group.Stratifier.Single().Code.Single().Text);
        Assert.Equal(-2m, group.MeasureScore.Value);

        var page = ReportPage.Render(report);
        Assert.Contains("Worry about the garden (0–8) (lower is better)", page, StringComparison.Ordinal);
        Assert.Contains("Confidence growing food (higher is better)", page, StringComparison.Ordinal);

        var header = new EvidenceCsv("key"u8.ToArray(), measures).Write(rows).Split("\r\n")[0];
        Assert.Contains($",baseline_{SchemeInstrument.WorryTotal},follow_up_{SchemeInstrument.WorryTotal},baseline_{SchemeInstrument.Confidence},follow_up_{SchemeInstrument.Confidence},baseline_grew-something,follow_up_grew-something,",
            header, StringComparison.Ordinal);
        Assert.DoesNotContain("garden-worry-pests", header, StringComparison.Ordinal);
        Assert.DoesNotContain("garden-wellbeing", header, StringComparison.Ordinal);
    }

    [Fact]
    public void A_schemes_own_answers_become_Observations_coded_as_its_instrument_codes_them_with_its_total()
    {
        using var scheme = new SchemeInstrument();
        var library = new QuestionnaireLibrary(Options.Create(scheme.Options), new FhirSerializer());
        var answers = SurveyAnswers.Read(library.FollowUp, name => name switch { "worry-1" => "3", "worry-2" => "1", "confidence" => "6", "attended" => "yes", _ => null });
        Assert.Empty(answers.Errors);
        var subject = new OutcomeSubject(Guid.NewGuid().ToString(), "9912003888", null);

        var bundle = OutcomeResources.Build(library.FollowUp, answers.Answers, subject, "follow-up", DateTimeOffset.UnixEpoch);

        var observations = bundle.Entry.Select(e => e.Resource).OfType<Hl7.Fhir.Model.Observation>().ToList();
        Assert.Equal(["garden-worry-pests", "garden-worry-weather", SchemeInstrument.Confidence, "attended", SchemeInstrument.WorryTotal],
            observations.Select(o => o.Code.Coding[0].Code));
        var total = observations[^1];
        Assert.Equal((SchemeInstrument.System, "Garden worries total", 4), (total.Code.Coding[0].System, total.Code.Text, ((Hl7.Fhir.Model.Integer)total.Value).Value));
        Assert.Equal(SchemeInstrument.ConfidenceDisplay, observations[2].Code.Text);
        Assert.Equal(4m, SurveyAnswers.Measures(library.FollowUp, answers.Answers)[SchemeInstrument.WorryTotal]);
    }

    [Fact]
    public void A_measure_shown_nowhere_the_hub_knows_is_refused_when_the_instruments_load()
    {
        using var scheme = new SchemeInstrument();
        var file = Path.Combine(scheme.Folder, "CodeSystem-garden-measures.json");
        File.WriteAllText(file, File.ReadAllText(file).Replace("\"valueCode\": \"export\"", "\"valueCode\": \"everywhere\"", StringComparison.Ordinal));
        var refused = Assert.Throws<InvalidOperationException>(() => new QuestionnaireLibrary(Options.Create(scheme.Options), new FhirSerializer()));
        Assert.Contains("reported-as 'everywhere'", refused.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, double> With(IReadOnlyDictionary<string, double> scores, double worry, double confidence)
    {
        var with = new Dictionary<string, double>(scores, StringComparer.Ordinal);
        if (scores.Count > 0)
        {
            with[SchemeInstrument.WorryTotal] = worry;
            with[SchemeInstrument.Confidence] = confidence;
        }

        return with;
    }
}

using Hub.Evidence;
using Hub.FollowUp;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Evidence;

/// <summary>The reporting hub with a scheme's own follow-up instrument in <c>FollowUp:DefinitionsFolder</c>.</summary>
public sealed class SchemeInstrumentHub : TestHub, IDisposable
{
    private readonly SchemeInstrument _instrument = new();
    private readonly EvidenceReaders _readers = new();

    public string SchemeKey => _readers.SchemeKey;

    public string PracticeKey => _readers.PracticeKey;

    public string PracticeAnalystKey => _readers.PracticeAnalystKey;

    protected override void Setup(HubSetup hub) =>
        _readers.Setup(hub, this)
            .Set("FollowUp:DefinitionsFolder", _instrument.Folder)
            .Set("FollowUp:FollowUpQuestionnaire", SchemeInstrument.FollowUpId);

    public Task<HttpAnswer> MeasureReportAsync(string? key, string query) => EvidenceReaders.MeasureReportAsync(this, key, query);

    public void Dispose() => _instrument.Dispose();
}

/// <summary>The app's own reports read the configured instruments' measures: a scheme's measure reaches the
/// MeasureReport, the page and the CSV with its label and direction, with no code change.</summary>
public sealed class SchemeInstrumentReportingTests(SchemeInstrumentHub hub) : IClassFixture<SchemeInstrumentHub>
{
    [Fact]
    public async System.Threading.Tasks.Task A_schemes_own_measure_is_in_the_apps_MeasureReport_page_and_CSV()
    {
        Assert.Equal(SchemeInstrument.WorryLabel, hub.Get<QuestionnaireLibrary>().Measures.Find(SchemeInstrument.WorryTotal)!.Label);

        var report = ReportingHub.Report(await hub.MeasureReportAsync(hub.SchemeKey, $"?subject=Group/{ReportingHub.Scheme}"));
        var worry = report.Group.Single(g => g.Code.Coding.Any(c => c.System == SchemeInstrument.System && c.Code == SchemeInstrument.WorryTotal)
            && g.Code.Coding.Any(c => c.Code == "took-up"));
        Assert.StartsWith(SchemeInstrument.WorryLabel, worry.Code.Text, StringComparison.Ordinal);
        Assert.Equal("Direction of change (lower is better)", worry.Stratifier.Single().Code.Single().Text);
        // The shipped measures the baseline still asks are there too.
        Assert.Contains(report.Group, g => g.Code.Coding.Any(c => c.Code == "ons4-life-satisfaction"));

        var page = await TestHub.CallAsync(HttpCall.Request("GET", "/api/reports/evidence", apiKey: hub.SchemeKey), r => hub.Function<ReportHttp>().Page(r));
        Assert.Contains($"{SchemeInstrument.WorryLabel} (lower is better)", page.Body, StringComparison.Ordinal);

        var csv = await TestHub.CallAsync(HttpCall.Request("GET", "/api/reports/referrals.csv", apiKey: hub.PracticeAnalystKey, query: "?purpose=instrument-check"), r => hub.Function<ReportHttp>().Csv(r));
        Assert.Contains($"baseline_{SchemeInstrument.WorryTotal},follow_up_{SchemeInstrument.WorryTotal}", csv.Body.Split("\r\n")[0], StringComparison.Ordinal);
    }
}

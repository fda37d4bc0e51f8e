using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Evidence;
using Hub.FollowUp;
using Hub.Platform.Storage;
using Hub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hub.Tests.Evidence;

/// <summary>What the audit of a report over a set of practices hid is kept per question and per state of the cells
/// (<see cref="ReportQuestions"/>): another instance serves the same question from it without auditing, never at another
/// state; after an update the warm-up audits the questions asked lately, so their next reader does not wait.</summary>
public sealed class ReportQuestionsTests(TestHub hub) : IClassFixture<TestHub>
{
    private static readonly string[] Practices = ["P40201", "P40202", "P40203"];
    private static readonly string[] Later = ["P40211", "P40212"];

    private static readonly DateTimeOffset Year = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async System.Threading.Tasks.Task Another_instance_makes_a_set_of_practices_report_from_what_its_audit_hid_at_that_state_and_never_from_an_earlier_state()
    {
        var tables = hub.Get<HubTables>();
        var update = hub.Get<EvidenceUpdate>();
        var questions = hub.Get<ReportQuestions>();
        var caller = (await hub.Get<ApiKeys>().AuthenticateAsync(await hub.KeyForAsync("kept-questions", Practices)))!;
        var year = YearQuery();
        await new EvidencePopulation(seed: 51, referrals: 150, Practices).WriteAsync(tables);
        var state = await update.UpdateAsync();

        var audited = (await hub.Function<EvidenceReports>().ForAsync(caller, year)).Report!;
        var question = QuestionOf(Practices);
        var kept = await questions.HiddenAsync(question, state);
        Assert.NotNull(kept);
        Assert.Equal(EvidenceReport.HiddenOf(audited), kept.Order(StringComparer.Ordinal));
        // Not by another audit: under other thresholds (or another build) the kept set is not there to apply.
        var rounding10 = Options.Create(new ReportingOptions { Disclosure = new DisclosureOptions { RoundTo = 10 } });
        Assert.Null(await ActivatorUtilities.CreateInstance<ReportQuestions>(hub.Services, rounding10).HiddenAsync(question, state));

        // Another instance (its own kept reports) makes the same report from the kept set: every published figure and
        // statistic the same, in the MeasureReport as in the report.
        var other = (await hub.Function<EvidenceReports>().ForAsync(caller, year)).Report!;
        Assert.Equal(Published(audited), Published(other));
        Assert.True(MeasureOf(audited).IsExactly(MeasureOf(other)), "the MeasureReport made from the kept set differs from the audited one");

        // It is the kept set that another instance applies, not a new audit: one figure more in it, one more hidden.
        const string Shown = "funnel-referred";
        Assert.False(audited.Figures[Shown].Suppressed);
        await questions.AskedAsync(question, state, [.. kept, Shown]);
        Assert.True((await hub.Function<EvidenceReports>().ForAsync(caller, year)).Report!.Figures[Shown].Suppressed);

        // After an update the set kept for the state before is not used: the report is audited afresh (the same as an
        // audit of the new cells without the store), and what it hid is kept for the new state.
        await new EvidencePopulation(seed: 52, referrals: 40, Practices).WriteAsync(tables);
        var next = await update.UpdateAsync();
        var afresh = (await hub.Function<EvidenceReports>().ForAsync(caller, year)).Report!;
        var direct = await AuditedAsync(Practices, next);
        Assert.Equal(190, afresh.Funnel[0].Count.Count);
        Assert.False(direct.Figures[Shown].Suppressed);
        Assert.Equal(Published(direct), Published(afresh));
        Assert.Equal(EvidenceReport.HiddenOf(afresh), (await questions.HiddenAsync(question, next))!.Order(StringComparer.Ordinal));
        Assert.Null(await questions.HiddenAsync(question, state));
    }

    [Fact]
    public async System.Threading.Tasks.Task After_an_update_the_warm_up_audits_the_questions_asked_lately_at_the_new_state_once()
    {
        var tables = hub.Get<HubTables>();
        var update = hub.Get<EvidenceUpdate>();
        var questions = hub.Get<ReportQuestions>();
        var caller = (await hub.Get<ApiKeys>().AuthenticateAsync(await hub.KeyForAsync("warm-questions", Later)))!;
        await new EvidencePopulation(seed: 53, referrals: 120, Later).WriteAsync(tables);
        await update.UpdateAsync();
        Assert.NotNull((await hub.Function<EvidenceReports>().ForAsync(caller, YearQuery())).Report);

        await new EvidencePopulation(seed: 54, referrals: 30, Later).WriteAsync(tables);
        var state = await update.UpdateAsync();
        var question = QuestionOf(Later);
        Assert.Null(await questions.HiddenAsync(question, state));

        Assert.True(await hub.Get<EvidenceWarmUp>().WarmAsync() >= 1, "the warm-up audited nothing");
        var warmed = await questions.HiddenAsync(question, state);
        Assert.NotNull(warmed);
        // What an audit of the new cells hides, worked out here without the store.
        Assert.Equal(EvidenceReport.HiddenOf(await AuditedAsync(Later, state)), warmed.Order(StringComparer.Ordinal));

        // Asked again at the same state, nothing is audited twice.
        Assert.Equal(0, await hub.Get<EvidenceWarmUp>().WarmAsync());

        // A question last asked longer ago than Reporting:WarmUpAskedWithin is left for its next reader.
        await new EvidencePopulation(seed: 55, referrals: 10, Later).WriteAsync(tables);
        var after = await update.UpdateAsync();
        var weeksOn = ActivatorUtilities.CreateInstance<EvidenceWarmUp>(hub.Services, new Shifted(TimeSpan.FromDays(40)));
        Assert.Equal(0, await weeksOn.WarmAsync());
        Assert.Null(await questions.HiddenAsync(question, after));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_report_made_from_what_its_audit_hid_is_the_audited_report_read_from_its_own_cells_alone()
    {
        string[] practices = ["P40221", "P40222", "P40223", "P40224"];
        var measures = MeasureCatalogue.Shipped;
        var cells = EvidenceCells.Of(new EvidencePopulation(seed: 56, referrals: 400, practices).Rows(), measures);
        var views = new System.Collections.Concurrent.ConcurrentBag<string>();
        Task<EvidenceCell> Merge(IReadOnlyCollection<string> p, DateTimeOffset? f, DateTimeOffset? t, string v)
        {
            views.Add(v);
            return System.Threading.Tasks.Task.FromResult(cells.Merge(p, f, t, v));
        }

        var scope = new ReportScope(Year, Year.AddYears(1), [], DateTimeOffset.UnixEpoch);
        var options = new ReportingOptions();
        var audited = await EvidenceReport.ForAsync(practices, Merge, CellKey.Everyone, Year, Year.AddYears(1), scope, options, measures);
        Assert.Contains(views, v => v != CellKey.Everyone);
        // The audit hid more than the primary rule did (a count above 7), so the kept set carries its decisions.
        var hidden = EvidenceReport.HiddenOf(audited);
        Assert.Contains(hidden, key => audited.Figures[key].Count > options.Disclosure.SuppressUpTo);

        views.Clear();
        var again = await EvidenceReport.ForAsync(practices, Merge, CellKey.Everyone, Year, Year.AddYears(1), scope, options, measures, hidden.ToHashSet(StringComparer.Ordinal));
        Assert.All(views, v => Assert.Equal(CellKey.Everyone, v));
        Assert.Equal(Published(audited), Published(again));
        Assert.True(MeasureOf(audited).IsExactly(MeasureOf(again)), "the MeasureReport made from the kept set differs from the audited one");
    }

    private static ReportQuery YearQuery()
    {
        var (year, problems) = ReportQuery.Parse(default, "2026");
        Assert.Empty(problems);
        return year!;
    }

    /// <summary>The year's report over these practices audited from the stored cells, without the kept sets.</summary>
    private Task<EvidenceReport> AuditedAsync(string[] practices, EvidenceState state)
    {
        var cells = hub.Get<EvidenceCellStore>();
        return EvidenceReport.ForAsync(practices, (p, f, t, v) => cells.MergeAsync(p, f, t, v, CancellationToken.None), CellKey.Everyone, Year, Year.AddYears(1),
            new ReportScope(Year, Year.AddYears(1), [], state.UpdatedAt), hub.Get<IOptions<ReportingOptions>>().Value, hub.Get<QuestionnaireLibrary>().Measures);
    }

    private static ReportQuestion QuestionOf(string[] practices) =>
        new(ReportQuestion.KeyOf(CellKey.Everyone, Year, Year.AddYears(1), practices), CellKey.Everyone, Year, Year.AddYears(1), [.. practices.Order(StringComparer.Ordinal)]);

    private static List<string> Published(EvidenceReport report) =>
        [.. report.Figures.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={f.Value.Display}")];

    private static MeasureReport MeasureOf(EvidenceReport report) => EvidenceMeasureReport.From(report, ReportQuery.Everything, "snapshot", "reader");

    /// <summary>The clock some time on.</summary>
    private sealed class Shifted(TimeSpan by) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + by;
    }
}

using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Evidence;
using Hub.Platform.Storage;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Evidence;

/// <summary>What the evidence fixtures share, composed rather than inherited: a generated population
/// (<see cref="EvidencePopulation"/>, seed 11, 500 referrals across four practices) written into the hub's tables as the
/// hub records journeys, a scheme over all four practices, keys for the scheme lead and for one practice, and a snapshot.</summary>
public sealed class EvidenceReaders
{
    public const string Scheme = "riverside";

    public EvidencePopulation Population { get; } = new(seed: 11, referrals: 500);

    public string SchemeKey { get; private set; } = null!;

    public string PracticeKey { get; private set; } = null!;

    /// <summary>An analyst's key over the scheme: the only kind that may export per-person rows.</summary>
    public string AnalystKey { get; private set; } = null!;

    /// <summary>An analyst's key over the own practice only.</summary>
    public string PracticeAnalystKey { get; private set; } = null!;

    public static string OwnPractice => EvidencePopulation.Practices[0];

    public HubSetup Setup(HubSetup setup, TestHub hub) =>
        setup.Set("Reporting:GpAppointmentCost", "40")
            .Set("Reporting:AeAttendanceCost", "200")
            .Set("Reporting:ProgrammeCostPerReferral", "300")
            .Set("Reporting:PseudonymKey", "evidence-test-pseudonym-key")
            .WithPageServer()
            .OnStarted(async _ =>
            {
                await Population.WriteAsync(hub.Get<HubTables>());
                await hub.Get<Schemes>().SaveAsync(Scheme, "Riverside social prescribing", EvidencePopulation.Practices);
                var keys = hub.Get<ApiKeys>();
                await keys.SaveClientAsync("riverside-lead", "Riverside scheme lead", [], [Scheme]);
                SchemeKey = (await keys.IssueAsync("riverside-lead"))!.ApiKey;
                PracticeKey = await hub.KeyForAsync("practice-one", OwnPractice);
                await keys.SaveClientAsync("riverside-analyst", "Riverside analyst", [], [Scheme], KeyRole.Analyst);
                AnalystKey = (await keys.IssueAsync("riverside-analyst"))!.ApiKey;
                await keys.SaveClientAsync("practice-one-analyst", "Practice one analyst", [OwnPractice], [], KeyRole.Analyst);
                PracticeAnalystKey = (await keys.IssueAsync("practice-one-analyst"))!.ApiKey;
                await hub.Get<EvidenceUpdate>().UpdateAsync();
            });

    public static Task<HttpAnswer> MeasureReportAsync(TestHub hub, string? key, string query) =>
        TestHub.CallAsync(HttpCall.Request("GET", "/api/fhir/MeasureReport", apiKey: key, query: query), r => hub.Function<MeasureReportHttp>().Search(r));

    public static MeasureReport Report(HttpAnswer answer)
    {
        Assert.True(answer.Status == 200, answer.ToString());
        var bundle = answer.As<Bundle>();
        Assert.Equal(Bundle.BundleType.Searchset, bundle.Type);
        return (MeasureReport)bundle.Entry.Single().Resource!;
    }

    /// <summary>What a report publishes for a true count under the default rule.</summary>
    public static int? Shown(int count) => DisclosureRule.Default.Publish(count);

    public static int? Count(MeasureReport report, string group, string population = "numerator") =>
        report.Group.Single(g => g.Code.Coding.Any(c => c.Code == group)).Population.Single(p => p.Code.Coding[0].Code == population).Count;
}

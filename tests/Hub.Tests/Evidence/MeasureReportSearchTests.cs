using System.Net;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Evidence;

/// <summary>A scheme lead's FHIR client searches MeasureReports as it searches any FHIR server: <c>_count</c>, page links
/// and <c>POST MeasureReport/_search</c> with a form body.</summary>
public sealed class MeasureReportSearchTests(ReportingHub hub) : IClassFixture<ReportingHub>
{
    [Fact]
    public async System.Threading.Tasks.Task Post_search_and_count_answer_the_same_report_as_a_get()
    {
        var client = hub.FhirClient(hub.SchemeKey);
        var subject = $"Group/{ReportingHub.Scheme}";

        var got = await client.SearchAsync<MeasureReport>(new SearchParams().Add("subject", subject).Add("period", "2026-02"));
        var posted = await client.SearchUsingPostAsync<MeasureReport>(new SearchParams().Add("subject", subject).Add("period", "2026-02").LimitTo(1));

        Assert.Equal(1, posted!.Total);
        Assert.Null(posted.NextLink);
        Assert.Contains("_count=1", posted.SelfLink!.ToString(), StringComparison.Ordinal);
        var report = Assert.IsType<MeasureReport>(posted.Entry.Single().Resource);
        Assert.Equal(got!.Entry.Single().Resource!.Id, report.Id);
        Assert.Equal(((MeasureReport)got.Entry.Single().Resource!).Group.Count, report.Group.Count);

        // What the search cannot take is still refused by name, posted or not.
        var refused = await Assert.ThrowsAsync<FhirOperationException>(() =>
            client.SearchUsingPostAsync<MeasureReport>(new SearchParams().Add("subject", subject).Add("status", "complete")));
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("status", refused.Outcome.Issue.Single().Expression.Single());
    }
}

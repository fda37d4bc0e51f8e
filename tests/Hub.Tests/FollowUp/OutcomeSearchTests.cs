using System.Net;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Hub.FollowUp;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using static Hub.Tests.Infrastructure.ReferralExamples;

namespace Hub.Tests.FollowUp;

/// <summary>A GP system reads a referral's outcomes through Firely's own FhirClient: pages of Observations it follows to
/// the end, and the same searches by <c>POST [type]/_search</c> with a form body.</summary>
public sealed class OutcomeSearchTests(TestHub hub) : IClassFixture<TestHub>
{
    /// <summary>A referral taken through intake, with its baseline answers recorded as the survey page records them.</summary>
    private async System.Threading.Tasks.Task<(FhirClient Client, string ReferralId)> AnsweredReferralAsync(string client)
    {
        var fhir = hub.FhirClient(await hub.KeyForAsync(client, Practice));
        var referral = (await fhir.CreateAsync(ServiceRequest()))!;
        var (record, document) = await hub.Get<ReferralDocuments>().RequireAsync(Practice, referral.Id);
        var questionnaire = hub.Get<QuestionnaireLibrary>().Baseline;
        var answers = Journey.BaselineAnswers.ToDictionary(a => a.Item1, a => a.Item2);
        var read = SurveyAnswers.Read(questionnaire, answers.GetValueOrDefault);
        Assert.Empty(read.Errors);
        Assert.True(await hub.Get<SurveyRecorder>().RecordAsync(record, document, questionnaire, SurveyKind.Baseline, AnswerSource.Patient,
            read.Answers, read.Complete, DateTimeOffset.UtcNow, WriteBackState.Pending));
        return (fhir, referral.Id);
    }

    [Fact]
    public async System.Threading.Tasks.Task Observations_page_with_next_links_the_client_follows_to_the_end_and_by_post_search()
    {
        var (client, referralId) = await AnsweredReferralAsync("outcome-paging");
        var basedOn = new SearchParams().Add("based-on", $"ServiceRequest/{referralId}");

        var page = await client.SearchAsync<Observation>(basedOn.LimitTo(4));
        var total = page!.Total!.Value;
        Assert.True(total > 8, $"the baseline makes {total} Observations");
        var seen = new List<string>();
        var pages = 0;
        while (page is not null)
        {
            pages++;
            Assert.InRange(page.Entry.Count, 1, 4);
            Assert.Contains("_count=4", page.SelfLink!.ToString(), StringComparison.Ordinal);
            seen.AddRange(page.Entry.Select(e => ((Observation)e.Resource!).Id!));
            page = await client.ContinueAsync(page);
        }

        Assert.Equal((total + 3) / 4, pages);
        Assert.Equal(total, seen.Distinct().Count());
        Assert.Equal(total, seen.Count);

        var posted = await client.SearchUsingPostAsync<Observation>(new SearchParams().Add("based-on", $"ServiceRequest/{referralId}").LimitTo(100));
        Assert.Equal(seen.Order(), posted!.Entry.Select(e => e.Resource!.Id!).Order());
        Assert.Null(posted.NextLink);
        var responses = await client.SearchUsingPostAsync<QuestionnaireResponse>(new SearchParams().Add("based-on", $"ServiceRequest/{referralId}"));
        Assert.Equal(1, responses!.Total);
        Assert.IsType<QuestionnaireResponse>(responses.Entry.Single().Resource);
    }

    [Fact]
    public async System.Threading.Tasks.Task An_outcome_page_link_for_another_referral_or_key_is_refused()
    {
        var (client, referralId) = await AnsweredReferralAsync("outcome-token");
        var next = (await client.SearchAsync<Observation>(new SearchParams().Add("based-on", $"ServiceRequest/{referralId}").LimitTo(2)))!.NextLink!;

        var moved = new Uri(next.ToString().Replace(referralId, "another-referral", StringComparison.Ordinal));
        var refused = await Assert.ThrowsAsync<FhirOperationException>(() => client.GetAsync(moved));
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("_cursor", refused.Outcome.Issue.Single().Expression.Single());

        var other = hub.FhirClient(await hub.KeyForAsync("outcome-token-other", Practice));
        var borrowed = await Assert.ThrowsAsync<FhirOperationException>(() => other.GetAsync(next));
        Assert.Equal(HttpStatusCode.BadRequest, borrowed.Status);
    }
}

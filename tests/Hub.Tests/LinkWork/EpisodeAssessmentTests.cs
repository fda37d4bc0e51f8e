using System.Globalization;
using System.Text;
using Hl7.Fhir.Model;
using Hub.FollowUp;
using Hub.LinkWork;
using Hub.Tests.Infrastructure;
using static Hub.Tests.LinkWork.EpisodeJourney;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.LinkWork;

/// <summary>The link worker's wellbeing assessment (ONS4, the follow-up's own questions): recorded on the episode page
/// or through the provider API with the version rules of every change, read by the referring practice as the same
/// QuestionnaireResponse and Observations as the survey's but performed by the service, and listed in the message back.</summary>
public sealed class EpisodeAssessmentTests(LinkWorkHub hub) : IClassFixture<LinkWorkHub>
{
    private static (string, string)[] Ons4(DateOnly date, int satisfied, int worthwhile, int happy, int anxious) =>
    [
        ("assessment-day", $"{date.Day}"), ("assessment-month", $"{date.Month}"), ("assessment-year", $"{date.Year}"),
        ("assessment-ons4-1", $"{satisfied}"), ("assessment-ons4-2", $"{worthwhile}"), ("assessment-ons4-3", $"{happy}"), ("assessment-ons4-4", $"{anxious}"),
    ];

    private Task<HttpAnswer> SearchAsync(string key, string type, string referralId) => type == "Observation"
        ? TestHub.CallAsync(HttpCall.Request("GET", "/api/fhir/Observation", query: $"?based-on=ServiceRequest/{referralId}", apiKey: key), r => hub.Function<OutcomeReadHttp>().SearchObservation(r))
        : TestHub.CallAsync(HttpCall.Request("GET", "/api/fhir/QuestionnaireResponse", query: $"?based-on=ServiceRequest/{referralId}", apiKey: key), r => hub.Function<OutcomeReadHttp>().SearchQuestionnaireResponse(r));

    [Fact]
    public async System.Threading.Tasks.Task An_assessment_on_the_page_reaches_the_practice_as_the_service_s_Observations_and_a_replay_changes_nothing()
    {
        var (referralId, _, link) = await hub.LinkWorkerAcceptedAsync();
        var page = await OpenAsync(hub, link);
        Assert.Contains("Wellbeing assessments", page.Body, StringComparison.Ordinal);
        Assert.Contains("<label class=\"nhsuk-label\" for=\"assessment-ons4-1\">Overall, how satisfied are you with your life nowadays?", page.Body, StringComparison.Ordinal);

        var (recorded, saved) = await RecordAsync(hub, link, "assessment", Ons4(Yesterday, 4, 5, 6, 7));
        Assert.Equal(200, recorded.Status);
        Assert.Contains(Yesterday.ToString("d MMMM yyyy", CultureInfo.InvariantCulture), recorded.Body, StringComparison.Ordinal);
        Assert.Equal(409, (await ReplayAsync(hub, saved)).Status);
        Assert.Single((await hub.Get<EpisodeStore>().GetAsync(referralId))!.Taken);

        var practice = await hub.KeyForAsync(Journey.PracticeClient, ReferralExamples.Practice);
        var search = await SearchAsync(practice, "Observation", referralId);
        Assert.Equal(200, search.Status);
        var observations = search.As<Bundle>().Entry.Select(e => (Observation)e.Resource).ToList();
        var id = $"{referralId}-lw1";
        Assert.Equal([$"{id}-ons4-1", $"{id}-ons4-2", $"{id}-ons4-3", $"{id}-ons4-4"], observations.Select(o => o.Id));
        Assert.Equal([4, 5, 6, 7], observations.Select(o => ((Integer)o.Value).Value!.Value));
        Assert.Equal(["ons4-life-satisfaction", "ons4-worthwhile", "ons4-happiness", "ons4-anxiety"], observations.Select(o => o.Code.Coding[0].Code));
        foreach (var observation in observations)
        {
            var performer = observation.Performer.Single();
            Assert.Equal(("Organization", Hub.Providers.ActivityCategories.ProviderIdSystem, "alpha"), (performer.Type, performer.Identifier.System, performer.Identifier.Value));
            Assert.Equal(Yesterday.ToString("O", CultureInfo.InvariantCulture), ((FhirDateTime)observation.Effective).Value);
            Assert.Equal($"ServiceRequest/{referralId}", observation.BasedOn.Single().Reference);
            Assert.Equal($"QuestionnaireResponse/{id}", observation.DerivedFrom.Single().Reference);
        }

        var responses = (await SearchAsync(practice, "QuestionnaireResponse", referralId)).As<Bundle>().Entry.Select(e => (QuestionnaireResponse)e.Resource).ToList();
        var response = Assert.Single(responses);
        Assert.Equal((id, "alpha"), (response.Id, response.Author.Identifier.Value));
        Assert.StartsWith(hub.Get<QuestionnaireLibrary>().FollowUp.Url, response.Questionnaire, StringComparison.Ordinal);
        var read = await TestHub.CallAsync(HttpCall.Request("GET", $"/api/fhir/Observation/{id}-ons4-4", apiKey: practice), r => hub.Function<OutcomeReadHttp>().ReadObservation(r, $"{id}-ons4-4"));
        Assert.Equal(200, read.Status);

        var validator = FhirValidation.NewValidator();
        FhirValidation.AssertValid(validator, response);
        foreach (var observation in observations)
        {
            FhirValidation.AssertValid(validator, observation);
        }

        // Another practice's key sees none of it.
        var other = await hub.KeyForAsync("other-practice-system", "Y99999");
        Assert.Empty((await SearchAsync(other, "Observation", referralId)).As<Bundle>().Entry);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_score_out_of_range_or_a_future_date_is_refused_on_the_page_and_nothing_is_stored()
    {
        var (referralId, _, link) = await hub.LinkWorkerAcceptedAsync();
        var fields = Ons4(Yesterday, 4, 5, 6, 7);
        fields[4] = ("assessment-ons4-2", "11");
        var (answer, _) = await RecordAsync(hub, link, "assessment", fields);
        Assert.Equal(400, answer.Status);
        Assert.Contains("from 0 to 10", answer.Body, StringComparison.Ordinal);
        var (future, _) = await RecordAsync(hub, link, "assessment", Ons4(DateOnly.FromDateTime(DateTime.UtcNow).AddDays(2), 4, 5, 6, 7));
        Assert.Equal(400, future.Status);
        Assert.Contains("today or in the past", future.Body, StringComparison.Ordinal);
        Assert.Empty((await hub.Get<EpisodeStore>().GetAsync(referralId))?.Taken ?? []);
    }

    [Fact]
    public async System.Threading.Tasks.Task The_provider_API_records_an_assessment_with_its_version_and_the_discharge_lists_it_in_numbers()
    {
        var (referralId, taskId, link) = await hub.LinkWorkerAcceptedAsync();
        var key = await hub.ProviderKeyAsync("alpha");
        Task<HttpAnswer> Post(string json) => TestHub.CallAsync(HttpCall.Request("POST", $"/api/provider/episodes/{referralId}", Encoding.UTF8.GetBytes(json), "application/json", apiKey: key),
            r => hub.Function<EpisodeApiHttp>().Record(r, referralId));
        var date = Yesterday.ToString("O", CultureInfo.InvariantCulture);
        var body = $$"""{"change": "assessment", "n": 0, "assessment-date": "{{date}}", "assessment-ons4-1": 3, "assessment-ons4-2": 4, "assessment-ons4-3": 5, "assessment-ons4-4": 8}""";

        var first = await Post(body);
        Assert.Equal(200, first.Status);
        using (var json = System.Text.Json.JsonDocument.Parse(first.Body))
        {
            var assessment = json.RootElement.GetProperty("assessments")[0];
            Assert.Equal((date, 8, $"QuestionnaireResponse/{referralId}-lw1"),
                (assessment.GetProperty("date").GetString(), assessment.GetProperty("scores").GetProperty("ons4-4").GetInt32(), assessment.GetProperty("questionnaireResponse").GetString()));
        }

        Assert.Equal(409, (await Post(body)).Status); // the same version again
        var missing = await Post($$"""{"change": "assessment", "n": 1, "assessment-date": "{{date}}", "assessment-ons4-1": 3}""");
        Assert.Equal(400, missing.Status);
        Assert.Contains("assessment-ons4-2", missing.Body, StringComparison.Ordinal);

        Assert.Equal(200, (await RecordAsync(hub, link, "assessment", Ons4(DateOnly.FromDateTime(DateTime.UtcNow), 6, 7, 7, 3))).Answer.Status);
        Assert.Equal(200, (await RecordAsync(hub, link, "close", ("close-reason", "goals-met"))).Answer.Status);
        var task = await hub.TaskAsync(taskId);
        var listed = task.Output.Where(o => o.Type.Text == "episode-assessment").Select(o => (ResourceReference)o.Value).ToList();
        Assert.Equal([$"QuestionnaireResponse/{referralId}-lw1", $"QuestionnaireResponse/{referralId}-lw2"], listed.Select(r => r.Reference));
        Assert.Equal($"{date}: ons4-life-satisfaction 3, ons4-worthwhile 4, ons4-happiness 5, ons4-anxiety 8", listed[0].Display);
        FhirValidation.AssertValid(FhirValidation.NewValidator(), task);
        Assert.Equal(409, (await Post(body.Replace("\"n\": 0", "\"n\": 3", StringComparison.Ordinal))).Status); // ended
    }
}

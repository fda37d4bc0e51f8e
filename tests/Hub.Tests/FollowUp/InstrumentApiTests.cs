using Hl7.Fhir.Model;
using Hub.FollowUp;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.FollowUp;

/// <summary>The instruments are public FHIR: a GP system or a scheme can read exactly what patients are asked.</summary>
public sealed class InstrumentApiTests(TestHub hub) : IClassFixture<TestHub>
{
    [Fact]
    public async System.Threading.Tasks.Task The_follow_up_Questionnaire_and_the_hubs_CodeSystem_are_served_without_a_key()
    {
        var questionnaire = await TestHub.CallAsync(HttpCall.Request("GET", "/api/fhir/Questionnaire/sp-follow-up"), r => System.Threading.Tasks.Task.FromResult(hub.Function<OutcomeReadHttp>().ReadQuestionnaire(r, "sp-follow-up")));
        Assert.Equal(200, questionnaire.Status);
        var items = questionnaire.As<Questionnaire>().Item.SelectMany(g => g.Item).Select(i => i.LinkId).ToList();
        Assert.Equal(["ons4-1", "ons4-2", "ons4-3", "ons4-4", "ucla3-1", "ucla3-2", "ucla3-3", "gp-visits", "ae-visits", "attended", "sessions"], items);

        var codes = await TestHub.CallAsync(HttpCall.Request("GET", "/api/fhir/CodeSystem/sp-outcome-measures", accept: "application/fhir+xml"),
            r => System.Threading.Tasks.Task.FromResult(hub.Function<OutcomeReadHttp>().ReadCodeSystem(r, "sp-outcome-measures")));
        Assert.StartsWith("application/fhir+xml", codes.ContentType, StringComparison.Ordinal);
        Assert.Contains("ons4-anxiety", codes.Body, StringComparison.Ordinal);

        var missing = await TestHub.CallAsync(HttpCall.Request("GET", "/api/fhir/Questionnaire/nope"), r => System.Threading.Tasks.Task.FromResult(hub.Function<OutcomeReadHttp>().ReadQuestionnaire(r, "nope")));
        Assert.Equal(404, missing.Status);
        Assert.Equal(OperationOutcome.IssueType.NotFound, missing.As<OperationOutcome>().Issue.Single().Code);
    }

    [Fact]
    public async System.Threading.Tasks.Task Outcome_searches_need_a_key_and_a_referral()
    {
        var noKey = await TestHub.CallAsync(HttpCall.Request("GET", "/api/fhir/Observation", query: "?based-on=ServiceRequest/x"), r => hub.Function<OutcomeReadHttp>().SearchObservation(r));
        Assert.Equal(401, noKey.Status);
        var key = await hub.KeyForAsync("instrument-practice", ReferralExamples.Practice);
        var noReferral = await TestHub.CallAsync(HttpCall.Request("GET", "/api/fhir/Observation", apiKey: key), r => hub.Function<OutcomeReadHttp>().SearchObservation(r));
        Assert.Equal(400, noReferral.Status);
        Assert.Contains("based-on", noReferral.As<OperationOutcome>().Issue.Single().Expression);
    }
}

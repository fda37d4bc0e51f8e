using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Hub.Tests.Infrastructure;
using static Hub.Tests.Infrastructure.ReferralExamples;

namespace Hub.Tests.Intake;

/// <summary>NHS England's published examples (shared/fixtures, copied unchanged) get the answers their README describes,
/// and none of them stores anything.</summary>
public sealed class FixtureTests(TestHub hub) : IClassFixture<TestHub>
{
    private async Task<HttpAnswer> PostUnchangedAsync(string path, string contentType, params string[] fixture)
    {
        var key = await hub.KeyForAsync("fixture-client", Practice, "G82080");
        var before = await hub.CountRowsAsync();
        var orchestrations = await hub.CountOrchestrationsAsync();

        var answer = await hub.PostAsync(path, File.ReadAllBytes(FixturePath(fixture)), contentType, key);

        Assert.Equal(before, await hub.CountRowsAsync());
        Assert.Equal(orchestrations, await hub.CountOrchestrationsAsync());
        return answer;
    }

    [Fact]
    public async System.Threading.Tasks.Task The_hip_replacement_ServiceRequest_is_not_social_prescribing_and_every_missing_element_is_named()
    {
        var answer = await PostUnchangedAsync(IntakeClient.ServiceRequestPath, FhirMediaTypes.Xml, "uk-core", "UKCore-ServiceRequest-HipReplacement-Example.xml");

        Assert.Equal(422, answer.Status);
        var outcome = answer.Outcome;
        var notOurs = outcome.Issue.Single(i => i.Code == OperationOutcome.IssueType.NotSupported);
        Assert.Equal(["ServiceRequest.code", "ServiceRequest.category"], notOurs.Expression);
        Assert.Contains("ServiceRequest.identifier", answer.Expressions);
        Assert.Contains("ServiceRequest.subject.identifier", answer.Expressions);
        Assert.Contains("ServiceRequest.requester", answer.Expressions);
        Assert.All(outcome.Issue, i => Assert.Equal("REC_UNPROCESSABLE_ENTITY", i.Details!.Coding.Single().Code));
        Assert.All(outcome.Issue, i => Assert.False(string.IsNullOrWhiteSpace(i.Diagnostics)));
    }

    [Fact]
    public async System.Threading.Tasks.Task The_BaRS_validation_message_lists_every_reason_it_cannot_be_a_referral()
    {
        var answer = await PostUnchangedAsync(IntakeClient.ProcessMessagePath, FhirMediaTypes.Json, "bars", "ValidationRequest-message-bundle.json");

        Assert.Equal(422, answer.Status);
        const string sr = "Bundle.entry[1].resource.ofType(ServiceRequest)";
        Assert.Contains($"{sr}.identifier", answer.Expressions);
        Assert.Contains($"{sr}.authoredOn", answer.Expressions);
        Assert.Contains($"{sr}.category", answer.Expressions);
        var nhsNumber = answer.Outcome.Issue.Single(i => i.Expression.Contains("Bundle.entry[5].resource.ofType(Patient).identifier[0].value"));
        Assert.Equal(OperationOutcome.IssueType.Value, nhsNumber.Code);
        Assert.Contains("modulus-11", nhsNumber.Diagnostics, StringComparison.Ordinal);
        // The number itself is never echoed back.
        Assert.DoesNotContain("3478526985", answer.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async System.Threading.Tasks.Task The_BaRS_GET_example_names_the_element_that_does_not_exist_in_FHIR()
    {
        var answer = await PostUnchangedAsync(IntakeClient.ServiceRequestPath, FhirMediaTypes.Json, "bars", "ServiceRequest-GET-success.json");

        Assert.Equal(400, answer.Status);
        var wrong = answer.Outcome.Issue.Single(i => i.Expression.Contains("ServiceRequest.PatientInstruction"));
        Assert.Contains("PatientInstruction", wrong.Diagnostics, StringComparison.Ordinal);
        Assert.Contains("line 56", wrong.Diagnostics, StringComparison.Ordinal);
        Assert.Equal("REC_BAD_REQUEST", wrong.Details!.Coding.Single().Code);
        // Its single basedOn (an array in FHIR) is reported too: all errors at once.
        Assert.Contains("ServiceRequest.basedOn[0]", answer.Expressions);
    }

    [Fact]
    public async System.Threading.Tasks.Task Posting_a_Patient_as_a_referral_is_a_bad_request()
    {
        var answer = await PostUnchangedAsync(IntakeClient.ServiceRequestPath, FhirMediaTypes.Xml, "uk-core", "UKCore-Patient-RichardSmith-Example.xml");

        Assert.Equal(400, answer.Status);
        Assert.Equal("resourceType", answer.Expressions.Single());
    }

    [Theory]
    [InlineData("UKCore-Task-Colonoscopy-Example.xml")]
    [InlineData("UKCore-QuestionnaireResponse-FitnessForWork-Example.xml")]
    [InlineData("UKCore-Observation-DrugUse-Example.xml")]
    public async System.Threading.Tasks.Task Other_UK_Core_resources_are_read_but_refused_as_referrals(string file)
    {
        var answer = await PostUnchangedAsync(IntakeClient.ServiceRequestPath, FhirMediaTypes.Xml, "uk-core", file);

        Assert.Equal(400, answer.Status);
        Assert.Contains("This endpoint takes a ServiceRequest", answer.Outcome.Issue.Single().Diagnostics, StringComparison.Ordinal);
    }
}

/// <summary>The hub's OperationOutcomes against the NHS examples, without a hub.</summary>
[Trait("Category", "Unit")]
public sealed class OutcomeShapeTests
{
    [Fact]
    public void The_hubs_error_shape_matches_the_NHS_examples()
    {
        foreach (var file in Directory.GetFiles(FixturePath("bars"), "OperationOutcome-*.json"))
        {
            var example = (OperationOutcome)new FhirSerializer().ParseJson(File.ReadAllBytes(file)).Resource!;
            var status = (System.Net.HttpStatusCode)int.Parse(Path.GetFileName(file).Split('-')[1]);
            var ours = Outcomes.For(status, new FhirProblem(example.Issue[0].Code!.Value, "x"));
            var theirs = example.Issue.Single();
            Assert.Equal(theirs.Details!.Coding.Single().Code, ours.Issue.Single().Details!.Coding.Single().Code);
            Assert.Equal(theirs.Severity, ours.Issue.Single().Severity);
        }
    }
}

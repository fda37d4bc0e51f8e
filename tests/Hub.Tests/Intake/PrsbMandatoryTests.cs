using Hl7.Fhir.Model;
using Hub.Intake;
using Hub.Platform.Fhir;
using Hub.Tests.Infrastructure;
using static Hub.Tests.Infrastructure.ReferralExamples;

namespace Hub.Tests.Intake;

/// <summary>A referral that lacks PRSB mandatory items is taken with a warning naming each (the handover will lack
/// them); <c>Intake:RequirePrsbMandatory</c> makes them required.</summary>
public sealed class PrsbMandatoryTests(TestHub hub) : IClassFixture<TestHub>
{
    /// <summary>The test bundle with every PRSB mandatory item: a GP practice and risks ("no known risks").</summary>
    public static Bundle Complete(string? identifier = null, Bundle.BundleType type = Bundle.BundleType.Transaction)
    {
        var bundle = ReferralBundle(identifier, type);
        var patient = bundle.Entry.Select(e => e.Resource).OfType<Patient>().Single();
        patient.GeneralPractitioner = [new ResourceReference { Identifier = new Identifier(FhirCodes.OdsSystem, Practice), Type = "Organization" }];
        bundle.Entry.Add(new Bundle.EntryComponent
        {
            FullUrl = $"urn:uuid:{Guid.NewGuid()}",
            Resource = new Flag { Status = Flag.FlagStatus.Active, Code = new CodeableConcept { Text = "No known risks" }, Subject = new ResourceReference(bundle.Entry[1].FullUrl) },
            Request = type == Bundle.BundleType.Transaction ? new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Flag" } : null,
        });
        return bundle;
    }

    private static HttpAnswer Expect(HttpAnswer answer, int status)
    {
        Assert.True(answer.Status == status, answer.ToString());
        return answer;
    }

    [Fact]
    public async System.Threading.Tasks.Task A_transaction_missing_risks_and_gp_practice_is_created_with_a_warning_on_its_entry_naming_each()
    {
        var key = await hub.KeyForAsync("prsb-practice", Practice);

        var answer = Expect(await hub.PostAsync(IntakeClient.BasePath, Json(ReferralBundle()), FhirMediaTypes.Json, key), 200);

        var entry = answer.As<Bundle>().Entry.Single(e => e.Resource is ServiceRequest);
        Assert.Equal("201 Created", entry.Response.Status);
        var issues = Assert.IsType<OperationOutcome>(entry.Response.Outcome).Issue;
        Assert.All(issues, i => Assert.Equal(OperationOutcome.IssueSeverity.Warning, i.Severity));
        Assert.Equal(["Bundle.entry[1].resource.ofType(Patient).generalPractitioner", "Flag"], issues.SelectMany(i => i.Expression));
        Assert.All(issues, i => Assert.Equal(OperationOutcome.IssueType.Required, i.Code));

        var complete = Expect(await hub.PostAsync(IntakeClient.BasePath, Json(Complete()), FhirMediaTypes.Json, key), 200);
        Assert.Null(complete.As<Bundle>().Entry.Single(e => e.Resource is ServiceRequest).Response.Outcome);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_lone_service_request_asking_for_the_outcome_gets_201_with_every_missing_item_as_a_warning()
    {
        var key = await hub.KeyForAsync("prsb-practice", Practice);
        var request = HttpCall.Request("POST", IntakeClient.ServiceRequestPath, Json(ServiceRequest()), FhirMediaTypes.Json, key);
        request.Headers["Prefer"] = "return=OperationOutcome";

        var answer = Expect(await TestHub.CallAsync(request, r => hub.Function<ReferralIntakeHttp>().PostServiceRequest(r, hub.Durable)), 201);

        Assert.NotEmpty(answer.Headers.Location.ToString());
        var outcome = answer.Outcome;
        Assert.All(outcome.Issue, i => Assert.Equal(OperationOutcome.IssueSeverity.Warning, i.Severity));
        Assert.Equal(["Patient.name", "Patient.birthDate", "Patient.generalPractitioner", "ServiceRequest.requester", "PractitionerRole.telecom", "Flag"],
            outcome.Issue.SelectMany(i => i.Expression));
        Assert.Contains("no known risks", outcome.Issue.Last().Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_collection_without_outcome_preference_still_answers_with_the_service_request()
    {
        var key = await hub.KeyForAsync("prsb-practice", Practice);

        var answer = Expect(await hub.PostAsync(IntakeClient.BasePath, Json(ReferralBundle(type: Bundle.BundleType.Collection)), FhirMediaTypes.Json, key), 201);

        Assert.IsType<ServiceRequest>(answer.Resource);
    }
}

/// <summary>With <c>Intake:RequirePrsbMandatory</c> on, a referral missing a PRSB mandatory item is refused.</summary>
public sealed class PrsbRequiredHub : TestHub
{
    protected override void Setup(HubSetup hub) => hub.Set("Intake:RequirePrsbMandatory", "true");
}

public sealed class PrsbRequiredTests(PrsbRequiredHub hub) : IClassFixture<PrsbRequiredHub>
{
    [Fact]
    public async System.Threading.Tasks.Task Required_a_referral_missing_items_is_422_naming_each_and_nothing_is_stored_a_complete_one_is_taken()
    {
        var key = await hub.KeyForAsync("prsb-required", Practice);
        var identifier = $"prsb-{Guid.NewGuid():N}";

        var refused = await hub.PostAsync(IntakeClient.BasePath, Json(ReferralBundle(identifier)), FhirMediaTypes.Json, key);

        Assert.Equal(422, refused.Status);
        Assert.All(refused.Outcome.Issue, i => Assert.Equal(OperationOutcome.IssueSeverity.Error, i.Severity));
        Assert.Equal(["Bundle.entry[1].resource.ofType(Patient).generalPractitioner", "Flag"], refused.Outcome.Issue.SelectMany(i => i.Expression));
        Assert.Empty(await hub.Get<ReferralLookup>().ByIdentifierAsync([Practice], GpSystem, identifier));

        var taken = await hub.PostAsync(IntakeClient.BasePath, Json(PrsbMandatoryTests.Complete(identifier)), FhirMediaTypes.Json, key);
        Assert.Equal(200, taken.Status);
        Assert.Equal("201 Created", taken.As<Bundle>().Entry.Single(e => e.Resource is ServiceRequest).Response.Status);
    }
}

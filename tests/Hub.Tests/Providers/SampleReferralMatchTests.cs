using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Hub.Providers;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Providers;

/// <summary>The sample directory and a fast chase, as the demo runs them.</summary>
public sealed class SampleMatchHub : TestHub
{
    protected override void Setup(HubSetup hub) => hub.FastChase().WithProviders([.. ProviderSamples.All()]);
}

/// <summary>The shipped sample referral (samples/bundle.json, "Community gardening group") is placed by synonym, offered
/// to the sample care farm, and the farm sees the clinical context on its offer page, not in its email.</summary>
public sealed class SampleReferralMatchTests(SampleMatchHub hub) : IClassFixture<SampleMatchHub>
{
    private const string FarmEmail = "hello@airevalleyfarm.example.org";
    private const string Note = "Mild COPD: short walks on the flat only; prefers morning sessions.";

    private async Task<(string ReferralId, string TaskId)> PostSampleAsync(Action<Bundle>? change = null)
    {
        var key = await hub.KeyForAsync("sample-client", ReferralExamples.Practice);
        var bundle = (Bundle)new FhirSerializer().ParseJson(await File.ReadAllBytesAsync(Path.Combine(Azurite.RepositoryRoot(), "samples", "bundle.json"))).Resource!;
        var sr = bundle.Entry.Select(e => e.Resource).OfType<ServiceRequest>().Single();
        sr.Identifier[0].Value = $"sample-{Guid.NewGuid():N}";
        change?.Invoke(bundle);
        var answer = await hub.PostAsync(IntakeClient.BasePath, ReferralExamples.Json(bundle), FhirMediaTypes.Json, key);
        // The sample is a transaction Bundle: its answer is a transaction-response carrying the referral.
        Assert.True(answer.Created, answer.ToString());
        return (answer.Referral.Id!, answer.Headers["X-Task-Id"].ToString());
    }

    private async Task<RecordedEmail> OfferToFarmAsync(string referralId) =>
        await hub.Mail.WaitForEmailAsync(e => e.To.Contains(FarmEmail) && ProviderLinks.Find(e, "Accept") is { } url && hub.ReferralIdOf(url) == referralId);

    [Fact]
    public async System.Threading.Tasks.Task The_sample_is_gardening_by_synonym_on_its_Task_and_offered_to_the_care_farm()
    {
        var (referralId, taskId) = await PostSampleAsync();

        var offer = await OfferToFarmAsync(referralId);
        var task = await hub.TaskWhenAsync(taskId, t => t.Input.Count >= 2);

        var match = task.Input.Single(i => i.Type.Coding.Any(c => c.Code == ActivityMatchOnTask.MatchInput));
        Assert.Equal("synonym", match.Type.Text);
        var category = Assert.IsType<CodeableConcept>(match.Value);
        Assert.Equal((ActivityCategories.System, "gardening"), (category.Coding[0].System, category.Coding[0].Code));
        Assert.Equal("gardening", category.Text);
        var route = (CodeableConcept)task.Input.Single(i => i.Type.Coding.Any(c => c.Code == ActivityMatchOnTask.RouteInput)).Value;
        Assert.Equal("activity", route.Coding[0].Code);
        Assert.DoesNotContain("Community gardening group", new FhirSerializer().Serialize(task, FhirFormat.Json), StringComparison.Ordinal);
        Assert.NotNull(offer);
    }

    [Fact]
    public async System.Threading.Tasks.Task The_farm_sees_the_clinical_context_on_its_offer_page_only_with_consent_and_never_in_the_email()
    {
        var (referralId, _) = await PostSampleAsync();
        var offer = await OfferToFarmAsync(referralId);

        var page = await hub.OpenAsync(ProviderLinks.Find(offer, "Accept")!);

        Assert.Contains("Clinical context, in the referrer", page.Body, StringComparison.Ordinal);
        Assert.Contains("Mild COPD: short walks on the flat only", page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("COPD", offer.PlainText ?? string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain("COPD", offer.Html ?? string.Empty, StringComparison.Ordinal);

        var (withoutConsent, _) = await PostSampleAsync(b => b.Entry.Select(e => e.Resource).OfType<Consent>().Single().Provision = new Consent.provisionComponent { Type = Consent.ConsentProvisionType.Deny });
        var refused = await hub.OpenAsync(ProviderLinks.Find(await OfferToFarmAsync(withoutConsent), "Accept")!);
        Assert.DoesNotContain("COPD", refused.Body, StringComparison.Ordinal);
        Assert.Contains(Note[..10], page.Body, StringComparison.Ordinal);
    }
}

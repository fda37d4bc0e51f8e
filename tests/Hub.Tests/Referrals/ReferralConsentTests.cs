using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Hub.Platform.Fhir;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using static Hub.Tests.Infrastructure.ReferralExamples;

namespace Hub.Tests.Referrals;

/// <summary>A Consent counts however the GP system sends it: as an entry of the bundle, or contained in the
/// ServiceRequest and referenced as <c>#id</c> (FHIR references.html). The provider then sees the clinical note.</summary>
public sealed class ReferralConsentTests(TestHub hub) : IClassFixture<TestHub>
{
    private const string Note = "Recently bereaved; would like to meet people locally.";

    /// <summary>The BaRS example message's Consent (UK Core, direct care, implied), as a GP system would send it.</summary>
    private static Consent BarsConsent()
    {
        var message = (Bundle)new FhirSerializer().ParseJson(File.ReadAllBytes(FixturePath("bars", "ValidationRequest-message-bundle.json"))).Resource!;
        return (Consent)message.Entry.Select(e => e.Resource).OfType<Consent>().Single().DeepCopy();
    }

    /// <summary>The sample referral bundle, its Consent moved into the ServiceRequest (or left as an entry).</summary>
    private static Bundle Referral(bool contained, Consent.ConsentProvisionType? provision = null)
    {
        var bundle = ReferralBundle();
        var sr = bundle.Entry.Select(e => e.Resource).OfType<ServiceRequest>().Single();
        var bundled = bundle.Entry.Single(e => e.Resource is Consent);
        var consent = BarsConsent();
        consent.Patient = new ResourceReference(bundle.Entry.Single(e => e.Resource is Patient).FullUrl);
        if (provision is not null)
        {
            consent.Provision = new Consent.provisionComponent { Type = provision };
        }

        sr.Note = [new Annotation { Text = Note }];
        if (contained)
        {
            bundle.Entry.Remove(bundled);
            consent.Id = "consent";
            sr.Contained = [consent];
            sr.SupportingInfo = [new ResourceReference("#consent")];
        }
        else
        {
            bundled.Resource = consent;
        }

        return bundle;
    }

    private async System.Threading.Tasks.Task<ReferralDocument> PostAsync(Bundle referral)
    {
        var client = hub.FhirClient(await hub.KeyForAsync("consent-client", Practice));
        var response = await client.TransactionAsync(referral);
        var id = response!.Entry.Select(e => e.Resource).OfType<ServiceRequest>().Single().Id;
        var (_, document) = await hub.Get<ReferralDocuments>().RequireAsync(Practice, id);
        return document;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async System.Threading.Tasks.Task A_consent_contained_in_the_ServiceRequest_counts_like_a_bundled_one(bool contained)
    {
        var document = await PostAsync(Referral(contained));

        Assert.True(document.HasConsent);
        Assert.Equal(Note, document.NoteIfShareable);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async System.Threading.Tasks.Task A_refusal_contained_in_the_ServiceRequest_withholds_the_note_like_a_bundled_one(bool contained)
    {
        var document = await PostAsync(Referral(contained, Consent.ConsentProvisionType.Deny));

        Assert.False(document.HasConsent);
        Assert.Null(document.NoteIfShareable);
    }
}

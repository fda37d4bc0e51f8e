using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Hub.Providers;
using Hub.Tests.Infrastructure;
using static Hub.Tests.Providers.ProviderExamples;

namespace Hub.Tests.Providers;

/// <summary>Reading a referral's routing facts from the FHIR a GP system sends.</summary>
[Trait("Category", "Unit")]
public sealed class RoutingRequestTests
{
    private static CodeableConcept Coded(params string[] codes) =>
        new() { Coding = codes.Select(c => new Coding(ActivityCategories.System, c)).ToList(), Text = "Referral to befriending" };

    [Fact]
    public void Categories_come_from_codings_in_the_hub_CodeSystem_before_any_words()
    {
        var sr = Referral(Coded("Welfare-Advice", "debt-advice"));
        sr.Category = [new CodeableConcept(FhirCodes.Snomed, FhirCodes.ReferralToSocialPrescribing), new CodeableConcept(ActivityCategories.System, "arts")];

        Assert.Equal(["welfare-advice", "debt-advice", "arts"], RoutingRequest.From(sr, null).ActivityCategories);
    }

    [Theory]
    [InlineData("Befriending", "befriending")]
    [InlineData("Welfare advice", "welfare-advice")]
    [InlineData("  DEBT-advice ", "debt-advice")]
    [InlineData("physical  activity", "physical-activity")]
    [InlineData("Gardening and food growing", "gardening")]
    public void Failing_codings_the_text_names_a_category_case_insensitively_with_dashes_as_spaces(string text, string code)
    {
        Assert.Equal([code], RoutingRequest.From(Referral(new CodeableConcept { Text = text }), null).ActivityCategories);
        Assert.Equal([code], RoutingRequest.From(Referral(new CodeableConcept("http://example.org/local-codes", "X1", text, null)), null).ActivityCategories);
    }

    [Fact]
    public void Words_that_are_not_a_category_name_none_and_a_synonym_in_the_text_names_one()
    {
        var national = Referral(new CodeableConcept(FhirCodes.Snomed, FhirCodes.ReferralToSocialPrescribing, "Referral to social prescribing service", null));
        var sr = Referral(new CodeableConcept(FhirCodes.Snomed, FhirCodes.ReferralToSocialPrescribing, "Referral to social prescribing service", "Needs befriending please"));

        Assert.Empty(RoutingRequest.From(national, null).ActivityCategories);
        Assert.Empty(RoutingRequest.From(Referral(), null).ActivityCategories);
        Assert.Equal(["befriending"], RoutingRequest.From(sr, null).ActivityCategories);
    }

    [Fact]
    public void The_README_sample_referral_asks_for_befriending()
    {
        var sr = (ServiceRequest)new FhirSerializer().ParseJson(File.ReadAllBytes(Path.Combine(Azurite.RepositoryRoot(), "samples", "servicerequest.json"))).Resource!;

        var request = RoutingRequest.From(sr, null);
        Assert.Equal(["befriending"], request.ActivityCategories);
        Assert.Null(request.PerformerProviderId);
    }

    [Theory]
    [InlineData("HealthcareService/north-leeds-befriending", "north-leeds-befriending")]
    [InlineData("https://hub.example.org/api/fhir/HealthcareService/aire-valley-care-farm", "aire-valley-care-farm")]
    [InlineData("HealthcareService/shipley-mens-shed/_history/3", "shipley-mens-shed")]
    [InlineData("Organization/bradford-advice-centre", "bradford-advice-centre")]
    [InlineData("Practitioner/someone", null)]
    [InlineData("#contained", null)]
    [InlineData("urn:uuid:5b6d2cf0-7d0c-4a3e-9a43-6f1c0e4b3a11", null)]
    public void The_performer_is_a_HealthcareService_or_Organization_reference(string reference, string? id) =>
        Assert.Equal(id, RoutingRequest.From(Referral(null, new ResourceReference(reference)), null).PerformerProviderId);

    [Fact]
    public void A_provider_identifier_wins_over_references_and_HealthcareService_over_Organization()
    {
        var byIdentifier = new ResourceReference { Identifier = new Identifier(ActivityCategories.ProviderIdSystem, "leeds-money-matters") };
        var practice = new ResourceReference { Identifier = new Identifier(FhirCodes.OdsSystem, "A81001") };

        Assert.Equal("leeds-money-matters", RoutingRequest.From(Referral(null, new ResourceReference("HealthcareService/other"), practice, byIdentifier), null).PerformerProviderId);
        Assert.Equal("service", RoutingRequest.From(Referral(null, new ResourceReference("Organization/org"), new ResourceReference("HealthcareService/service")), null).PerformerProviderId);
        Assert.Null(RoutingRequest.From(Referral(null, practice), null).PerformerProviderId);
    }

    [Fact]
    public void The_postcode_district_comes_from_the_home_address()
    {
        Assert.Equal("LS17", RoutingRequest.From(Referral(), LivingAt(("BD1 1AA", Address.AddressUse.Work), ("ls17 6eh", Address.AddressUse.Home))).PostcodeOutward);
        Assert.Equal("BD18", RoutingRequest.From(Referral(), LivingAt(("LS1 4AP", Address.AddressUse.Old), ("BD183QT", null))).PostcodeOutward);
        Assert.Equal("EC1A", RoutingRequest.From(Referral(), LivingAt(("EC1A 1BB", Address.AddressUse.Home))).PostcodeOutward);
        Assert.Null(RoutingRequest.From(Referral(), LivingAt(("LS1 4AP", Address.AddressUse.Work))).PostcodeOutward);
        Assert.Null(RoutingRequest.From(Referral(), LivingAt(("not a postcode", Address.AddressUse.Home))).PostcodeOutward);
        Assert.Null(RoutingRequest.From(Referral(), new Patient()).PostcodeOutward);
        Assert.Null(RoutingRequest.From(Referral(), null).PostcodeOutward);
    }

    [Theory]
    [InlineData("LS17", "LS17", true)]
    [InlineData("LS", "LS17", true)]
    [InlineData("LS", "LS1", true)]
    [InlineData("LS1", "LS17", false)]
    [InlineData("L", "LS17", false)]
    [InlineData("L", "L1", true)]
    [InlineData("EC1", "EC1A", true)]
    [InlineData("W1", "W10", false)]
    [InlineData("BD", "LS17", false)]
    public void An_area_serves_its_own_districts_only(string area, string outward, bool serves) =>
        Assert.Equal(serves, Postcodes.Serves([area], outward));
}

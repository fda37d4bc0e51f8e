using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Hub.Providers;
using Hub.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using static Hub.Tests.Providers.ProviderExamples;

namespace Hub.Tests.Providers;

/// <summary>A referral's activity placed as a link worker would place it: hub codes, configured SNOMED CT codes, then the
/// referral's words through each category's synonyms.</summary>
[Trait("Category", "Unit")]
public sealed class ActivityMatchingTests
{
    private static ActivityMatcher Matcher(Action<ProviderOptions>? configure = null)
    {
        var options = new ProviderOptions();
        configure?.Invoke(options);
        return new ActivityMatcher(Options.Create(options));
    }

    private static IReadOnlyList<ActivityMatch> Match(string text, ActivityMatcher? matcher = null) =>
        (matcher ?? Matcher()).Match(Referral(new CodeableConcept { Text = text }));

    [Fact]
    public void The_shipped_sample_bundle_asks_for_gardening_by_synonym()
    {
        var bundle = (Bundle)new FhirSerializer().ParseJson(File.ReadAllBytes(Path.Combine(Azurite.RepositoryRoot(), "samples", "bundle.json"))).Resource!;
        var sr = bundle.Entry.Select(e => e.Resource).OfType<ServiceRequest>().Single();

        Assert.Equal([new ActivityMatch("gardening", ActivityMatchMethod.Synonym, "gardening")], Matcher().Match(sr));
    }

    [Theory]
    [InlineData("Community gardening group", "gardening")]
    [InlineData("Walks in the park", "walking")]
    [InlineData("Men's Shed, Tuesdays", "community-group")]
    [InlineData("Arts and crafts sessions", "arts")]
    [InlineData("Help with debts and budgeting", "debt-advice")]
    [InlineData("Chair-based exercise", "physical-activity")]
    [InlineData("Telephone befriending", "befriending")]
    [InlineData("Needs to see a link worker", "link-worker")]
    [InlineData("Gardening and food growing", "gardening")]
    [InlineData("  DEBT-advice ", "debt-advice")]
    public void Words_anywhere_in_the_activity_text_name_a_category(string text, string category)
    {
        Assert.Equal([category], Match(text).Select(m => m.Category));
        Assert.All(Match(text), m => Assert.Equal(ActivityMatchMethod.Synonym, m.Method));
    }

    [Theory]
    [InlineData("Referral to social prescribing service")]
    [InlineData("Would benefit from support")]
    [InlineData("Heartfelt thanks")]
    [InlineData("")]
    public void Words_naming_no_activity_match_nothing(string text) => Assert.Empty(Match(text));

    [Fact]
    public void Two_activities_in_the_words_are_both_matched_and_the_synonym_that_matched_is_reported()
    {
        var matches = Match("Health walk, then the lunch club");

        Assert.Equal(2, matches.Count);
        Assert.Contains(new ActivityMatch("walking", ActivityMatchMethod.Synonym, "health walk"), matches);
        Assert.Contains(new ActivityMatch("community-group", ActivityMatchMethod.Synonym, "lunch club"), matches);
    }

    [Fact]
    public void A_hub_code_decides_over_the_words()
    {
        var sr = Referral(new CodeableConcept(ActivityCategories.System, "arts", null, "Community gardening group"));

        Assert.Equal([new ActivityMatch("arts", ActivityMatchMethod.Code, "arts")], Matcher().Match(sr));
    }

    [Fact]
    public void A_configured_SNOMED_CT_code_names_its_category_and_an_unconfigured_one_leaves_it_to_the_words()
    {
        // A made-up concept id: the hub ships none, a scheme configures the ones its GP systems send.
        const string Concept = "999000001000000101";
        var sr = Referral(new CodeableConcept(FhirCodes.Snomed, Concept, "Some display", "Walking group"));
        var configured = Matcher(o => o.Activities["gardening"] = new ActivityWords { SnomedCodes = [Concept] });

        Assert.Equal([new ActivityMatch("gardening", ActivityMatchMethod.Snomed, Concept)], configured.Match(sr));
        Assert.Equal(["walking"], Matcher().Match(sr).Select(m => m.Category));
    }

    [Fact]
    public void Configured_synonyms_replace_the_shipped_ones_and_may_add_a_category()
    {
        var matcher = Matcher(o =>
        {
            o.Activities["walking"] = new ActivityWords { Synonyms = ["nordic stroll"] };
            o.Activities["cooking"] = new ActivityWords { Synonyms = ["cookery", "cook and eat"] };
        });

        Assert.Empty(Match("Health walk", matcher));
        Assert.Equal(["walking"], Match("Nordic strolls", matcher).Select(m => m.Category));
        Assert.Equal([new ActivityMatch("cooking", ActivityMatchMethod.Synonym, "cook and eat")], Match("Cook and eat course", matcher));
    }

    [Fact]
    public void Configuration_that_cannot_be_used_is_refused_naming_the_setting()
    {
        var options = new ProviderOptions();
        options.Activities["gardening"] = new ActivityWords { SnomedCodes = ["not-a-code"] };
        options.Activities["Bad Code!"] = new ActivityWords { Synonyms = ["   "] };

        var problems = new ProviderOptionsValidation().Validate(null, options);

        Assert.True(problems.Failed);
        Assert.Contains("Providers:Activities:gardening:SnomedCodes: 'not-a-code'", problems.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Providers:Activities:Bad Code!", problems.FailureMessage, StringComparison.Ordinal);
    }
}

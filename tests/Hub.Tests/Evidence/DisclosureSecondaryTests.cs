using Hub.Evidence;

namespace Hub.Tests.Evidence;

/// <summary>Secondary suppression, case by case: each group below lets a sum give back a hidden count under the primary
/// rule alone (as before secondary suppression), and the rule hides what closes it.</summary>
[Trait("Category", "Unit")]
public sealed class DisclosureSecondaryTests
{
    private static readonly DisclosureRule Rule = DisclosureRule.Default;

    private static Dictionary<string, Figure> Figures(params (string Key, int Count)[] counts) =>
        counts.ToDictionary(c => c.Key, c => Rule.Count(c.Count), StringComparer.Ordinal);

    private static bool AnyPinned(Dictionary<string, Figure> figures, AdditiveGroup group, IReadOnlySet<string> hidden) =>
        SecondarySuppression.Pinned(figures, [group], k => hidden.Contains(k) || figures[k].Suppressed, Rule).Any();

    [Fact]
    public void A_lone_hidden_part_gets_its_smallest_non_zero_sibling_hidden_beside_it()
    {
        // 17 shown as 15, two parts of 8 shown as 10: the third is 15 + 2 - (8 + 8) = 1 exactly.
        var figures = Figures(("total", 17), ("a", 8), ("b", 8), ("c", 0), ("d", 1));
        var group = new AdditiveGroup("total", ["a", "b", "c", "d"]);
        Assert.True(AnyPinned(figures, group, new HashSet<string>()));
        var hide = SecondarySuppression.Hide(figures, [group], Rule);
        Assert.Contains("a", hide);
        Assert.DoesNotContain("c", hide);
        Assert.False(AnyPinned(figures, group, hide));
    }

    [Fact]
    public void A_figure_printed_twice_is_a_sum_of_one_and_two_hidden_beside_each_other_need_nothing_more()
    {
        // accepted = engaged + did not attend (4, alone): the engaged are hidden; accepted is also the people timed.
        var hide = SecondarySuppression.Hide(Figures(("accepted", 30), ("timed", 30), ("engaged", 26), ("dna", 4)),
            [new AdditiveGroup("accepted", ["engaged", "dna"]), new AdditiveGroup("accepted", ["timed"])], Rule);
        Assert.Equal(["engaged"], hide.Order());
        Assert.Empty(SecondarySuppression.Hide(Figures(("total", 5), ("a", 0), ("b", 5)), [new AdditiveGroup("total", ["a", "b"])], Rule));
    }

    [Fact]
    public void Hiding_a_figure_for_one_sum_carries_on_into_the_sums_it_is_in_as_a_total()
    {
        // referred = accepted + declined; accepted = engaged + withdrawn. Declined (3) is alone, so accepted is hidden;
        // then accepted is alone in its own sum as a total, so its smallest part is hidden too.
        var figures = Figures(("referred", 60), ("accepted", 57), ("declined", 3), ("engaged", 40), ("withdrawn", 17));
        var hide = SecondarySuppression.Hide(figures,
            [new AdditiveGroup("referred", ["accepted", "declined"]), new AdditiveGroup("accepted", ["engaged", "withdrawn"])], Rule);
        Assert.Equal(["accepted", "withdrawn"], hide.Order());
    }

    [Fact]
    public void Two_hidden_ones_the_rounding_pins_together_get_a_third_hidden()
    {
        // Five parts of 8 shown as 10 (50) beside a total of 42 shown as 40: the two hidden parts add up to at most 2, so
        // both are 1. Not alone, yet pinned: the attacker's check hides another part.
        var figures = Figures(("total", 42), ("a", 8), ("b", 8), ("c", 8), ("d", 8), ("e", 8), ("x", 1), ("y", 1));
        var group = new AdditiveGroup("total", ["a", "b", "c", "d", "e", "x", "y"]);
        Assert.True(AnyPinned(figures, group, new HashSet<string>()));
        var hide = SecondarySuppression.Hide(figures, [group], Rule);
        Assert.NotEmpty(hide);
        Assert.False(AnyPinned(figures, group, hide));
    }

    [Fact]
    public void Zeros_are_never_hidden_and_a_group_that_does_not_add_up_protects_nothing()
    {
        var figures = Figures(("total", 20), ("a", 0), ("b", 3), ("c", 17));
        var hide = SecondarySuppression.Hide(figures, [new AdditiveGroup("total", ["a", "b", "c"])], Rule);
        Assert.Equal(["c"], hide.Order());
        Assert.Empty(SecondarySuppression.Hide(figures, [new AdditiveGroup("total", ["a", "b"])], Rule));
    }

    [Fact]
    public void Switched_off_it_leaves_the_primary_rule_alone()
    {
        var off = new DisclosureRule(new DisclosureOptions { SecondarySuppression = false });
        Assert.Empty(SecondarySuppression.Hide(Figures(("total", 17), ("a", 8), ("b", 8), ("d", 1)), [new AdditiveGroup("total", ["a", "b", "d"])], off));
    }
}

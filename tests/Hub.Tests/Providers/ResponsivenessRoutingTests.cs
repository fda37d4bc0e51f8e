using Hub.Providers;

namespace Hub.Tests.Providers;

/// <summary>Routing's tie-breaker after its rules: among the providers the rules leave, the one that answers offers
/// sooner (whole days), then accepts more of them (bands of 10 points), comes first; a provider without figures counts
/// as quick and accepting, so a new one is tried; otherwise the directory's order (name, then id).</summary>
[Trait("Category", "Unit")]
public sealed class ResponsivenessRoutingTests
{
    private static Provider Named(string id, double? medianDays = null, double? rate = null) => new()
    {
        Id = id,
        Name = id,
        Responsiveness = medianDays is null && rate is null ? null
            : new ProviderResponsiveness(id, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 20, rate, medianDays),
    };

    [Fact]
    public void Providers_the_rules_leave_are_ordered_by_days_to_answer_then_acceptance_then_name()
    {
        var order = ProviderRouting.InRoutingOrder(
        [
            Named("a-slow", medianDays: 4.2, rate: 0.9),
            Named("b-new"),
            Named("c-quick-choosy", medianDays: 0.6, rate: 0.35),
            Named("d-quick-keen", medianDays: 0.9, rate: 0.8),
            Named("e-two-days", medianDays: 1.5, rate: 1.0),
        ]).Select(p => p.Id);

        Assert.Equal(["b-new", "d-quick-keen", "c-quick-choosy", "e-two-days", "a-slow"], order);
    }

    [Fact]
    public void Without_figures_the_order_is_the_directorys()
    {
        Assert.Equal(["alpha", "Beta", "gamma"], ProviderRouting.InRoutingOrder([Named("gamma"), Named("Beta"), Named("alpha")]).Select(p => p.Id));
    }
}

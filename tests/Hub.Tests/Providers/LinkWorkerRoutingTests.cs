using Hub.Providers;
using Hub.Tests.Infrastructure;
using static Hub.Providers.ActivityCategories;
using static Hub.Tests.Providers.ProviderExamples;

namespace Hub.Tests.Providers;

/// <summary>A hub where practice P1 names its own link-worker service and P2 does not.</summary>
public sealed class LinkWorkerHub : TestHub
{
    protected override void Setup(HubSetup hub) => hub.Set("Providers:LinkWorkerServices:P1", "practice-link-workers");
}

/// <summary>A referral whose activity cannot be placed goes to the practice's link-worker service, and only then is
/// escalated. Each test gets a directory of its own.</summary>
public sealed class LinkWorkerRoutingTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 6, 17, 10, 0, 0, TimeSpan.Zero);

    private readonly LinkWorkerHub _hub = new();

    public Task InitializeAsync() => _hub.InitializeAsync();

    public Task DisposeAsync() => _hub.DisposeAsync();

    private Task<ProviderRoute> DecideAsync(string? practice, string? outward, params string[] categories) =>
        _hub.Get<ProviderRouting>().DecideAsync(new RoutingRequest(null, categories, outward) { PracticeOds = practice }, Now);

    private async Task SaveAsync(params Provider[] providers)
    {
        foreach (var provider in providers)
        {
            await _hub.Get<ProviderDirectory>().SaveAsync(provider);
        }
    }

    [Fact]
    public async Task An_activity_nobody_offers_goes_to_the_directory_s_link_workers_for_the_area_and_one_placed_goes_to_its_providers()
    {
        await SaveAsync(
            Provider("farm", "Farm", [Gardening]),
            Provider("leeds-lw", "Leeds Link Workers", [LinkWorker], ["LS"]),
            Provider("bradford-lw", "Bradford Link Workers", [LinkWorker], ["BD"]));

        Assert.Equal(new ProviderRoute(["leeds-lw"], RouteBasis.LinkWorkerService).ProviderIds, (await DecideAsync("P2", "LS17")).ProviderIds);
        Assert.Equal(RouteBasis.LinkWorkerService, (await DecideAsync("P2", "LS17")).Basis);
        Assert.Equal(["leeds-lw"], (await DecideAsync("P2", "LS17", "knitting")).ProviderIds);
        Assert.Equal(new ProviderRoute(["farm"], RouteBasis.Activity).Basis, (await DecideAsync("P2", "LS17", Gardening)).Basis);
        Assert.Equal(["farm"], (await DecideAsync("P2", "LS17", Gardening)).ProviderIds);
    }

    [Fact]
    public async Task The_practice_s_own_link_worker_service_comes_first_and_a_full_provider_list_falls_back_to_it()
    {
        await SaveAsync(
            Provider("farm", "Farm", [Gardening], weeklyLimit: 1),
            Provider("practice-link-workers", "Practice Link Workers", [LinkWorker], ["M"]),
            Provider("leeds-lw", "Leeds Link Workers", [LinkWorker], ["LS"]));
        await _hub.Get<ProviderDirectory>().RecordOfferAsync("farm", "earlier", Now);

        var route = await DecideAsync("P1", "LS17", Gardening);

        Assert.Equal(["practice-link-workers"], route.ProviderIds);
        Assert.Equal(RouteBasis.LinkWorkerService, route.Basis);
        Assert.Equal(["leeds-lw"], (await DecideAsync("P2", "LS17", Gardening)).ProviderIds);
    }

    [Fact]
    public async Task Without_a_link_worker_service_with_room_the_referral_is_escalated()
    {
        await SaveAsync(
            Provider("practice-link-workers", "Practice Link Workers", [LinkWorker], status: ProviderStatus.Paused),
            Provider("full-lw", "Full Link Workers", [LinkWorker], weeklyLimit: 0),
            Provider("bradford-lw", "Bradford Link Workers", [LinkWorker], ["BD"]));

        Assert.Equal(new ProviderRoute([], RouteBasis.None).Basis, (await DecideAsync("P1", "LS17", "knitting")).Basis);
        Assert.Empty((await DecideAsync("P1", "LS17", "knitting")).ProviderIds);
        Assert.Empty((await DecideAsync("P2", "LS17")).ProviderIds);
    }
}

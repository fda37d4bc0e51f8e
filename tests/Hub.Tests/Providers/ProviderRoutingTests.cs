using Hub.Providers;
using static Hub.Providers.ActivityCategories;
using static Hub.Tests.Providers.ProviderExamples;

namespace Hub.Tests.Providers;

/// <summary>Who is offered a referral, and in what order. Each test gets a directory of its own.</summary>
public sealed class ProviderRoutingTests : IAsyncLifetime
{
    // A Wednesday in British Summer Time.
    private static readonly DateTimeOffset Now = new(2026, 6, 17, 10, 0, 0, TimeSpan.Zero);

    private readonly ProviderHub _hub = new();

    public Task InitializeAsync() => _hub.InitializeAsync();

    public Task DisposeAsync() => _hub.DisposeAsync();

    private ProviderDirectory Directory => _hub.Get<ProviderDirectory>();

    private Task<IReadOnlyList<string>> RouteAsync(RoutingRequest request, DateTimeOffset? now = null) =>
        _hub.Get<ProviderRouting>().RouteAsync(request, now ?? Now);

    private async Task SaveAsync(params Provider[] providers)
    {
        foreach (var provider in providers)
        {
            await Directory.SaveAsync(provider);
        }
    }

    [Fact]
    public async Task A_performer_naming_an_active_provider_gets_the_referral_alone_whatever_its_category_area_or_load()
    {
        await SaveAsync(
            Provider("farm", "Farm", [Gardening], ["BD"], weeklyLimit: 1),
            Provider("friends", "Friends", [Befriending]));
        await Directory.RecordOfferAsync("farm", "earlier-referral", Now);

        Assert.Equal(["farm"], await RouteAsync(new RoutingRequest("farm", [Befriending], "LS17")));
        Assert.Equal(["farm"], await RouteAsync(new RoutingRequest("farm", [], null)));
    }

    [Fact]
    public async Task A_performer_that_is_paused_inactive_or_unknown_is_passed_over_for_the_usual_routing()
    {
        await SaveAsync(
            Provider("paused", "Paused", [Befriending], status: ProviderStatus.Paused),
            Provider("gone", "Gone", [Befriending], status: ProviderStatus.Inactive),
            Provider("friends", "Friends", [Befriending]));

        Assert.Equal(["friends"], await RouteAsync(new RoutingRequest("paused", [Befriending], null)));
        Assert.Equal(["friends"], await RouteAsync(new RoutingRequest("gone", [Befriending], null)));
        Assert.Equal(["friends"], await RouteAsync(new RoutingRequest("nobody-we-know", [Befriending], null)));
        Assert.Equal(["friends"], await RouteAsync(new RoutingRequest("bad/id", [Befriending], null)));
    }

    [Fact]
    public async Task Providers_are_offered_when_a_category_matches_and_they_serve_the_district_or_its_area_or_anywhere()
    {
        await SaveAsync(
            Provider("district", "District befrienders", [Befriending], ["LS17"]),
            Provider("area", "Area befrienders", [Befriending, Arts], ["LS"]),
            Provider("anywhere", "Anywhere befrienders", [Befriending]),
            Provider("bradford", "Bradford befrienders", [Befriending], ["BD"]),
            Provider("city-centre", "City centre befrienders", [Befriending], ["LS1"]),
            Provider("liverpool", "Liverpool befrienders", [Befriending], ["L"]),
            Provider("gardeners", "Gardeners", [Gardening], ["LS17"]));

        Assert.Equal(["anywhere", "area", "district"], await RouteAsync(Wanting("LS17", Befriending)));
        Assert.Equal(["anywhere", "area", "district", "gardeners"], await RouteAsync(Wanting("LS17", Gardening, Befriending)));
        Assert.Equal(["anywhere", "bradford"], await RouteAsync(Wanting("BD18", Befriending)));
        Assert.Equal(["anywhere", "area", "city-centre"], await RouteAsync(Wanting("LS1", Befriending)));
        Assert.Equal(["area"], await RouteAsync(Wanting("LS17", Arts)));
    }

    [Fact]
    public async Task Without_a_postcode_the_area_is_not_checked()
    {
        await SaveAsync(
            Provider("leeds", "Leeds", [Walking], ["LS"]),
            Provider("bradford", "Bradford", [Walking], ["BD"]));

        Assert.Equal(["bradford", "leeds"], await RouteAsync(Wanting(null, Walking)));
    }

    [Fact]
    public async Task Paused_and_inactive_providers_are_not_offered_referrals()
    {
        await SaveAsync(
            Provider("open", "Open", [Arts]),
            Provider("paused", "Paused", [Arts], status: ProviderStatus.Paused),
            Provider("closed", "Closed", [Arts], status: ProviderStatus.Inactive));

        Assert.Equal(["open"], await RouteAsync(Wanting("LS17", Arts)));

        await Directory.SetStatusAsync("open", ProviderStatus.Paused);
        Assert.Empty(await RouteAsync(Wanting("LS17", Arts)));

        await Directory.SetStatusAsync("paused", ProviderStatus.Active);
        Assert.Equal(["paused"], await RouteAsync(Wanting("LS17", Arts)));
    }

    [Fact]
    public async Task A_provider_at_its_weekly_limit_is_left_out_until_the_next_ISO_week_in_London()
    {
        await SaveAsync(
            Provider("small", "Small", [DebtAdvice], weeklyLimit: 2),
            Provider("none", "Takes none", [DebtAdvice], weeklyLimit: 0),
            Provider("big", "Unlimited", [DebtAdvice]));

        Assert.Equal(["small", "big"], await RouteAsync(Wanting(null, DebtAdvice)));

        await Directory.RecordOfferAsync("small", "r1", Now.AddDays(-2)); // Monday, same week
        Assert.Equal(["small", "big"], await RouteAsync(Wanting(null, DebtAdvice)));
        await Directory.RecordOfferAsync("small", "r2", Now);
        Assert.Equal(["big"], await RouteAsync(Wanting(null, DebtAdvice)));

        // Sunday 23:30 UTC is already Monday 00:30 in BST: a new week in London, room again.
        var sundayNightUtc = new DateTimeOffset(2026, 6, 21, 23, 30, 0, TimeSpan.Zero);
        Assert.Equal(["big"], await RouteAsync(Wanting(null, DebtAdvice), sundayNightUtc.AddHours(-1)));
        Assert.Equal(["small", "big"], await RouteAsync(Wanting(null, DebtAdvice), sundayNightUtc));
    }

    [Fact]
    public async Task Recording_the_same_offer_twice_counts_once()
    {
        await SaveAsync(Provider("small", "Small", [Walking], weeklyLimit: 2));

        await Directory.RecordOfferAsync("small", "r1", Now);
        await Directory.RecordOfferAsync("small", "r1", Now.AddHours(3));
        Assert.Equal(1, await Directory.CountThisWeekAsync("small", Now));
        Assert.Equal(["small"], await RouteAsync(Wanting(null, Walking)));

        await Directory.RecordOfferAsync("small", "r2", Now);
        Assert.Equal(2, await Directory.CountThisWeekAsync("small", Now));
        Assert.Equal(0, await Directory.CountThisWeekAsync("small", Now.AddDays(7)));
        Assert.Equal(0, await Directory.CountThisWeekAsync("other", Now));
        Assert.Empty(await RouteAsync(Wanting(null, Walking)));
    }

    [Fact]
    public async Task The_order_is_by_name_ignoring_case_then_by_id_whatever_the_order_of_saving_or_load()
    {
        await SaveAsync(
            Provider("z-first-by-name", "alpha", [Arts]),
            Provider("b-charlie", "Charlie", [Arts]),
            Provider("a-charlie", "charlie", [Arts], weeklyLimit: 10),
            Provider("m-bravo", "Bravo", [Arts]));
        await Directory.RecordOfferAsync("a-charlie", "r1", Now);

        var first = await RouteAsync(Wanting("LS17", Arts));
        Assert.Equal(["z-first-by-name", "m-bravo", "a-charlie", "b-charlie"], first);
        Assert.Equal(first, await RouteAsync(Wanting("LS17", Arts)));
        Assert.Equal(first, (await Directory.ListAsync()).Select(p => p.Id));
    }

    [Fact]
    public async Task No_match_and_no_category_both_route_to_nobody_so_the_referral_is_escalated()
    {
        await SaveAsync(
            Provider("bradford", "Bradford", [Befriending], ["BD"]),
            Provider("arts", "Arts", [Arts]));

        Assert.Empty(await RouteAsync(Wanting("LS17", Befriending)));
        Assert.Empty(await RouteAsync(Wanting("LS17", "knitting")));
        Assert.Empty(await RouteAsync(Wanting("LS17")));
        Assert.Empty(await RouteAsync(new RoutingRequest(null, [], null)));
    }

    [Theory]
    [InlineData("2026-06-17T10:00:00Z", "2026-W25")]
    [InlineData("2026-06-21T22:59:59Z", "2026-W25")] // Sunday 23:59:59 BST
    [InlineData("2026-06-21T23:00:00Z", "2026-W26")] // Monday 00:00 BST
    [InlineData("2026-01-04T23:30:00Z", "2026-W01")] // Sunday in GMT: still the old week
    [InlineData("2026-01-05T00:00:00Z", "2026-W02")]
    [InlineData("2025-12-29T09:00:00Z", "2026-W01")] // ISO year differs from the calendar year
    [InlineData("2027-01-01T12:00:00Z", "2026-W53")]
    public void Weeks_are_ISO_weeks_in_London(string at, string week) =>
        Assert.Equal(week, ProviderDirectory.WeekOf(DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture)));
}

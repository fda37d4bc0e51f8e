using Hub.Access;
using Hub.Platform.Storage;
using Hub.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Hub.Tests.Access;

/// <summary>Key lookups are cached briefly: a key revoked elsewhere (another instance writing the table) stops working
/// within <see cref="ApiKeyOptions.CacheFor"/>; revoked or changed through this instance, at once.</summary>
public sealed class ApiKeyCacheTests(TestHub hub) : IClassFixture<TestHub>
{
    private sealed class Clock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private ApiKeys Keys(Clock clock, TimeSpan cacheFor) =>
        new(hub.Get<HubTables>(), clock, Options.Create(new ApiKeyOptions { CacheFor = cacheFor }));

    [Fact]
    public async Task A_key_revoked_by_another_instance_stops_working_within_the_cache_time()
    {
        var clock = new Clock(DateTimeOffset.UtcNow);
        var here = Keys(clock, TimeSpan.FromSeconds(15));
        var elsewhere = Keys(clock, TimeSpan.FromSeconds(15));
        await here.SaveClientAsync("cache-client", "Cache Surgery", [ReferralExamples.Practice]);
        var issued = (await here.IssueAsync("cache-client"))!;
        Assert.NotNull(await here.AuthenticateAsync(issued.ApiKey));

        Assert.True(await elsewhere.RevokeAsync(issued.KeyId));

        Assert.Null(await elsewhere.AuthenticateAsync(issued.ApiKey));
        clock.Now += TimeSpan.FromSeconds(14);
        Assert.NotNull(await here.AuthenticateAsync(issued.ApiKey));
        clock.Now += TimeSpan.FromSeconds(2);
        Assert.Null(await here.AuthenticateAsync(issued.ApiKey));
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_from_the_cache_and_a_rotation_s_grace_ends_on_time()
    {
        var clock = new Clock(DateTimeOffset.UtcNow);
        var keys = Keys(clock, TimeSpan.FromMinutes(5));
        await keys.SaveClientAsync("rotate-client", "Rotate Surgery", [ReferralExamples.Practice]);
        var issued = (await keys.IssueAsync("rotate-client"))!;
        Assert.NotNull(await keys.AuthenticateAsync(issued.ApiKey));
        Assert.Null(await keys.AuthenticateAsync(issued.ApiKey[..^1] + (issued.ApiKey[^1] == '0' ? '1' : '0')));

        await keys.RotateAsync(issued.KeyId, TimeSpan.FromSeconds(30));
        Assert.NotNull(await keys.AuthenticateAsync(issued.ApiKey));
        clock.Now += TimeSpan.FromSeconds(31);
        Assert.Null(await keys.AuthenticateAsync(issued.ApiKey));
    }

    [Fact]
    public async Task A_client_s_practices_changed_through_this_instance_apply_at_once()
    {
        var clock = new Clock(DateTimeOffset.UtcNow);
        var keys = Keys(clock, TimeSpan.FromMinutes(5));
        await keys.SaveClientAsync("moving-client", "Moving Surgery", [ReferralExamples.Practice]);
        var issued = (await keys.IssueAsync("moving-client"))!;
        Assert.Contains(ReferralExamples.Practice, (await keys.AuthenticateAsync(issued.ApiKey))!.PracticeOdsCodes);

        await keys.SaveClientAsync("moving-client", "Moving Surgery", [ReferralExamples.OtherPractice]);

        Assert.DoesNotContain(ReferralExamples.Practice, (await keys.AuthenticateAsync(issued.ApiKey))!.PracticeOdsCodes);
    }
}

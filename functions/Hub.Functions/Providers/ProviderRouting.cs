using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Hub.Providers;

/// <summary>Why a referral is offered to whom it is offered to: stored on its Task beside the activity match.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RouteBasis>))]
public enum RouteBasis
{
    /// <summary>The referral named its performer, a known active provider.</summary>
    [JsonStringEnumMemberName("performer")] Performer,

    /// <summary>Providers offering the referral's activity, in the patient's area, with room.</summary>
    [JsonStringEnumMemberName("activity")] Activity,

    /// <summary>The activity could not be placed; the practice's link-worker service takes it.</summary>
    [JsonStringEnumMemberName("link-worker-service")] LinkWorkerService,

    /// <summary>Nobody can take it: the referral is escalated to the referrer.</summary>
    [JsonStringEnumMemberName("none")] None,
}

/// <summary>Who a referral is offered to, first choice first, and why.</summary>
public sealed record ProviderRoute(IReadOnlyList<string> ProviderIds, RouteBasis Basis);

/// <summary>Chooses who is offered a referral, in order: the orchestration offers the first, and on a decline the next.</summary>
public sealed class ProviderRouting(ProviderDirectory directory, IOptions<ProviderOptions> options)
{
    /// <summary>The providers to offer a referral to (<see cref="DecideAsync"/>'s list).</summary>
    public async Task<IReadOnlyList<string>> RouteAsync(RoutingRequest request, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        (await DecideAsync(request, now, cancellationToken)).ProviderIds;

    /// <summary>The providers to offer a referral to, first choice first. An empty list means nobody can take it now and
    /// the referral is escalated to the referrer.
    /// <list type="number">
    /// <item>A performer that names a known, <c>active</c> provider gets the referral alone: the GP chose it, so neither
    /// category, area nor weekly capacity is checked. A performer that is unknown, paused or inactive is passed over and
    /// the referral is routed as if none were named.</item>
    /// <item>Otherwise every provider that is <c>active</c>, offers at least one of the referral's categories, serves the
    /// patient's postcode district (<see cref="Postcodes.Serves"/>: no areas = anywhere; no postcode in the referral = not
    /// checked) and has room this week (no <see cref="Provider.WeeklyLimit"/>, or fewer offers recorded this ISO week,
    /// Europe/London, than the limit).</item>
    /// <item>When that finds nobody (no category could be placed, or none of its providers serves the area or has room),
    /// the practice's link-worker service: the provider named for the practice in
    /// <see cref="ProviderOptions.LinkWorkerServices"/> when it is active (chosen by the practice, like a performer), else
    /// the directory's providers carrying <see cref="ActivityCategories.LinkWorker"/>, by the same area and room rules.</item>
    /// <item>Failing that, nobody: escalate.</item>
    /// </list>
    /// Order: providers the rules leave are tied; the tie is broken by how they have answered offers over the last 90
    /// days (<see cref="Provider.Responsiveness"/>, counted nightly): first the median days from offer to answer, in
    /// whole days rounded up, fewer first; then the acceptance rate, in bands of 10 percentage points, higher first. A
    /// provider with no published figure (new, or fewer than 8 offers) counts as answering within a day and accepting
    /// every offer, so it is tried and earns figures rather than being starved. Then by <see cref="Provider.Name"/>
    /// (ordinal, ignoring case), then <see cref="Provider.Id"/> (ordinal), the directory's own order. Not by load, and the
    /// figures change once a night, so the same referral routes the same way all day and a link worker can say why.</summary>
    public async Task<ProviderRoute> DecideAsync(RoutingRequest request, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!string.IsNullOrWhiteSpace(request.PerformerProviderId)
            && await directory.GetAsync(request.PerformerProviderId, cancellationToken) is { Status: ProviderStatus.Active } chosen)
        {
            return new ProviderRoute([chosen.Id], RouteBasis.Performer);
        }

        var wanted = request.ActivityCategories.Select(ActivityCategories.Normalize).ToHashSet(StringComparer.Ordinal);
        IReadOnlyList<Provider>? all = null;
        if (wanted.Count > 0)
        {
            all = await directory.ListAsync(cancellationToken);
            var offered = await WithRoomAsync(all, wanted, request.PostcodeOutward, now, cancellationToken);
            if (offered.Count > 0)
            {
                return new ProviderRoute(offered, RouteBasis.Activity);
            }
        }

        if (request.PracticeOds is { } ods
            && options.Value.LinkWorkerServices.TryGetValue(ods, out var serviceId)
            && !string.IsNullOrWhiteSpace(serviceId)
            && await directory.GetAsync(serviceId.Trim(), cancellationToken) is { Status: ProviderStatus.Active } practiceService)
        {
            return new ProviderRoute([practiceService.Id], RouteBasis.LinkWorkerService);
        }

        if (!wanted.Contains(ActivityCategories.LinkWorker))
        {
            all ??= await directory.ListAsync(cancellationToken);
            var linkWorkers = await WithRoomAsync(all, new HashSet<string>(StringComparer.Ordinal) { ActivityCategories.LinkWorker }, request.PostcodeOutward, now, cancellationToken);
            if (linkWorkers.Count > 0)
            {
                return new ProviderRoute(linkWorkers, RouteBasis.LinkWorkerService);
            }
        }

        return new ProviderRoute([], RouteBasis.None);
    }

    /// <summary>The order the providers the rules leave are offered in (see <see cref="DecideAsync"/>).</summary>
    public static IEnumerable<Provider> InRoutingOrder(IEnumerable<Provider> providers) =>
        providers.OrderBy(p => p.Responsiveness?.MedianDaysToAnswer is { } median ? Math.Max(1, (int)Math.Ceiling(median)) : 1)
            .ThenByDescending(p => p.Responsiveness?.AcceptanceRate is { } rate ? (int)Math.Floor(rate * 10) : 10)
            .ThenBy(p => p.Name, StringComparer.OrdinalIgnoreCase)
            .ThenBy(p => p.Id, StringComparer.Ordinal);

    private async Task<List<string>> WithRoomAsync(IReadOnlyList<Provider> all, IReadOnlySet<string> wanted, string? postcode, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var outward = Postcodes.OutwardCode(postcode);
        var candidates = all.Where(p => p.Status == ProviderStatus.Active
                                        && p.Categories.Any(wanted.Contains)
                                        && Postcodes.Serves(p.Areas, outward));
        var offered = new List<string>();
        foreach (var provider in InRoutingOrder(candidates))
        {
            if (provider.WeeklyLimit is not { } limit || await directory.CountThisWeekAsync(provider.Id, now, cancellationToken) < limit)
            {
                offered.Add(provider.Id);
            }
        }

        return offered;
    }
}

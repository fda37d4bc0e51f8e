namespace Hub.Providers;

/// <summary>Chooses who is offered a referral, in order: the orchestration offers the first, and on a decline the next.</summary>
public sealed class ProviderRouting(ProviderDirectory directory)
{
    /// <summary>The providers to offer a referral to, first choice first. An empty list means nobody can take it now and
    /// the referral is escalated to the referrer.
    /// <list type="number">
    /// <item>A performer that names a known, <c>active</c> provider gets the referral alone: the GP chose it, so neither
    /// category, area nor weekly capacity is checked. A performer that is unknown, paused or inactive is passed over and
    /// the referral is routed as if none were named.</item>
    /// <item>A referral with no activity category is offered to nobody (empty: escalate) rather than to every provider.</item>
    /// <item>Otherwise every provider that is <c>active</c>, offers at least one of the referral's categories, serves the
    /// patient's postcode district (<see cref="Postcodes.Serves"/>: no areas = anywhere; no postcode in the referral = not
    /// checked) and has room this week (no <see cref="Provider.WeeklyLimit"/>, or fewer offers recorded this ISO week,
    /// Europe/London, than the limit).</item>
    /// </list>
    /// Order: by <see cref="Provider.Name"/> (ordinal, ignoring case), then <see cref="Provider.Id"/> (ordinal), the
    /// directory's own order. Deliberately not by load, so the same referral routes the same way and a link worker can
    /// say why.</summary>
    public async Task<IReadOnlyList<string>> RouteAsync(RoutingRequest request, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!string.IsNullOrWhiteSpace(request.PerformerProviderId)
            && await directory.GetAsync(request.PerformerProviderId, cancellationToken) is { Status: ProviderStatus.Active } chosen)
        {
            return [chosen.Id];
        }

        var wanted = request.ActivityCategories.Select(ActivityCategories.Normalize).ToHashSet(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return [];
        }

        var outward = Postcodes.OutwardCode(request.PostcodeOutward);
        var candidates = (await directory.ListAsync(cancellationToken))
            .Where(p => p.Status == ProviderStatus.Active
                        && p.Categories.Any(wanted.Contains)
                        && Postcodes.Serves(p.Areas, outward));

        var offered = new List<string>();
        foreach (var provider in ProviderDirectory.InDirectoryOrder(candidates))
        {
            if (provider.WeeklyLimit is not { } limit || await directory.CountThisWeekAsync(provider.Id, now, cancellationToken) < limit)
            {
                offered.Add(provider.Id);
            }
        }

        return offered;
    }
}

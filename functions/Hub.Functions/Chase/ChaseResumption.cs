using Hub.Referrals;

namespace Hub.Chase;

/// <summary>Reads, from a referral's audit trail, how far an earlier chase got: a chase restarted by an operator (its
/// instance failed under an earlier deployment) carries on from there instead of starting again.</summary>
public static class ChaseResumption
{
    /// <returns>Null when the referral was never offered to anyone: a chase starting for the first time.</returns>
    public static ChaseResume? From(IReadOnlyList<AuditEntry> trail)
    {
        var offeredAt = trail.Where(e => e.Is(AuditEventName.Offered) && e.By.ProviderId is not null)
            .GroupBy(e => e.By.ProviderId!)
            .ToDictionary(g => g.Key, g => g.Min(e => e.At).UtcDateTime, StringComparer.Ordinal);
        if (offeredAt.Count == 0)
        {
            return null;
        }

        var answers = trail.Where(e => (e.Is(AuditEventName.ProviderAccepted) || e.Is(AuditEventName.ProviderDeclined)) && e.By.ProviderId is not null)
            .Select(e => e.Is(AuditEventName.ProviderAccepted)
                ? new ProviderAnswer(e.By.ProviderId!, true, null, null, null)
                : new ProviderAnswer(e.By.ProviderId!, false, e.Outcome is { Length: > 0 } code ? DeclineCode.FromStored(code) : DeclineCode.Unspecified, null, null))
            .ToList();
        return new ChaseResume(answers, offeredAt);
    }
}

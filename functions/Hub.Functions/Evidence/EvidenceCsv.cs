using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Hub.FollowUp;

namespace Hub.Evidence;

/// <summary>The de-identified per-referral rows for analyst keys only: a stable pseudonym instead of the referral id,
/// the referral's month rather than its date, times in whole days, the provider only where it has
/// <see cref="DisclosureOptions.StatisticsFrom"/> or more referrals in the export (otherwise <c>other</c>), codes and
/// numbers only. No NHS number, name, contact or free text exists in an evidence row to begin with.</summary>
/// <param name="measures">The instruments' measures: the CSV carries the exported ones, baseline and follow-up side by
/// side (the shipped instruments' when not given).</param>
public sealed class EvidenceCsv(byte[] pseudonymKey, MeasureCatalogue? measures = null)
{
    /// <summary>The measure codes exported, baseline and follow-up side by side.</summary>
    public IReadOnlyList<string> Measures { get; } = (measures ?? MeasureCatalogue.Shipped).Exported.Select(m => m.Code).ToList();

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The same referral gets the same pseudonym in every export under the same key; without the key the
    /// pseudonym cannot be turned back into the referral.</summary>
    public string Pseudonym(string referralId) =>
        "p-" + Convert.ToHexStringLower(HMACSHA256.HashData(pseudonymKey, Encoding.UTF8.GetBytes(referralId)))[..20];

    /// <summary>What stands in for a provider with too few referrals in the export to be named.</summary>
    public const string OtherProvider = "other";

    public string Write(IEnumerable<EvidenceRow> rows) => Write(rows.ToList(), DisclosureRule.Default);

    public string Write(IReadOnlyList<EvidenceRow> rows, DisclosureRule rule)
    {
        static string? ProviderOf(EvidenceRow row) => row.Acceptance?.ProviderId ?? (row.Offers.Count > 0 ? row.Offers[^1].ProviderId : null);
        var named = rows.Select(ProviderOf).OfType<string>().GroupBy(p => p, StringComparer.Ordinal)
            .Where(g => rule.ShowsStatistics(g.Count())).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        var csv = new StringBuilder();
        csv.Append("pseudonym,practice_ods,referral_month,provider,chase_result,providers_offered,decline_reasons,days_to_first_answer,days_to_acceptance,days_to_first_session,follow_up,took_up,attended");
        // What the accepting provider reported (attended is what the person said at follow-up).
        csv.Append(",provider_attended,provider_days_to_first_session,provider_sessions,provider_ended,provider_end_code");
        foreach (var measure in Measures)
        {
            csv.Append(',').Append(Cell($"baseline_{measure}")).Append(',').Append(Cell($"follow_up_{measure}"));
        }

        csv.Append("\r\n");
        foreach (var row in rows.OrderBy(r => r.ReferredAt))
        {
            var provider = ProviderOf(row) is { } id ? (named.Contains(id) ? id : OtherProvider) : null;
            var reasons = string.Join(';', row.Offers.Select(o => o.DropCode).OfType<string>());
            var cells = new List<string?>
            {
                Pseudonym(row.ReferralId),
                row.PracticeOds,
                row.ReferredAt.ToString("yyyy-MM", Invariant),
                provider,
                Kebab(row.Chase.ToString()),
                row.Offers.Count.ToString(Invariant),
                reasons,
                Days(row.DaysToFirstAnswer),
                Days(row.DaysToAcceptance),
                row.DaysToFirstSession?.ToString(Invariant),
                Kebab(row.FollowUpResult.ToString()),
                ReferralFunnel.TookUp(row) ? "yes" : "no",
                row.Attended switch { true => "yes", false => "no", null => null },
                row.Engagement is { } reported ? (reported.Attended ? "yes" : "no") : null,
                row.DaysToFirstSessionAttended?.ToString(Invariant),
                row.Engagement?.Sessions?.ToString(Invariant),
                row.Engagement?.Ended is { } ended ? Kebab(ended.ToString()) : null,
                row.Engagement?.EndCode,
            };
            foreach (var measure in Measures)
            {
                cells.Add(row.Baseline.TryGetValue(measure, out var b) ? b.ToString(Invariant) : null);
                cells.Add(row.FollowUp.TryGetValue(measure, out var f) ? f.ToString(Invariant) : null);
            }

            csv.AppendJoin(',', cells.Select(Cell)).Append("\r\n");
        }

        return csv.ToString();
    }

    // Whole days: a time to the minute, set beside a referral's month, could pick out the person.
    private static string? Days(double? days) => days is { } d ? Math.Floor(d).ToString(Invariant) : null;

    private static string Kebab(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "-" : string.Empty) + char.ToLowerInvariant(c) : c.ToString()));

    /// <summary>RFC 4180 quoting, and a leading apostrophe for anything a spreadsheet would run as a formula.</summary>
    private static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }
}

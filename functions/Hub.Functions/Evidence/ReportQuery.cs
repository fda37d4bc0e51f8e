using System.Globalization;
using Hub.Access;
using Hub.Platform.Fhir;
using Hub.Platform.Storage;
using Hub.Providers;
using Microsoft.Extensions.Primitives;

namespace Hub.Evidence;

/// <summary>What a report asks for, as the FHIR search on MeasureReport spells it: <c>subject</c> names a practice
/// (<c>Organization/{ODS}</c>), a scheme (<c>Group/{scheme id}</c>) or a provider (<c>HealthcareService/{id}</c>), and
/// repeats to combine; <c>period</c> is a FHIR date search (<c>2026</c>, <c>2026-03</c>, <c>ge2026-01-01&amp;period=lt2026-04-01</c>)
/// on the date each referral reached the hub. Periods are whole calendar months or longer (UTC): a report for a day, or
/// for one day more than another, could be differenced into one person's figures; and they are calendar blocks
/// (<see cref="IsCalendarBlock"/>), so that one run of months minus an overlapping one cannot single out a month.</summary>
public sealed record ReportQuery(IReadOnlyList<string> Practices, IReadOnlyList<string> Schemes, string? Provider, DateTimeOffset? From, DateTimeOffset? To)
{
    public static readonly ReportQuery Everything = new([], [], null, null, null);

    /// <summary>The query, or every problem with it at once.</summary>
    public static (ReportQuery? Query, IReadOnlyList<FhirProblem> Problems) Parse(StringValues subjects, StringValues periods)
    {
        var problems = new List<FhirProblem>();
        var practices = new List<string>();
        var schemes = new List<string>();
        var providers = new List<string>();
        foreach (var subject in subjects.SelectMany(s => (s ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var slash = subject.IndexOf('/', StringComparison.Ordinal);
            var (type, id) = slash > 0 ? (subject[..slash], subject[(slash + 1)..]) : (string.Empty, subject);
            if (id.Length == 0 || !TableKeys.IsSafe(id))
            {
                type = string.Empty;
            }

            switch (type)
            {
                case "Organization":
                    practices.Add(id.ToUpperInvariant());
                    break;
                case "Group":
                    schemes.Add(id);
                    break;
                case "HealthcareService":
                    providers.Add(id);
                    break;
                default:
                    problems.Add(FhirProblem.Value("subject",
                        $"subject '{subject}' is not one the hub reports on: use Organization/{{practice ODS code}}, Group/{{scheme id}} or HealthcareService/{{provider id}}."));
                    break;
            }
        }

        if (providers.Distinct(StringComparer.Ordinal).Count() > 1)
        {
            problems.Add(FhirProblem.Value("subject", "Name at most one provider (HealthcareService) per report: a referral is seen through one provider's offer at a time."));
        }

        DateTimeOffset? from = null, to = null;
        foreach (var period in periods.SelectMany(p => (p ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var prefix = period.Length > 2 && char.IsLetter(period[0]) ? period[..2] : "eq";
            var value = prefix == "eq" && !period.StartsWith("eq", StringComparison.Ordinal) ? period : period[2..];
            if (!TryRange(value, out var start, out var end))
            {
                problems.Add(FhirProblem.Value("period", $"period '{period}' is not a date: use YYYY, YYYY-MM or YYYY-MM-DD, optionally after ge, gt, le, lt or eq."));
                continue;
            }

            switch (prefix)
            {
                case "eq":
                    from = Later(from, start);
                    to = Earlier(to, end);
                    break;
                case "ge":
                    from = Later(from, start);
                    break;
                case "gt":
                    from = Later(from, end);
                    break;
                case "lt":
                    to = Earlier(to, start);
                    break;
                case "le":
                    to = Earlier(to, end);
                    break;
                default:
                    problems.Add(FhirProblem.Value("period", $"period prefix '{prefix}' is not supported here: use ge, gt, le, lt or eq."));
                    break;
            }
        }

        if (from is not null && to is not null && from >= to)
        {
            problems.Add(FhirProblem.Value("period", "The period is empty: its start is not before its end."));
        }
        else if (!StartsAMonth(from) || !StartsAMonth(to))
        {
            problems.Add(FhirProblem.Value("period",
                "Reports cover whole calendar months: start on the first of a month and end on the last day of one (for example period=2026-03, or period=ge2026-01-01&period=le2026-06-30). Shorter periods could be subtracted from each other to single out a person."));
        }
        else if (!IsCalendarBlock(from, to))
        {
            problems.Add(FhirProblem.Value("period",
                "Reports cover one calendar block: a month (period=2026-03), a quarter (period=ge2026-04-01&period=le2026-06-30), a half-year (January–June or July–December), a calendar year (period=2026), or everything from the start of a quarter. Runs of months that overlap without nesting (January–February and February–March) could be subtracted from each other to single out a person."));
        }

        return problems.Count > 0
            ? (null, problems)
            : (new ReportQuery(practices.Distinct().ToList(), schemes.Distinct(StringComparer.Ordinal).ToList(), providers.FirstOrDefault(), from, to), []);
    }

    /// <summary>The query as FHIR search parameters, for links (the HTML page's CSV link, the MeasureReport's identifier).</summary>
    public string ToSearch()
    {
        var parts = Practices.Select(p => $"subject=Organization/{Uri.EscapeDataString(p)}")
            .Concat(Schemes.Select(s => $"subject=Group/{Uri.EscapeDataString(s)}"))
            .Concat(Provider is null ? [] : [$"subject=HealthcareService/{Uri.EscapeDataString(Provider)}"])
            .Concat(From is { } f ? [$"period=ge{f:yyyy-MM-dd}"] : [])
            .Concat(To is { } t ? [$"period=lt{t:yyyy-MM-dd}"] : []);
        return string.Join('&', parts);
    }

    private static bool TryRange(string value, out DateTimeOffset start, out DateTimeOffset end)
    {
        var formats = new[] { ("yyyy", 0), ("yyyy-MM", 1), ("yyyy-MM-dd", 2) };
        foreach (var (format, precision) in formats)
        {
            if (DateTime.TryParseExact(value, format, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
            {
                start = new DateTimeOffset(parsed, TimeSpan.Zero);
                end = precision switch { 0 => start.AddYears(1), 1 => start.AddMonths(1), _ => start.AddDays(1) };
                return true;
            }
        }

        start = end = default;
        return false;
    }

    /// <summary>The periods a report may cover, so that no two a key can ask for overlap unless one holds the other:
    /// one calendar month, quarter (January, April, July, October), half-year or year; or open-ended from the start of a
    /// quarter (up to now) or up to the start of a year. Every block is a whole number of the blocks below it.</summary>
    public static bool IsCalendarBlock(DateTimeOffset? from, DateTimeOffset? to) => (from, to) switch
    {
        (null, null) => true,
        ({ } f, null) => (f.Month - 1) % 3 == 0,
        (null, { } t) => t.Month == 1,
        ({ } f, { } t) => (MonthsBetween(f, t), f.Month) switch
        {
            (1, _) => true,
            (3, var m) => (m - 1) % 3 == 0,
            (6, var m) => m is 1 or 7,
            (12, var m) => m == 1,
            _ => false,
        },
    };

    private static int MonthsBetween(DateTimeOffset from, DateTimeOffset to) => ((to.Year - from.Year) * 12) + to.Month - from.Month;

    private static bool StartsAMonth(DateTimeOffset? at) => at is not { } t || (t.Day == 1 && t.TimeOfDay == TimeSpan.Zero && t.Offset == TimeSpan.Zero);

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x > b ? x : b;

    private static DateTimeOffset? Earlier(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x < b ? x : b;
}

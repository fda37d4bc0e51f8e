using System.Globalization;
using Hub.Referrals;

namespace Hub.Chase;

/// <summary>What a provider filled in on the progress form, checked: which report, and the detail it needs (a real
/// first-session date not in the future, a count of sessions, an outcome, a reason).</summary>
public sealed record ProgressForm(ProgressEntry? Entry, int Sequence, List<(string Field, string Message)> Errors)
{
    public const int MaxSessions = 500;

    public static ProgressForm Read(Func<string, string> field, DateOnly today)
    {
        var errors = new List<(string Field, string Message)>();
        var sequence = int.TryParse(field("n"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
        if (!StoredSpelling.TryParse<ProgressReport>(field("report"), out var report))
        {
            errors.Add(("report", "Select what has happened"));
            return new ProgressForm(null, sequence, errors);
        }

        switch (report)
        {
            case ProgressReport.FirstSession:
                var (day, month, year) = (field("day").Trim(), field("month").Trim(), field("year").Trim());
                if (!DateOnly.TryParseExact($"{year}-{month.PadLeft(2, '0')}-{day.PadLeft(2, '0')}", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    errors.Add(("day", "Enter the date of the first session, like 27 3 2027"));
                    break;
                }

                if (date > today)
                {
                    errors.Add(("day", "The first session date must be today or in the past"));
                    break;
                }

                return new ProgressForm(new ProgressEntry(report, Date: date), sequence, errors);
            case ProgressReport.Sessions:
                if (!int.TryParse(field("sessions").Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var sessions) || sessions is < 1 or > MaxSessions)
                {
                    errors.Add(("sessions", $"Enter the number of sessions attended so far, from 1 to {MaxSessions}"));
                    break;
                }

                return new ProgressForm(new ProgressEntry(report, Sessions: sessions), sequence, errors);
            case ProgressReport.Finished:
                if (!StoredSpelling.TryParse<FinishOutcome>(field("outcome"), out var outcome))
                {
                    errors.Add(("outcome", "Select how the work ended"));
                    break;
                }

                return new ProgressForm(new ProgressEntry(report, Outcome: outcome), sequence, errors);
            case ProgressReport.Stopped:
                if (!StoredSpelling.TryParse<StopReason>(field("reason"), out var reason))
                {
                    errors.Add(("reason", "Select why you stopped"));
                    break;
                }

                return new ProgressForm(new ProgressEntry(report, Reason: reason), sequence, errors);
            default:
                return new ProgressForm(new ProgressEntry(report), sequence, errors);
        }

        return new ProgressForm(null, sequence, errors);
    }
}

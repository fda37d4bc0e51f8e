namespace Hub.Chase;

/// <summary>UK working hours (Europe/London, Monday–Friday 09:00–17:00), as a pure function of the time given, so the
/// orchestrator can use it on replay. Bank holidays are not known here: a reminder may go out on one.</summary>
public static class WorkingHours
{
    private static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
    private static readonly TimeSpan Opens = TimeSpan.FromHours(9);
    private static readonly TimeSpan Closes = TimeSpan.FromHours(17);

    /// <summary>The time itself when it falls in working hours, otherwise the next opening time (as UTC).</summary>
    public static DateTime NextOpen(DateTime utc)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), London);
        if (IsWorkingDay(local) && local.TimeOfDay >= Opens && local.TimeOfDay < Closes)
        {
            return DateTime.SpecifyKind(utc, DateTimeKind.Utc);
        }

        var day = local.TimeOfDay < Opens ? local.Date : local.Date.AddDays(1);
        while (!IsWorkingDay(day))
        {
            day = day.AddDays(1);
        }

        return TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(day + Opens, DateTimeKind.Unspecified), London);
    }

    private static bool IsWorkingDay(DateTime local) => local.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);
}

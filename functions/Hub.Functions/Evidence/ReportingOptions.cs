namespace Hub.Evidence;

/// <summary>Evidence reports (configuration section <c>Reporting</c>).</summary>
public sealed class ReportingOptions
{
    public const string Section = "Reporting";

    /// <summary>What one GP appointment costs the local NHS, in pounds. The cost offset is shown only when all three costs are set.</summary>
    public decimal? GpAppointmentCost { get; set; }

    /// <summary>What one A&amp;E attendance costs, in pounds.</summary>
    public decimal? AeAttendanceCost { get; set; }

    /// <summary>What the programme costs per referral (link worker time, activity funding), in pounds.</summary>
    public decimal? ProgrammeCostPerReferral { get; set; }

    /// <summary>The secret behind the CSV's pseudonymous ids: the same referral gets the same id in every export while
    /// this stays the same. Unset, it is derived from the current link-signing key.</summary>
    public string? PseudonymKey { get; set; }

    /// <summary>The small-number protection every report output applies (NHS England's method by default).</summary>
    public DisclosureOptions Disclosure { get; set; } = new();

    public DisclosureRule Rule => new(Disclosure);

    /// <summary>How far behind its watermark each evidence update reads again (default 10 minutes): a write whose
    /// storage <c>Timestamp</c> is just before the last one seen may become visible after it. Reading a referral again
    /// changes nothing; a longer overlap only reads more.</summary>
    public TimeSpan UpdateOverlap { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many referrals an evidence update reads and counts in one batch (default 8,000): each batch is
    /// journalled and applied before the next is read, so an update's memory follows this, not the day or a catch-up
    /// (days without an update, a bulk import). A national day (about 24,000 referrals touched) is three batches, about
    /// 90 MB held at a time; a cell touched by two batches is written by each (6 % more cell writes for that day, in the
    /// same time: a practice's year is one entity).</summary>
    public int UpdateBatchReferrals { get; set; } = 8_000;

    /// <summary>The reports asked for within this time (default 35 days) are audited again after each nightly update
    /// (<see cref="EvidenceWarmUp"/>), so their next reader does not wait for the audit; zero turns the warm-up off.</summary>
    public TimeSpan WarmUpAskedWithin { get; set; } = TimeSpan.FromDays(35);

    /// <summary>How long the warm-up may audit after an update (default 10 minutes); the questions it does not reach
    /// are audited by their first reader.</summary>
    public TimeSpan WarmUpBudget { get; set; } = TimeSpan.FromMinutes(10);

    public bool CostsConfigured => GpAppointmentCost > 0 && AeAttendanceCost > 0 && ProgrammeCostPerReferral > 0;
}

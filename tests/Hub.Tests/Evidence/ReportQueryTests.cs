using Hub.Access;
using Hub.Evidence;
using Hub.Providers;
using Microsoft.Extensions.Primitives;

namespace Hub.Tests.Evidence;

[Trait("Category", "Unit")]
public sealed class ReportQueryTests
{
    [Theory]
    [InlineData("2026", "2026-01-01", "2027-01-01")]
    [InlineData("2026-03", "2026-03-01", "2026-04-01")]
    [InlineData("eq2026-02", "2026-02-01", "2026-03-01")]
    public void A_single_period_value_covers_the_whole_year_or_month(string period, string from, string to)
    {
        var (query, problems) = ReportQuery.Parse(StringValues.Empty, period);
        Assert.Empty(problems);
        Assert.Equal(DateTimeOffset.Parse(from + "T00:00:00Z"), query!.From);
        Assert.Equal(DateTimeOffset.Parse(to + "T00:00:00Z"), query.To);
    }

    [Theory]
    [InlineData("2026-03-15")]
    [InlineData("ge2026-03-02")]
    [InlineData("lt2026-03-31")]
    [InlineData("le2026-03-30")]
    public void A_period_that_is_not_whole_months_is_refused_naming_the_period(string period)
    {
        var (query, problems) = ReportQuery.Parse(StringValues.Empty, period);
        Assert.Null(query);
        Assert.Contains("whole calendar months", Assert.Single(problems).Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public void Prefixed_periods_combine_into_one_range()
    {
        var (query, _) = ReportQuery.Parse(StringValues.Empty, new StringValues(["ge2026-01-01", "le2026-03-31"]));
        Assert.Equal(DateTimeOffset.Parse("2026-01-01T00:00:00Z"), query!.From);
        Assert.Equal(DateTimeOffset.Parse("2026-04-01T00:00:00Z"), query.To);

        var (open, _) = ReportQuery.Parse(StringValues.Empty, "gt2026-06");
        Assert.Equal(DateTimeOffset.Parse("2026-07-01T00:00:00Z"), open!.From);
        Assert.Null(open.To);
    }

    [Fact]
    public void Subjects_name_practices_schemes_and_one_provider()
    {
        var (query, problems) = ReportQuery.Parse(new StringValues(["Organization/a81001", "Group/north-leeds", "HealthcareService/prov-1"]), StringValues.Empty);
        Assert.Empty(problems);
        Assert.Equal(["A81001"], query!.Practices);
        Assert.Equal(["north-leeds"], query.Schemes);
        Assert.Equal("prov-1", query.Provider);
        Assert.Equal("subject=Organization/A81001&subject=Group/north-leeds&subject=HealthcareService/prov-1", query.ToSearch());
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var (query, problems) = ReportQuery.Parse(new StringValues(["Patient/123", "HealthcareService/a", "HealthcareService/b"]), new StringValues(["2026-13", "ge2026-06-01", "lt2026-05-01"]));
        Assert.Null(query);
        Assert.Contains(problems, p => p.Diagnostics.Contains("Patient/123", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Diagnostics.Contains("at most one provider", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Diagnostics.Contains("'2026-13'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Diagnostics.Contains("empty", StringComparison.Ordinal));
        Assert.All(problems, p => Assert.True(p.Expressions.Single() is "subject" or "period"));
    }
}

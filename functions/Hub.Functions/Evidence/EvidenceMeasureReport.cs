using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Platform.Fhir;
using Hub.Providers;
using static Hub.Evidence.MeasureReportFigures;

namespace Hub.Evidence;

/// <summary>An evidence report as a FHIR <c>MeasureReport</c> (type summary): one group per funnel stage, time, outcome
/// measure and cost figure, each with its populations; the report's filters as a contained Group it is about. Hidden
/// counts and withheld statistics are left out and marked with the core data-absent-reason "masked".</summary>
public static class EvidenceMeasureReport
{
    public const string Measure = FhirCodes.HubBase + "/Measure/sp-evidence";
    public const string EvidenceCodes = FhirCodes.HubBase + "/CodeSystem/sp-evidence";
    public const string OutcomeMeasureCodes = FhirCodes.HubBase + "/CodeSystem/sp-outcome-measures";
    public const string ConfidenceIntervalExtension = FhirCodes.HubBase + "/StructureDefinition/confidence-interval-95";
    public const string PairedTPExtension = FhirCodes.HubBase + "/StructureDefinition/paired-t-p-value";
    public const string WilcoxonPExtension = FhirCodes.HubBase + "/StructureDefinition/wilcoxon-signed-rank-p-value";
    public const string DataAbsentReason = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";

    /// <param name="readerId">Who asked: the same question from two practices is two different reports.</param>
    public static MeasureReport From(EvidenceReport report, ReportQuery query, string snapshotId, string readerId)
    {
        var scope = report.Scope;
        var rule = report.Rule;
        var measureReport = new MeasureReport
        {
            // The same question from the same reader of the same snapshot is the same report.
            Id = "evidence-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{query.ToSearch()}|{snapshotId}|{readerId}")))[..24],
            Meta = new Meta { LastUpdated = scope.SnapshotTakenAt },
            Status = MeasureReport.MeasureReportStatus.Complete,
            Type = MeasureReport.MeasureReportType.Summary,
            Measure = Measure,
            Subject = new ResourceReference("#cohort") { Display = Cohort(scope) },
            Date = scope.SnapshotTakenAt.ToString("o", CultureInfo.InvariantCulture),
            Reporter = new ResourceReference { Display = "Social Prescribing Referral Hub" },
            Period = new Period
            {
                Start = scope.From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                // FHIR periods include their end; the query's end is exclusive.
                End = (scope.To?.AddDays(-1) ?? scope.SnapshotTakenAt).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            },
        };
        measureReport.Contained.Add(CohortGroup(report, query));

        foreach (var stage in report.Funnel)
        {
            var group = CodedGroup(EvidenceCodes, $"funnel-{stage.Code}", stage.Label);
            group.Population.Add(Population("numerator", stage.Count));
            if (stage.Previous is { } previous)
            {
                group.Population.Add(Population("denominator", previous));
                Score(group, stage.Count.ShareOf(previous) is { } share ? Math.Round(share, 3) : null, "1", "proportion");
            }

            measureReport.Group.Add(group);
        }

        var drops = CodedGroup(EvidenceCodes, "funnel-drops", "Why referrals did not reach the next stage, or are still on the way");
        var reasons = new MeasureReport.StratifierComponent { Code = [new CodeableConcept(EvidenceCodes, "drop-reason", "Stage and reason")] };
        foreach (var drop in report.Drops)
        {
            reasons.Stratum.Add(Stratum(new CodeableConcept(EvidenceCodes, $"drop:{drop.AfterStage}:{drop.Code}",
                $"After {drop.AfterStage}: {drop.Label}" + (drop.Pending ? " (in progress, not a drop)" : string.Empty)), drop.Count));
        }

        drops.Stratifier.Add(reasons);
        measureReport.Group.Add(drops);

        foreach (var time in report.Timeliness)
        {
            foreach (var (suffix, value, label) in new[] { ("median", time.MedianDays, "median"), ("p90", time.P90Days, "90th percentile") })
            {
                var group = CodedGroup(EvidenceCodes, $"time-to-{time.Code}-{suffix}", $"{time.Label}, {label} (days)");
                group.Population.Add(Population("measure-population", time.N));
                Score(group, value is { } days ? rule.Days(days) : null, "d", "days");
                measureReport.Group.Add(group);
            }
        }

        // The page's time-to-acceptance chart, bin by bin, under the same rule.
        var bins = CodedGroup(EvidenceCodes, "time-to-acceptance-days", "Referrals accepted, by days from referral to acceptance");
        var binStrata = new MeasureReport.StratifierComponent { Code = [new CodeableConcept(EvidenceCodes, "days-to-acceptance", "Days from referral to acceptance")] };
        for (var i = 0; i < report.TimeToAcceptBins.Count; i++)
        {
            binStrata.Stratum.Add(Stratum(new CodeableConcept(EvidenceCodes, $"days-bin-{i}", ReportTimeliness.TimeToAcceptBinEdges[i].Label), report.TimeToAcceptBins[i]));
        }

        bins.Stratifier.Add(binStrata);
        measureReport.Group.Add(bins);

        foreach (var change in report.Outcomes.Concat(report.NhsUse))
        {
            measureReport.Group.Add(ChangeGroup(change, comparison: false, rule));
        }

        foreach (var change in report.ComparisonOutcomes)
        {
            measureReport.Group.Add(ChangeGroup(change, comparison: true, rule));
        }

        // The page's link-worker table, line by line, under the same rule.
        foreach (var line in report.LinkWork.Lines)
        {
            var group = CodedGroup(EvidenceCodes, line.Code, line.Label);
            group.Population.Add(Population("measure-population", line.Count));
            if (line.Statistic != LinkWorkStatistic.None)
            {
                Score(group, line.Value, line.Statistic == LinkWorkStatistic.MedianDays ? "d" : "1", line.Statistic == LinkWorkStatistic.MedianDays ? "days" : "per person");
            }

            measureReport.Group.Add(group);
        }

        AddLinkWorkOutcomes(measureReport, report);
        AddEngagement(measureReport, report);

        if (report.Cost.Configured)
        {
            var cost = report.Cost;
            var saving = CodedGroup(EvidenceCodes, "cost-offset-3m",
                "Estimated NHS cost offset per person per 3 months, from self-reported GP and A&E use and configured unit costs (an estimate, not a measured saving)");
            saving.Population.Add(Population("measure-population", cost.N));
            if (cost.SavingPerPerson3Months is { } value)
            {
                saving.MeasureScore = Money(rule.Money(value));
                saving.MeasureScore.Extension.Add(new Extension(ConfidenceIntervalExtension, new Hl7.Fhir.Model.Range { Low = Money(rule.Money(cost.SavingLow!.Value)), High = Money(rule.Money(cost.SavingHigh!.Value)) }));
            }
            else
            {
                Masked(saving);
            }

            measureReport.Group.Add(saving);
            var payback = CodedGroup(EvidenceCodes, "payback-months",
                $"Estimated payback of the programme cost (£{cost.ProgrammeCostPerReferral.ToString("0.##", CultureInfo.InvariantCulture)} per referral), in months: an estimate from self-reported use");
            payback.Population.Add(Population("measure-population", cost.N));
            Score(payback, cost.PaybackMonths is { } months ? Math.Round(months, 1) : null, "mo", "months");
            measureReport.Group.Add(payback);
        }

        return measureReport;
    }

    /// <summary>The link workers' own assessments (coded <c>link-worker-assessment</c>, apart from the follow-up's
    /// <c>took-up</c>), and the follow-up's change for people who took up an onward connection or none (<c>onward-took-up</c>,
    /// <c>onward-none</c>; not randomised), with the two groups' sizes.</summary>
    private static void AddLinkWorkOutcomes(MeasureReport measureReport, EvidenceReport report)
    {
        var rule = report.Rule;
        MeasureReport.GroupComponent Relabelled(OutcomeChange change, string code, string text)
        {
            var group = ChangeGroup(change, comparison: false, rule);
            group.Code!.Coding[1].Code = code;
            group.Code.Text = $"{change.Label}: {text}";
            return group;
        }

        foreach (var change in report.LinkWork.Assessments)
        {
            measureReport.Group.Add(Relabelled(change, "link-worker-assessment", "mean change from the link worker's first to last assessment, people assessed twice or more (the link worker's, not the follow-up survey's)"));
        }

        var onward = report.LinkWork.Onward;
        foreach (var (code, people, label) in new[] { ("onward-took-up-people", onward.TookUpPeople, "People a link worker saw, followed up, who took up at least one onward connection"), ("onward-none-people", onward.NonePeople, "People a link worker saw, followed up, who took up no onward connection") })
        {
            var group = CodedGroup(EvidenceCodes, code, label);
            group.Population.Add(Population("measure-population", people));
            measureReport.Group.Add(group);
        }

        foreach (var change in onward.TookUp)
        {
            measureReport.Group.Add(Relabelled(change, "onward-took-up", "change for people who took up an onward connection (not randomised: the groups chose differently)"));
        }

        foreach (var change in onward.None)
        {
            measureReport.Group.Add(Relabelled(change, "onward-none", "change for people who took up no onward connection (not randomised: the groups chose differently)"));
        }
    }

    /// <summary>The page's engagement tables, line by line: each group's code names its source (<c>engagement-provider-…</c>
    /// reported by providers, <c>engagement-person-…</c> said by the person at follow-up) and so does its text; the median
    /// as the score where the line has one.</summary>
    private static void AddEngagement(MeasureReport measureReport, EvidenceReport report)
    {
        foreach (var line in report.Engagement.Lines)
        {
            var group = CodedGroup(EvidenceCodes, line.Code, $"{line.Label} ({(line.Source == EngagementSource.Provider ? "reported by providers" : "said by the person at follow-up")})");
            group.Population.Add(Population("measure-population", line.Count));
            if (line.Statistic != EngagementStatistic.None)
            {
                Score(group, line.Value, line.Statistic == EngagementStatistic.MedianDays ? "d" : "{session}", line.Statistic == EngagementStatistic.MedianDays ? "days" : "sessions");
            }

            measureReport.Group.Add(group);
        }
    }

    private static MeasureReport.GroupComponent ChangeGroup(OutcomeChange change, bool comparison, DisclosureRule rule)
    {
        var group = new MeasureReport.GroupComponent
        {
            Code = new CodeableConcept
            {
                Text = comparison
                    ? $"{change.Label}: change in the comparison group (followed up but did not take part; not randomised)"
                    : $"{change.Label}: mean change, follow-up minus baseline, people with both answers",
            },
        };
        group.Code.Coding.Add(new Coding(change.Measure.System, change.Code));
        group.Code.Coding.Add(new Coding(EvidenceCodes, comparison ? "comparison-group" : "took-up"));
        group.Population.Add(Population("measure-population", change.Paired));
        group.Population.Add(Population(new CodeableConcept(EvidenceCodes, "baseline-only", "Baseline answer only: the follow-up ended without one"), change.BaselineOnly));
        group.Population.Add(Population(new CodeableConcept(EvidenceCodes, "follow-up-only", "Follow-up answer only: no baseline"), change.FollowUpOnly));
        if (change.T is { } t && change.Wilcoxon is { } w)
        {
            group.MeasureScore = Rounded(rule.Mean(t.MeanDifference), "{score}", "score points");
            group.MeasureScore.Extension.Add(new Extension(ConfidenceIntervalExtension, new Hl7.Fhir.Model.Range
            {
                Low = Rounded(rule.Mean(t.ConfidenceLow), "{score}"),
                High = Rounded(rule.Mean(t.ConfidenceHigh), "{score}"),
            }));
            // A p-value below the floor is written as the floor: "less than" is all the report says.
            group.MeasureScore.Extension.Add(new Extension(PairedTPExtension, new FhirDecimal((decimal)rule.P(t.P))));
            group.MeasureScore.Extension.Add(new Extension(WilcoxonPExtension, new FhirDecimal((decimal)rule.P(w.P))));
        }
        else
        {
            Masked(group);
        }

        var direction = new MeasureReport.StratifierComponent { Code = [new CodeableConcept(EvidenceCodes, "direction", change.HigherIsBetter ? "Direction of change (higher is better)" : "Direction of change (lower is better)")] };
        foreach (var (code, figure) in new[] { ("improved", change.Improved), ("unchanged", change.Unchanged), ("worse", change.Worse) })
        {
            direction.Stratum.Add(Stratum(new CodeableConcept(EvidenceCodes, code), figure));
        }

        group.Stratifier.Add(direction);
        return group;
    }

    private static Group CohortGroup(EvidenceReport report, ReportQuery query)
    {
        var group = new Group
        {
            Id = "cohort",
            Type = Group.GroupType.Person,
            Actual = false,
            Name = Cohort(report.Scope),
        };
        foreach (var practice in query.Practices)
        {
            group.Characteristic.Add(Characteristic("practice", new ResourceReference { Identifier = new Identifier(FhirCodes.OdsSystem, practice) }));
        }

        foreach (var scheme in query.Schemes)
        {
            group.Characteristic.Add(Characteristic("scheme", new ResourceReference($"Group/{scheme}")));
        }

        if (query.Provider is { } provider)
        {
            group.Characteristic.Add(Characteristic("provider", new ResourceReference($"HealthcareService/{provider}")));
        }

        if (group.Characteristic.Count == 0)
        {
            group.Characteristic.Add(Characteristic("all", new FhirBoolean(true)));
        }

        return group;
    }

    private static Group.CharacteristicComponent Characteristic(string code, DataType value) =>
        new() { Code = new CodeableConcept(EvidenceCodes, $"cohort-{code}"), Value = value, Exclude = false };

    private static string Cohort(ReportScope scope) =>
        (scope.Filters.Count == 0 ? "Every referral this key may read" : string.Join("; ", scope.Filters)) + ", " + scope.PeriodText;
}

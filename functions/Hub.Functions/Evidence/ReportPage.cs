using System.Globalization;
using System.Text;
using Hub.Access;
using Hub.Platform.Fhir;
using Hub.Providers;
using static Hub.Platform.Http.HtmlPage;

namespace Hub.Evidence;

/// <summary>The evidence report as a page for people: a scheme lead, a commissioner, a practice. Charts are SVG drawn
/// here, each with a text alternative and a table of the same figures; the page prints cleanly.</summary>
public static class ReportPage
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The form a person fills in to see a report: the key goes in the body, never in a URL.</summary>
    public static string Form(string csrf, string? practice = null, string? scheme = null, string? provider = null, string? from = null, string? to = null) => $"""
        <h1>Evidence report</h1>
        <p class="nhsuk-body">What happened to referrals, how quickly, and what changed for the people who took part. Enter the API key your scheme or practice was given; it is used for this page only and is not stored.</p>
        <form method="post" action="/api/reports" novalidate>
          <input type="hidden" name="{CsrfField}" value="{E(csrf)}">
          <div class="nhsuk-form-group"><label class="nhsuk-label" for="key">API key</label>
            <input class="nhsuk-input" id="key" name="key" type="password" autocomplete="off" spellcheck="false"></div>
          <div class="nhsuk-form-group"><label class="nhsuk-label" for="scheme">Scheme (optional)</label>
            <div class="nhsuk-hint" id="scheme-hint">The scheme id, for a scheme lead or commissioner key</div>
            <input class="nhsuk-input nhsuk-input--width-20" id="scheme" name="scheme" aria-describedby="scheme-hint" value="{E(scheme)}"></div>
          <div class="nhsuk-form-group"><label class="nhsuk-label" for="practice">Practice ODS code (optional)</label>
            <input class="nhsuk-input nhsuk-input--width-10" id="practice" name="practice" value="{E(practice)}"></div>
          <div class="nhsuk-form-group"><label class="nhsuk-label" for="provider">Provider id (optional)</label>
            <input class="nhsuk-input nhsuk-input--width-20" id="provider" name="provider" value="{E(provider)}"></div>
          <div class="nhsuk-form-group"><label class="nhsuk-label" for="from">Referred from (optional)</label>
            <div class="nhsuk-hint" id="from-hint">A month as YYYY-MM, a year, or the first day of a month as YYYY-MM-DD: reports cover whole months</div>
            <input class="nhsuk-input nhsuk-input--width-10" id="from" name="from" aria-describedby="from-hint" value="{E(from)}"></div>
          <div class="nhsuk-form-group"><label class="nhsuk-label" for="to">Referred up to and including (optional)</label>
            <div class="nhsuk-hint" id="to-hint">A month as YYYY-MM, a year, or the last day of a month</div>
            <input class="nhsuk-input nhsuk-input--width-10" id="to" name="to" aria-describedby="to-hint" value="{E(to)}"></div>
          <div class="nhsuk-form-group"><label class="nhsuk-label" for="purpose">Purpose of the export (analyst keys, for the CSV only)</label>
            <div class="nhsuk-hint" id="purpose-hint">Recorded with each export, for example the project or data-sharing agreement it is for</div>
            <input class="nhsuk-input" id="purpose" name="purpose" aria-describedby="purpose-hint" autocomplete="off"></div>
          <button class="nhsuk-button" type="submit" name="format" value="html">Show the report</button>
          <button class="nhsuk-button nhsuk-button--secondary" type="submit" name="format" value="csv">Download the de-identified rows (CSV, analyst keys only)</button>
        </form>
        """;

    public static string Render(EvidenceReport report)
    {
        var html = new StringBuilder();
        var scope = report.Scope;
        html.Append("<h1>Evidence report</h1>")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"nhsuk-lede-text\">{E(scope.Filters.Count == 0 ? "Every referral this key may read" : string.Join("; ", scope.Filters))}: {E(scope.PeriodText)}.</p>")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"nhsuk-body-s\">Figures as at {scope.SnapshotTakenAt:d MMMM yyyy HH:mm} UTC (the hub takes a fresh snapshot every night).</p>");

        html.Append("""
            <div class="nhsuk-inset-text"><span class="nhsuk-u-visually-hidden">Information: </span>
            <p>How to read this report:</p>
            <ul>
            <li>Change is measured within the same people, from their baseline answers to their answers at follow-up. Only people with both count, and the people who dropped out may differ from those who answered.</li>
            <li>There is no randomised control group. People often feel better with time, and people who start low tend to score higher next time (regression to the mean), so an improvement here is not proof that the activity caused it.</li>
            <li>NHS use is self-reported for the previous 3 months; the cost offset is an estimate from it, not a measured saving.</li>
            """);
        var rule = report.Rule.Options;
        html.Append(Invariant, $"<li>Small-number protection (NHS England's method for HES and ECDS): counts from 1 to {rule.SuppressUpTo} are shown as \"{Figure.SuppressedMark}\", every other count is rounded to the nearest {rule.RoundTo}, percentages are worked out from the rounded counts, and means, medians, intervals and p-values are withheld for fewer than {rule.StatisticsFrom} people. Rounded counts need not add up.</li>")
            .Append("</ul></div>");

        AppendFunnel(html, report);
        AppendTimeliness(html, report);
        AppendEngagement(html, report);
        AppendOutcomes(html, report);
        AppendLinkWork(html, report);
        AppendLinkWorkOutcomes(html, report);
        AppendNhsUse(html, report);
        return html.ToString();
    }

    private static void AppendFunnel(StringBuilder html, EvidenceReport report)
    {
        html.Append("<h2 id=\"funnel\">From referral to follow-up</h2>")
            .Append("<div class=\"hub-chart\">")
            .Append(EvidenceCharts.Funnel("funnel-chart", "Referrals at each stage", report.Funnel.Select(s => Bar(s.Label, s.Count)).ToList()))
            .Append("</div>")
            .Append(TableHead("nhsuk-table", "Referrals at each stage", ("Stage", false), ("People", true), ("Of the stage before", true)));
        foreach (var stage in report.Funnel)
        {
            html.Append(Invariant, $"<tr class=\"nhsuk-table__row\"><td class=\"nhsuk-table__cell\">{E(stage.Label)}</td><td class=\"nhsuk-table__cell nhsuk-table__cell--numeric\">{E(stage.Count.Display)}</td><td class=\"nhsuk-table__cell nhsuk-table__cell--numeric\">{E(stage.Previous is { } p ? stage.Count.ShareDisplay(p) : string.Empty)}</td></tr>");
        }

        html.Append("</tbody></table>");
        if (report.Drops.Count > 0)
        {
            html.Append(TableHead("nhsuk-table", "Why referrals stopped, or where they are now", ("After the stage", false), ("Reason", false), ("Count", true)));
            foreach (var drop in report.Drops)
            {
                var stage = report.Funnel.FirstOrDefault(s => s.Code == drop.AfterStage)?.Label ?? drop.AfterStage;
                html.Append(Invariant, $"<tr class=\"nhsuk-table__row\"><td class=\"nhsuk-table__cell\">{E(stage)}</td><td class=\"nhsuk-table__cell\">{E(drop.Label)}{(drop.Pending ? " <strong class=\"nhsuk-tag nhsuk-tag--grey\">in progress</strong>" : string.Empty)}</td><td class=\"nhsuk-table__cell nhsuk-table__cell--numeric\">{E(drop.Count.Display)}</td></tr>");
            }

            html.Append("</tbody></table><p class=\"nhsuk-body-s\">Declines are counted per offer: one referral may be declined by several providers before one accepts it.</p>");
        }
    }

    private static void AppendTimeliness(StringBuilder html, EvidenceReport report)
    {
        html.Append("<h2 id=\"timeliness\">How quickly</h2>")
            .Append(TableHead("nhsuk-table", "Days from referral", ("From referral to", false), ("People", true), ("Median (days)", true), ("90th percentile (days)", true)));
        foreach (var time in report.Timeliness)
        {
            html.Append(Invariant, $"<tr class=\"nhsuk-table__row\"><td class=\"nhsuk-table__cell\">{E(time.Label)}</td><td class=\"nhsuk-table__cell nhsuk-table__cell--numeric\">{E(time.N.Display)}</td><td class=\"nhsuk-table__cell nhsuk-table__cell--numeric\">{Days(report.Rule, time.MedianDays)}</td><td class=\"nhsuk-table__cell nhsuk-table__cell--numeric\">{Days(report.Rule, time.P90Days)}</td></tr>");
        }

        html.Append("</tbody></table><div class=\"hub-chart\">")
            .Append(EvidenceCharts.Histogram("accept-chart", "Days from referral to acceptance", "Days from referral to acceptance",
                report.TimeToAcceptBins.Select((count, i) => Bar(ReportTimeliness.TimeToAcceptBinEdges[i].Label, count)).ToList()))
            .Append("</div>");
    }

    private static void AppendOutcomes(StringBuilder html, EvidenceReport report)
    {
        html.Append("<h2 id=\"outcomes\">Wellbeing and loneliness</h2>")
            .Append("<p class=\"nhsuk-body\">Mean change from baseline to follow-up for people who took up the referral and answered both times, with its 95% confidence interval.</p>")
            .Append("<div class=\"hub-chart\">")
            .Append(EvidenceCharts.Change("change-chart", "Mean change per measure, with 95% confidence intervals", report.Outcomes.Select(c => ChangeRowOf(c, report.Rule)).ToList()))
            .Append("</div>");
        AppendChangeTable(html, "Change for people who took up the referral", report.Outcomes, report.Rule);

        html.Append("<h3 id=\"comparison\">Comparison group (not randomised)</h3>");
        if (report.ComparisonGroup.Count == 0)
        {
            html.Append("<p class=\"nhsuk-body\">No one who was declined or did not take part has been followed up in this report, so there is no comparison group.</p>");
        }
        else
        {
            html.Append(Invariant, $"<p class=\"nhsuk-body\">{E(report.ComparisonGroup.Display)} people were followed up although they did not take part (declined, or said they never attended). They were not chosen at random and may differ from those who took part in ways the hub cannot see; set their change beside the main group's, not against it.</p>");
            AppendChangeTable(html, "Change in the comparison group (not randomised)", report.ComparisonOutcomes, report.Rule);
        }
    }

    private static void AppendLinkWork(StringBuilder html, EvidenceReport report)
    {
        html.Append("<h2 id=\"link-work\">Link-worker services</h2>")
            .Append("<p class=\"nhsuk-body\">For referrals a link-worker service accepted and opened an episode for: its contacts with the person, the onward connections it made to community activities, and the goals of the personalised plans. Per-person figures are over the people with an episode.</p>")
            .Append(TableHead("nhsuk-table", "Link-worker services", ("Figure", false), ("Count", true), ("Per person, or median days", true)));
        foreach (var line in report.LinkWork.Lines)
        {
            html.Append(Invariant, $"<tr class=\"nhsuk-table__row\"><td class=\"nhsuk-table__cell\">{E(line.Label)}</td><td class=\"nhsuk-table__cell nhsuk-table__cell--numeric\">{E(line.Count.Display)}</td><td class=\"nhsuk-table__cell nhsuk-table__cell--numeric\">{E(line.ValueText(report.Rule))}</td></tr>");
        }

        html.Append("</tbody></table>");
    }

    /// <summary>Engagement after acceptance from its two sources, in two tables: what providers reported, and what the
    /// people said at follow-up. Neither is taken for the other.</summary>
    private static void AppendEngagement(StringBuilder html, EvidenceReport report)
    {
        html.Append("<h2 id=\"engagement\">Engagement</h2>")
            .Append("<p class=\"nhsuk-body\">Whether people took part once a provider accepted them, from two sources kept apart: what the providers reported as it happened (on the handover page or through the provider API), and what the people said in their follow-up survey. The two can differ: providers report as they go and may not report at all, and only some people answer the follow-up. They are never added together: the funnel's engaged figure is from the referral's journey and the person's own answer, so a person a provider reports as having declined stays in it unless the referral was withdrawn or they said at follow-up they never attended.</p>");
        AppendEngagementTable(html, "Engagement reported by providers", report.Engagement.ReportedByProviders, report.Rule);
        AppendEngagementTable(html, "Engagement said by the person at follow-up", report.Engagement.SaidByPeople, report.Rule);
    }

    private static void AppendEngagementTable(StringBuilder html, string caption, IReadOnlyList<EngagementLine> lines, DisclosureRule rule)
    {
        html.Append(TableHead("nhsuk-table", E(caption), ("Figure", false), ("People", true), ("Median", true)));
        foreach (var line in lines)
        {
            html.Append(Invariant, $"<tr class=\"nhsuk-table__row\"><td class=\"nhsuk-table__cell\">{E(line.Label)}</td><td class=\"nhsuk-table__cell nhsuk-table__cell--numeric\">{E(line.Count.Display)}</td><td class=\"nhsuk-table__cell nhsuk-table__cell--numeric\">{E(line.ValueText(rule))}</td></tr>");
        }

        html.Append("</tbody></table>");
    }

    /// <summary>The link workers' own wellbeing assessments (apart from the follow-up survey's answers), and the follow-up's
    /// change for people who took up an onward connection against those who took up none (not randomised).</summary>
    private static void AppendLinkWorkOutcomes(StringBuilder html, EvidenceReport report)
    {
        var linkWork = report.LinkWork;
        html.Append("<h3 id=\"link-work-assessments\">Wellbeing as the link worker assessed it</h3>")
            .Append("<p class=\"nhsuk-body\">The ONS4 questions a link worker asks during the episode, recorded as the link worker's, from the first assessment to the last. These are not the follow-up survey's answers, which are shown under Wellbeing and loneliness: the link worker asks in person, at times of their choosing.</p>");
        if (linkWork.Assessments.Count == 0)
        {
            html.Append("<p class=\"nhsuk-body\">No link worker has recorded an assessment for the referrals in this report.</p>");
        }
        else
        {
            html.Append("<p class=\"nhsuk-body-s\">Here \"both answers\" are people the link worker assessed twice or more (their first and last assessments), and \"baseline only\" people assessed once.</p>");
            AppendChangeTable(html, "Change between the link worker's first and last assessments", linkWork.Assessments, report.Rule);
        }

        var onward = linkWork.Onward;
        html.Append("<h3 id=\"onward-comparison\">People who took up an onward connection, and people who took up none (not randomised)</h3>")
            .Append(Invariant, $"<p class=\"nhsuk-body\">The follow-up survey's change for the people a link worker saw: {E(onward.TookUpPeople.Display)} took up at least one onward connection (an activity accepted them) and {E(onward.NonePeople.Display)} took up none. Not randomised: the two groups chose differently and may differ in ways the hub cannot see, so the difference between them is not the effect of the connections.</p>");
        AppendChangeTable(html, "Change for people who took up an onward connection (not randomised)", onward.TookUp, report.Rule);
        AppendChangeTable(html, "Change for people who took up no onward connection (not randomised)", onward.None, report.Rule);
    }

    private static void AppendNhsUse(StringBuilder html, EvidenceReport report)
    {
        html.Append("<h2 id=\"nhs-use\">Use of NHS services (self-reported)</h2>");
        AppendChangeTable(html, "GP appointments and A&E attendances in the 3 months before each survey", report.NhsUse, report.Rule, fellLabel: true);
        var cost = report.Cost;
        html.Append("<h3 id=\"cost\">Estimated cost offset</h3>");
        if (!cost.Configured)
        {
            html.Append("<p class=\"nhsuk-body\">Unit costs are not configured (Reporting:GpAppointmentCost, Reporting:AeAttendanceCost, Reporting:ProgrammeCostPerReferral), so no cost offset is estimated.</p>");
            return;
        }

        html.Append(Invariant, $"<p class=\"nhsuk-body-s\">Unit costs used: GP appointment £{cost.GpAppointmentCost:0.00}, A&amp;E attendance £{cost.AeAttendanceCost:0.00}, programme cost £{cost.ProgrammeCostPerReferral:0.00} per referral.</p>");
        if (cost.SavingPerPerson3Months is not { } saving)
        {
            html.Append(Invariant, $"<p class=\"nhsuk-body\">Withheld: fewer than {report.Rule.StatisticsFrom} people answered the NHS use questions both times.</p>");
            return;
        }

        var payback = cost.PaybackMonths is { } months
            ? $"At that rate the programme cost per referral would be paid back in about {months:0.#} months" + (cost.PaybackMonthsShortest is { } shortest ? $" (at the interval's most favourable end, {shortest:0.#} months)" : string.Empty) + "."
            : "At that rate the programme cost is not paid back.";
        var money = report.Rule;
        var interval = money.Money(cost.SavingLow!.Value) <= 0 ? " The interval includes no saving at all." : string.Empty;
        html.Append(Invariant, $"<p class=\"nhsuk-body\"><strong>Estimate:</strong> NHS use fell by the equivalent of £{money.Money(saving)} per person over 3 months (95% CI £{money.Money(cost.SavingLow.Value)} to £{money.Money(cost.SavingHigh!.Value)}; {E(cost.N.Display)} people).{interval} {E(payback)}</p>")
            .Append("<p class=\"nhsuk-body-s\">This is an estimate from self-reported use, assumes the change lasts and that people who did not answer changed as those who did, and has no control group. It is not a measured saving.</p>");
    }

    private static void AppendChangeTable(StringBuilder html, string caption, IReadOnlyList<OutcomeChange> changes, DisclosureRule rule, bool fellLabel = false)
    {
        var split = fellLabel ? "Fell / same / rose" : "Better / same / worse";
        html.Append(TableHead("nhsuk-table-responsive", E(caption), [.. ChangeColumns.Select(c => (c, false)), (split, false)]));
        foreach (var c in changes)
        {
            var only = $"{c.BaselineOnly.Display} baseline only, {c.FollowUpOnly.Display} follow-up only";
            var means = c.T is { } t ? $"{rule.MeanText(t.MeanBefore)} → {rule.MeanText(t.MeanAfter)}" : "withheld";
            var change = ChangeText(c, rule);
            var p = c.T is { } t3 && c.Wilcoxon is { } w ? $"{rule.PText(t3.P)}; {rule.PText(w.P)}" : "withheld";
            var paired = c.Paired;
            // The same counts the MeasureReport's direction stratifier carries, with shares of the rounded total.
            string Split(Figure f) => f.ShareOf(paired) is null ? f.Display : $"{f.Display} ({f.ShareDisplay(paired)})";
            var shares = $"{Split(c.Improved)} / {Split(c.Unchanged)} / {Split(c.Worse)}";
            var cells = new[] { c.Label + (c.HigherIsBetter ? " (higher is better)" : " (lower is better)"), paired.Display, only, means, change, p };
            html.Append("<tr class=\"nhsuk-table__row\">").AppendJoin(string.Empty, cells.Select((value, i) => Cell(ChangeColumns[i], value)))
                .Append(Cell(split, shares)).Append("</tr>");
        }

        html.Append("</tbody></table>");
    }

    private static readonly string[] ChangeColumns =
        ["Measure", "People with both answers", "Only one answer", "Mean before → after", "Mean change (95% CI)", "p (paired t; Wilcoxon)"];

    /// <summary>A table's opening up to its body: the caption (as HTML) and the column headings (the page's own text).</summary>
    private static string TableHead(string tableClass, string captionHtml, params (string Heading, bool Numeric)[] columns) =>
        $"<table class=\"{tableClass}\"><caption class=\"nhsuk-table__caption\">{captionHtml}</caption><thead class=\"nhsuk-table__head\"><tr class=\"nhsuk-table__row\">"
        + string.Concat(columns.Select(c => $"<th class=\"nhsuk-table__header{(c.Numeric ? " nhsuk-table__header--numeric" : string.Empty)}\" scope=\"col\">{c.Heading}</th>"))
        + "</tr></thead><tbody class=\"nhsuk-table__body\">";

    private static string Cell(string heading, string value) =>
        $"<td class=\"nhsuk-table__cell\"><span class=\"nhsuk-table-responsive__heading\" aria-hidden=\"true\">{E(heading)} </span>{E(value)}</td>";

    // A bar is drawn to the published figure, never the true one: its length would otherwise give the count away.
    private static ChartBar Bar(string label, Figure figure) => new(label, figure.Shown, figure.Display);

    private static ChangeRow ChangeRowOf(OutcomeChange c, DisclosureRule rule) => c.T is { } t
        ? new ChangeRow(c.Label, rule.Mean(t.MeanDifference), rule.Mean(t.ConfidenceLow), rule.Mean(t.ConfidenceHigh), ChangeText(c, rule), c.HigherIsBetter)
        : new ChangeRow(c.Label, null, null, null, ChangeText(c, rule), c.HigherIsBetter);

    /// <summary>The mean change and its interval as the table and the chart print it, or why it is withheld.</summary>
    private static string ChangeText(OutcomeChange c, DisclosureRule rule) => c.T is { } t
        ? $"{rule.SignedMeanText(t.MeanDifference)} ({rule.MeanText(t.ConfidenceLow)} to {rule.MeanText(t.ConfidenceHigh)})"
        : $"withheld (n < {rule.StatisticsFrom})";

    private static string Days(DisclosureRule rule, double? days) => days is { } d ? rule.DaysText(d) : "withheld";
}

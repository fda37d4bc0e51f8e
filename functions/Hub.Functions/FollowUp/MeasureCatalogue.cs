using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Microsoft.Extensions.Options;

namespace Hub.FollowUp;

/// <summary>Every outcome measure the hub asks, built from the instruments (the configured baseline and follow-up
/// Questionnaires) and the CodeSystems their codes come from, so a scheme's own instrument reaches the reports and the
/// CSV with no code change. Order is the follow-up form's order (a total where its group stands), then what only the
/// baseline asks, then derived scores.
///
/// What the Questionnaire cannot say comes from properties on the measure's concept in its CodeSystem, declared in the
/// CodeSystem's <c>property</c> list with the hub's uri (<c>{hub}/CodeSystem/sp-outcome-measures#{code}</c>) or, with no
/// uri, under the hub's code:
/// <list type="bullet">
/// <item><c>report-label</c> (string): the name in reports; otherwise the concept's display.</item>
/// <item><c>lower-is-better</c> (boolean): true for measures where a fall is improvement (anxiety, loneliness); otherwise false.</item>
/// <item><c>reported-as</c> (code: <c>outcome</c>, <c>nhs-use</c>, <c>export</c>, <c>none</c>): where the evidence shows it;
/// otherwise <c>none</c> for an item counted in a total, <c>export</c> for a yes/no, <c>outcome</c> for the rest.</item>
/// <item><c>sum-of</c> (code, repeated): a derived score, the sum of these measures, for people who answered them all.</item>
/// </list>
/// The range comes from the Questionnaire: an integer item's minValue/maxValue, a choice's ordinal values, 0–1 for
/// yes/no, and a total's items added up.</summary>
public sealed class MeasureCatalogue
{
    public const string ReportLabelProperty = "report-label";
    public const string LowerIsBetterProperty = "lower-is-better";
    public const string ReportedAsProperty = "reported-as";
    public const string SumOfProperty = "sum-of";

    /// <summary>The uri a CodeSystem gives a property to mean what the hub means by it.</summary>
    public static string PropertyUri(string code) => $"{FhirCodes.HubBase}/CodeSystem/sp-outcome-measures#{code}";

    private static readonly Lazy<MeasureCatalogue> ShippedCatalogue =
        new(() => new QuestionnaireLibrary(Options.Create(new FollowUpOptions()), new FhirSerializer()).Measures);

    private readonly Dictionary<string, OutcomeMeasure> _byCode;

    private MeasureCatalogue(IReadOnlyList<OutcomeMeasure> measures)
    {
        All = measures;
        _byCode = measures.ToDictionary(m => m.Code, StringComparer.Ordinal);
    }

    /// <summary>The catalogue of the instruments that ship with the hub, for callers with no configuration of their own.</summary>
    public static MeasureCatalogue Shipped => ShippedCatalogue.Value;

    public IReadOnlyList<OutcomeMeasure> All { get; }

    /// <summary>The measures shown in one part of the evidence, in report order.</summary>
    public IEnumerable<OutcomeMeasure> ReportedAs(MeasureReporting reporting) => All.Where(m => m.Reporting == reporting);

    /// <summary>The CSV's measures, baseline and follow-up side by side.</summary>
    public IEnumerable<OutcomeMeasure> Exported => All.Where(m => m.Exported);

    public OutcomeMeasure? Find(string code) => _byCode.GetValueOrDefault(code);

    /// <param name="instruments">The Questionnaires asked, the first one's order first.</param>
    public static MeasureCatalogue From(IEnumerable<Questionnaire> instruments, IEnumerable<CodeSystem> codeSystems)
    {
        var systems = codeSystems.ToList();
        var measures = new List<OutcomeMeasure>();
        var codes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var questionnaire in instruments)
        {
            var asked = AskedMeasure.In(questionnaire).ToList();
            var inTotals = asked.Where(a => a.Kind == MeasureKind.Total)
                .SelectMany(a => QuestionnaireLibrary.Questions(a.Item.Item)).Select(i => i.LinkId).ToHashSet(StringComparer.Ordinal);
            foreach (var measure in asked.Where(a => codes.Add(a.Code)))
            {
                var coding = measure.Codings[0];
                var concept = Concept(systems, coding.System, measure.Code);
                var (lowest, highest) = measure.Range();
                var fallback = measure.Kind == MeasureKind.Item && inTotals.Contains(measure.LinkId) ? MeasureReporting.None
                    : measure.Item.Type == Questionnaire.QuestionnaireItemType.Boolean ? MeasureReporting.Export
                    : MeasureReporting.Outcome;
                measures.Add(Described(concept.System, concept.Concept, measure.Code, coding.System ?? string.Empty, measure.Display ?? measure.Code,
                    lowest, highest, measure.Kind, fallback, questionnaire.Id ?? string.Empty, []));
            }
        }

        foreach (var system in systems)
        {
            foreach (var concept in Flatten(system.Concept))
            {
                var parts = Values(system, concept, SumOfProperty).OfType<Code>().Select(c => c.Value).OfType<string>().ToList();
                var found = parts.Select(p => measures.FirstOrDefault(m => m.Code == p)).ToList();
                if (parts.Count == 0 || found.Any(m => m is null) || concept.Code is null || !codes.Add(concept.Code))
                {
                    continue;
                }

                var reporting = found.Select(m => m!.Reporting).Distinct().Count() == 1 ? found[0]!.Reporting : MeasureReporting.Outcome;
                measures.Add(Described(system, concept, concept.Code, system.Url ?? string.Empty, concept.Display ?? concept.Code,
                    AskedMeasure.Sum(found.Select(m => m!.Lowest)), AskedMeasure.Sum(found.Select(m => m!.Highest)), MeasureKind.Derived, reporting, system.Id ?? string.Empty, parts));
            }
        }

        return new MeasureCatalogue(measures);
    }

    private static OutcomeMeasure Described(CodeSystem? system, CodeSystem.ConceptDefinitionComponent? concept, string code, string codeSystem, string display,
        decimal? lowest, decimal? highest, MeasureKind kind, MeasureReporting fallback, string instrument, IReadOnlyList<string> sumOf)
    {
        var label = Values(system, concept, ReportLabelProperty).OfType<FhirString>().FirstOrDefault()?.Value ?? concept?.Display ?? display;
        var lowerIsBetter = Values(system, concept, LowerIsBetterProperty).OfType<FhirBoolean>().FirstOrDefault()?.Value ?? false;
        var reportedAs = Values(system, concept, ReportedAsProperty).OfType<Code>().FirstOrDefault()?.Value;
        var reporting = reportedAs switch
        {
            null => fallback,
            "outcome" => MeasureReporting.Outcome,
            "nhs-use" => MeasureReporting.NhsUse,
            "export" => MeasureReporting.Export,
            "none" => MeasureReporting.None,
            _ => throw new InvalidOperationException($"{system?.Url}: measure '{code}' has {ReportedAsProperty} '{reportedAs}'; use outcome, nhs-use, export or none."),
        };
        return new OutcomeMeasure(code, codeSystem, label, display, lowest, highest, lowerIsBetter, kind, reporting, instrument, sumOf);
    }

    /// <summary>The values a concept gives the property the hub means by <paramref name="hubCode"/>, under whatever code
    /// its CodeSystem declares for it.</summary>
    private static IEnumerable<DataType> Values(CodeSystem? system, CodeSystem.ConceptDefinitionComponent? concept, string hubCode)
    {
        if (system is null || concept is null)
        {
            return [];
        }

        var declared = system.Property.FirstOrDefault(p => p.Uri == PropertyUri(hubCode))?.Code
            ?? system.Property.FirstOrDefault(p => p.Uri is null && p.Code == hubCode)?.Code;
        return declared is null ? [] : concept.Property.Where(p => p.Code == declared).Select(p => p.Value);
    }

    private static (CodeSystem? System, CodeSystem.ConceptDefinitionComponent? Concept) Concept(IEnumerable<CodeSystem> systems, string? url, string code)
    {
        foreach (var system in systems.Where(s => s.Url == url).Reverse())
        {
            if (Flatten(system.Concept).FirstOrDefault(c => c.Code == code) is { } concept)
            {
                return (system, concept);
            }
        }

        return (null, null);
    }

    private static IEnumerable<CodeSystem.ConceptDefinitionComponent> Flatten(IEnumerable<CodeSystem.ConceptDefinitionComponent> concepts) =>
        concepts.SelectMany(c => new[] { c }.Concat(Flatten(c.Concept)));
}

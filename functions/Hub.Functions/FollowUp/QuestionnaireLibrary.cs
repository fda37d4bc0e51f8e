using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Microsoft.Extensions.Options;

namespace Hub.FollowUp;

/// <summary>The outcome instruments the hub asks (FHIR Questionnaires) and the code systems their answers are coded in.
/// The defaults ship with the app in <c>FollowUp/Definitions</c>; a scheme adds or replaces its own by dropping
/// Questionnaire and CodeSystem JSON files into <c>FollowUp:DefinitionsFolder</c> and naming them in configuration,
/// with no code change. Everything is read once, at first use, and checked so a bad file fails loudly.</summary>
public sealed partial class QuestionnaireLibrary
{
    public const string TotalExtension = FhirCodes.HubBase + "/StructureDefinition/questionnaire-item-total";
    public const string MinValueExtension = "http://hl7.org/fhir/StructureDefinition/minValue";
    public const string MaxValueExtension = "http://hl7.org/fhir/StructureDefinition/maxValue";
    public const string OrdinalValueExtension = "http://hl7.org/fhir/StructureDefinition/ordinalValue";

    private readonly Dictionary<string, Questionnaire> _questionnaires = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CodeSystem> _codeSystems = new(StringComparer.Ordinal);

    public QuestionnaireLibrary(IOptions<FollowUpOptions> options, FhirSerializer fhir)
    {
        var folders = new List<string> { Path.Combine(AppContext.BaseDirectory, "FollowUp", "Definitions") };
        if (!string.IsNullOrWhiteSpace(options.Value.DefinitionsFolder))
        {
            folders.Add(options.Value.DefinitionsFolder);
        }

        // A scheme's own folder comes last, so its file replaces a shipped one with the same id.
        foreach (var file in folders.Where(Directory.Exists).SelectMany(f => Directory.GetFiles(f, "*.json").Order(StringComparer.Ordinal)))
        {
            var parsed = fhir.ParseJson(File.ReadAllBytes(file));
            switch (parsed.Resource)
            {
                case Questionnaire questionnaire when parsed.Succeeded:
                    Check(questionnaire, file);
                    _questionnaires[questionnaire.Id ?? throw new InvalidOperationException($"{file} has no id.")] = questionnaire;
                    break;
                case CodeSystem codeSystem when parsed.Succeeded:
                    _codeSystems[codeSystem.Id ?? throw new InvalidOperationException($"{file} has no id.")] = codeSystem;
                    break;
                default:
                    throw new InvalidOperationException($"{file} is not a valid Questionnaire or CodeSystem: {string.Join("; ", parsed.Problems.Select(p => p.Diagnostics))}");
            }
        }

        foreach (var id in new[] { options.Value.BaselineQuestionnaire, options.Value.FollowUpQuestionnaire })
        {
            if (!_questionnaires.ContainsKey(id))
            {
                throw new InvalidOperationException($"The configured questionnaire '{id}' is not among the definitions ({string.Join(", ", _questionnaires.Keys)}).");
            }
        }

        Baseline = _questionnaires[options.Value.BaselineQuestionnaire];
        FollowUp = _questionnaires[options.Value.FollowUpQuestionnaire];
        Measures = MeasureCatalogue.From([FollowUp, Baseline], _codeSystems.Values);
    }

    public Questionnaire Baseline { get; }

    public Questionnaire FollowUp { get; }

    /// <summary>The measures the configured instruments ask, for the reports and the CSV.</summary>
    public MeasureCatalogue Measures { get; }

    public Questionnaire For(SurveyKind kind) => kind == SurveyKind.Baseline ? Baseline : FollowUp;

    public Questionnaire? Questionnaire(string id) => _questionnaires.GetValueOrDefault(id);

    public CodeSystem? CodeSystem(string id) => _codeSystems.GetValueOrDefault(id);

    /// <summary>Every answerable item, depth first, as the form shows them.</summary>
    public static IEnumerable<Questionnaire.ItemComponent> Questions(IEnumerable<Questionnaire.ItemComponent> items) =>
        All(items).Where(IsQuestion);

    /// <summary>Every item, groups and display text too, depth first.</summary>
    public static IEnumerable<Questionnaire.ItemComponent> All(IEnumerable<Questionnaire.ItemComponent> items) =>
        items.SelectMany(i => new[] { i }.Concat(All(i.Item)));

    /// <summary>An item that takes an answer: not a group and not display text.</summary>
    public static bool IsQuestion(Questionnaire.ItemComponent item) =>
        item.Type is not (Hl7.Fhir.Model.Questionnaire.QuestionnaireItemType.Group or Hl7.Fhir.Model.Questionnaire.QuestionnaireItemType.Display);

    public static int? IntegerExtension(Element element, string url) => (element.GetExtension(url)?.Value as Integer)?.Value;

    /// <summary>The whole numbers an integer item accepts: its minValue and maxValue, or 0 to 999.</summary>
    public static (int Min, int Max) IntegerRange(Questionnaire.ItemComponent item) =>
        (IntegerExtension(item, MinValueExtension) ?? 0, IntegerExtension(item, MaxValueExtension) ?? 999);

    /// <summary>The item types the form can render and the server can check; anything else would be asked and then lost.</summary>
    private static void Check(Questionnaire questionnaire, string file)
    {
        var supported = new[]
        {
            Hl7.Fhir.Model.Questionnaire.QuestionnaireItemType.Group, Hl7.Fhir.Model.Questionnaire.QuestionnaireItemType.Display,
            Hl7.Fhir.Model.Questionnaire.QuestionnaireItemType.Integer, Hl7.Fhir.Model.Questionnaire.QuestionnaireItemType.Boolean,
            Hl7.Fhir.Model.Questionnaire.QuestionnaireItemType.Choice,
        };
        foreach (var item in All(questionnaire.Item))
        {
            // Item link ids become part of resource ids (64 characters at most, with a 40-character referral prefix).
            if (!LinkIdPattern().IsMatch(item.LinkId ?? string.Empty))
            {
                throw new InvalidOperationException($"{file}: linkId '{item.LinkId}' must be 1-20 letters, digits or hyphens.");
            }

            if (item.Type is not { } type || !supported.Contains(type))
            {
                throw new InvalidOperationException($"{file}: item '{item.LinkId}' has type {item.Type}; the survey form supports group, display, integer, boolean and choice.");
            }

            if (type == Hl7.Fhir.Model.Questionnaire.QuestionnaireItemType.Choice && item.AnswerOption.Any(o => o.Value is not Coding))
            {
                throw new InvalidOperationException($"{file}: choice item '{item.LinkId}' must list its answers as codings.");
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9-]{1,20}$")]
    private static partial Regex LinkIdPattern();
}

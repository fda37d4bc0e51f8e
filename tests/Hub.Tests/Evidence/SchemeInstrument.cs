using Hub.FollowUp;

namespace Hub.Tests.Evidence;

/// <summary>A scheme's own follow-up instrument, as a scheme would drop it into <c>FollowUp:DefinitionsFolder</c>: a
/// garden club's Questionnaire and the CodeSystem its codes come from. The CodeSystem declares the hub's properties
/// under its own codes (matched by uri), except <c>sum-of</c>, declared under the hub's code with no uri.</summary>
public sealed class SchemeInstrument : IDisposable
{
    public const string FollowUpId = "garden-follow-up";
    public const string System = "https://garden-club.example/CodeSystem/garden-measures";
    public const string WorryTotal = "garden-worry-total";
    public const string WorryLabel = "Worry about the garden (0–8)";
    public const string Confidence = "garden-confidence";
    public const string ConfidenceDisplay = "Confidence growing food";

    public SchemeInstrument()
    {
        Folder = Directory.CreateTempSubdirectory("hub-scheme-instrument-").FullName;
        File.WriteAllText(Path.Combine(Folder, "Questionnaire-garden-follow-up.json"), $$"""
            {
              "resourceType": "Questionnaire", "id": "{{FollowUpId}}", "url": "https://garden-club.example/Questionnaire/{{FollowUpId}}",
              "version": "1.0.0", "status": "active", "title": "Garden club: how are you doing?",
              "item": [
                { "linkId": "worry", "type": "group", "text": "Worries",
                  "extension": [{ "url": "{{QuestionnaireLibrary.TotalExtension}}", "valueCoding": { "system": "{{System}}", "code": "{{WorryTotal}}", "display": "Garden worries total" } }],
                  "item": [
                    { "linkId": "worry-1", "type": "integer", "text": "How much do pests worry you?", "code": [{ "system": "{{System}}", "code": "garden-worry-pests", "display": "Pest worry" }],
                      "extension": [{ "url": "{{QuestionnaireLibrary.MinValueExtension}}", "valueInteger": 0 }, { "url": "{{QuestionnaireLibrary.MaxValueExtension}}", "valueInteger": 4 }] },
                    { "linkId": "worry-2", "type": "integer", "text": "How much does the weather worry you?", "code": [{ "system": "{{System}}", "code": "garden-worry-weather", "display": "Weather worry" }],
                      "extension": [{ "url": "{{QuestionnaireLibrary.MinValueExtension}}", "valueInteger": 0 }, { "url": "{{QuestionnaireLibrary.MaxValueExtension}}", "valueInteger": 4 }] }
                  ] },
                { "linkId": "confidence", "type": "integer", "text": "How confident are you growing food?", "code": [{ "system": "{{System}}", "code": "{{Confidence}}", "display": "{{ConfidenceDisplay}}" }],
                  "extension": [{ "url": "{{QuestionnaireLibrary.MinValueExtension}}", "valueInteger": 0 }, { "url": "{{QuestionnaireLibrary.MaxValueExtension}}", "valueInteger": 10 }] },
                { "linkId": "grew", "type": "boolean", "text": "Did you grow anything?", "code": [{ "system": "{{System}}", "code": "grew-something", "display": "Grew something" }] },
                { "linkId": "attended", "type": "boolean", "text": "Did you take part?", "required": true,
                  "code": [{ "system": "https://social-prescribing-hub.nhs.example/CodeSystem/sp-outcome-measures", "code": "attended", "display": "Took part in the social prescribing activity" }] }
              ]
            }
            """);
        File.WriteAllText(Path.Combine(Folder, "CodeSystem-garden-measures.json"), $$"""
            {
              "resourceType": "CodeSystem", "id": "garden-measures", "url": "{{System}}", "status": "active", "content": "complete",
              "property": [
                { "code": "label", "uri": "{{MeasureCatalogue.PropertyUri("report-label")}}", "type": "string" },
                { "code": "falls-well", "uri": "{{MeasureCatalogue.PropertyUri("lower-is-better")}}", "type": "boolean" },
                { "code": "shown", "uri": "{{MeasureCatalogue.PropertyUri("reported-as")}}", "type": "code" },
                { "code": "sum-of", "type": "code" }
              ],
              "concept": [
                { "code": "{{WorryTotal}}", "display": "Garden worries total",
                  "property": [{ "code": "label", "valueString": "{{WorryLabel}}" }, { "code": "falls-well", "valueBoolean": true }] },
                { "code": "garden-worry-pests", "display": "Pest worry" },
                { "code": "garden-worry-weather", "display": "Weather worry" },
                { "code": "{{Confidence}}", "display": "{{ConfidenceDisplay}}" },
                { "code": "grew-something", "display": "Grew something" },
                { "code": "garden-wellbeing", "display": "Confidence and worry together",
                  "property": [{ "code": "sum-of", "valueCode": "{{Confidence}}" }, { "code": "sum-of", "valueCode": "{{WorryTotal}}" }, { "code": "shown", "valueCode": "export" }] }
              ]
            }
            """);
    }

    public string Folder { get; }

    public FollowUpOptions Options => new() { DefinitionsFolder = Folder, FollowUpQuestionnaire = FollowUpId };

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

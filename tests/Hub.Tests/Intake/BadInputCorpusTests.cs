using System.Text;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Hub.Tests.Infrastructure;
using static Hub.Tests.Infrastructure.ReferralExamples;

namespace Hub.Tests.Intake;

/// <summary>Bad input a GP system or engine might send: each gets the right status and an OperationOutcome naming what
/// is wrong, and nothing is stored or started.</summary>
public sealed class BadInputCorpusTests(TestHub hub) : IClassFixture<TestHub>
{
    private const string Sr = IntakeClient.ServiceRequestPath;
    private const string Base = IntakeClient.BasePath;
    private const string Message = IntakeClient.ProcessMessagePath;
    private const string Json = FhirMediaTypes.Json;
    private const string Xml = FhirMediaTypes.Xml;

    public sealed record BadInput(string Path, string? ContentType, Func<byte[]> Body, int Status, string[] Expressions, string? DiagnosticsContain = null);

    private static byte[] Text(string s) => Encoding.UTF8.GetBytes(s);

    private static byte[] JsonOf(Resource r) => ReferralExamples.Json(r);

    private static Func<byte[]> Changed(Action<ServiceRequest> change) => () =>
    {
        var sr = ServiceRequest();
        change(sr);
        return JsonOf(sr);
    };

    private static Func<byte[]> ChangedBundle(Action<Bundle> change, Bundle.BundleType type = Bundle.BundleType.Transaction) => () =>
    {
        var bundle = ReferralExamples.ReferralBundle(null, type);
        change(bundle);
        return JsonOf(bundle);
    };

    private static string ValidJson => Encoding.UTF8.GetString(JsonOf(ServiceRequest()));

    private static readonly Dictionary<string, BadInput> Cases = new()
    {
        // The hub's rules (422), each naming its element.
        ["status missing"] = new(Sr, Json, Changed(sr => sr.StatusElement = null!), 422, ["ServiceRequest.status"]),
        ["status draft"] = new(Sr, Json, Changed(sr => sr.Status = RequestStatus.Draft), 422, ["ServiceRequest.status"], "'draft'"),
        ["intent missing"] = new(Sr, Json, Changed(sr => sr.IntentElement = null!), 422, ["ServiceRequest.intent"]),
        ["intent filler-order"] = new(Sr, Json, Changed(sr => sr.Intent = RequestIntent.FillerOrder), 422, ["ServiceRequest.intent"]),
        ["subject missing"] = new(Sr, Json, Changed(sr => sr.Subject = null!), 422, ["ServiceRequest.subject"]),
        ["NHS number missing"] = new(Sr, Json, Changed(sr => sr.Subject = new ResourceReference { Display = "Patient" }), 422, ["ServiceRequest.subject.identifier"]),
        ["NHS number check digit wrong"] = new(Sr, Json, Changed(sr => sr.Subject!.Identifier!.Value = "9912003889"), 422, ["ServiceRequest.subject.identifier.value"], "modulus-11"),
        ["NHS number nine digits"] = new(Sr, Json, Changed(sr => sr.Subject!.Identifier!.Value = "991200388"), 422, ["ServiceRequest.subject.identifier.value"]),
        ["NHS number with letters"] = new(Sr, Json, Changed(sr => sr.Subject!.Identifier!.Value = "99120O3888"), 422, ["ServiceRequest.subject.identifier.value"]),
        ["requester missing"] = new(Sr, Json, Changed(sr => sr.Requester = null!), 422, ["ServiceRequest.requester"]),
        ["requester without ODS code"] = new(Sr, Json, Changed(sr => sr.Requester = new ResourceReference { Display = "Dr Ada Okafor" }), 422, ["ServiceRequest.requester"], "ODS"),
        ["ODS code malformed"] = new(Sr, Json, Changed(sr => sr.Requester!.Identifier!.Value = "A8 1001!"), 422, ["ServiceRequest.requester.identifier.value"]),
        ["not social prescribing"] = new(Sr, Json, Changed(sr => sr.Category = [new CodeableConcept(FhirCodes.Snomed, "3457005", "Patient referral")]), 422, ["ServiceRequest.code", "ServiceRequest.category"]),
        ["social prescribing code in the wrong system"] = new(Sr, Json, Changed(sr => sr.Category = [new CodeableConcept("http://loinc.org", FhirCodes.ReferralToSocialPrescribing)]), 422, ["ServiceRequest.category"]),
        ["authoredOn missing"] = new(Sr, Json, Changed(sr => sr.AuthoredOnElement = null), 422, ["ServiceRequest.authoredOn"]),
        ["identifier missing"] = new(Sr, Json, Changed(sr => sr.Identifier = []), 422, ["ServiceRequest.identifier"]),
        ["identifier without system"] = new(Sr, Json, Changed(sr => sr.Identifier = [new Identifier { Value = "123" }]), 422, ["ServiceRequest.identifier[0].system"]),
        ["everything missing at once"] = new(Sr, Json, () => Text("{\"resourceType\":\"ServiceRequest\",\"note\":[{\"text\":\"Please help\"}]}"), 422,
            ["ServiceRequest.status", "ServiceRequest.intent", "ServiceRequest.code", "ServiceRequest.authoredOn", "ServiceRequest.identifier", "ServiceRequest.subject", "ServiceRequest.requester"]),

        // Unreadable bodies (400), with the position where there is one.
        ["malformed JSON"] = new(Sr, Json, () => Text("{\"resourceType\": \"ServiceRequest\", \"status\": \"active\",,}"), 400, [], "line 1, position 55"),
        ["truncated JSON"] = new(Sr, Json, () => Text(ValidJson[..(ValidJson.Length / 2)]), 400, [], "not valid JSON"),
        ["empty body"] = new(Sr, Json, () => [], 400, [], "no body"),
        ["JSON array"] = new(Sr, Json, () => Text("[{\"resourceType\":\"ServiceRequest\"}]"), 400, [], "JSON object"),
        ["content after the resource"] = new(Sr, Json, () => Text(ValidJson + "{}"), 400, [], "invalid after a single JSON value"),
        ["duplicate property"] = new(Sr, Json, () => Text(ValidJson.Replace("\"status\":\"active\"", "\"status\":\"active\",\"status\":\"draft\"", StringComparison.Ordinal)), 400, ["ServiceRequest"], "duplicate"),
        ["wrong resourceType"] = new(Sr, Json, () => JsonOf(new Patient { Active = true }), 400, ["resourceType"]),
        ["unknown resourceType"] = new(Sr, Json, () => Text("{\"resourceType\":\"Referral\",\"status\":\"active\"}"), 400, [], "unknown resource type"),
        ["unknown element"] = new(Sr, Json, () => Text(ValidJson.Replace("\"status\":", "\"urgency\":\"high\",\"status\":", StringComparison.Ordinal)), 400, ["ServiceRequest.urgency"]),
        ["wrong casing"] = new(Sr, Json, () => Text(ValidJson.Replace("\"authoredOn\":", "\"AuthoredOn\":", StringComparison.Ordinal)), 400, ["ServiceRequest.AuthoredOn"]),
        ["number for a date"] = new(Sr, Json, () => Text(ValidJson.Replace("\"2026-11-20T10:15:00+00:00\"", "12", StringComparison.Ordinal)), 400, ["ServiceRequest.authoredOn"]),
        ["unreadable date"] = new(Sr, Json, () => Text(ValidJson.Replace("2026-11-20T10:15:00+00:00", "yesterday", StringComparison.Ordinal)), 400, ["ServiceRequest.authoredOn"]),
        ["unknown status code"] = new(Sr, Json, () => Text(ValidJson.Replace("\"status\":\"active\"", "\"status\":\"bogus\"", StringComparison.Ordinal)), 400, ["ServiceRequest.status"]),
        ["deep nesting in JSON"] = new(Sr, Json, () => Text("{\"resourceType\":\"ServiceRequest\",\"extension\":" + string.Concat(Enumerable.Repeat("[{\"extension\":", 300)) + "[]" + string.Concat(Enumerable.Repeat("}]", 300)) + "}"), 400, [], "depth"),
        ["deep nesting in XML"] = new(Sr, Xml, () => Text("<ServiceRequest xmlns=\"http://hl7.org/fhir\">" + string.Concat(Enumerable.Repeat("<extension url=\"x\">", 3000)) + string.Concat(Enumerable.Repeat("</extension>", 3000)) + "</ServiceRequest>"), 400, [], "nests deeper"),
        ["malformed XML"] = new(Sr, Xml, () => Text("<ServiceRequest xmlns=\"http://hl7.org/fhir\"><status value=\"active\"/>"), 400, [], "line 1"),
        ["XML external entity"] = new(Sr, Xml, () => Text("<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><ServiceRequest xmlns=\"http://hl7.org/fhir\"><status value=\"&x;\"/></ServiceRequest>"), 400, [], "DTD"),
        ["script in the narrative"] = new(Sr, Json, Changed(sr => sr.Text = new Narrative { Status = Narrative.NarrativeStatus.Generated, Div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><script>alert(1)</script></div>" }), 400, ["ServiceRequest.text.div"], "script"),
        ["event handler in the narrative"] = new(Sr, Json, Changed(sr => sr.Text = new Narrative { Status = Narrative.NarrativeStatus.Generated, Div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p onmouseover=\"steal()\">Hi</p></div>" }), 400, ["ServiceRequest.text.div"]),

        // Transport (413, 415).
        ["huge string over the size limit"] = new(Sr, Json, Changed(sr => sr.Note = [new Annotation { Text = new string('a', 1_100_000) }]), 413, []),
        ["text/plain"] = new(Sr, "text/plain", () => JsonOf(ServiceRequest()), 415, []),
        ["no content type"] = new(Sr, null, () => JsonOf(ServiceRequest()), 415, []),
        ["a charset other than UTF-8"] = new(Sr, "application/fhir+json; charset=iso-8859-1", () => JsonOf(ServiceRequest()), 415, []),

        // Bundles and messages.
        ["bundle reference that does not resolve"] = new(Base, Json, ChangedBundle(b => ((ServiceRequest)b.Entry[0].Resource!).Subject = new ResourceReference("urn:uuid:6b8c4f2e-0000-4000-8000-000000000000")), 422, ["Bundle.entry[0].resource.subject.reference"]),
        ["bundle relative reference that does not resolve"] = new(Base, Json, ChangedBundle(b => ((PractitionerRole)b.Entry[4].Resource!).Organization = new ResourceReference("Organization/missing")), 422, ["Bundle.entry[4].resource.organization.reference"]),
        ["bundle without a ServiceRequest"] = new(Base, Json, ChangedBundle(b => b.Entry.RemoveAt(0)), 422, ["Bundle.entry"]),
        ["bundle with two ServiceRequests"] = new(Base, Json, ChangedBundle(b => b.Entry.Add(new Bundle.EntryComponent { FullUrl = "urn:uuid:5e0e1a52-0000-4000-8000-000000000001", Resource = ServiceRequest() })), 422, ["Bundle.entry"]),
        ["batch bundle"] = new(Base, Json, ChangedBundle(_ => { }, Bundle.BundleType.Batch), 422, ["Bundle.type"]),
        ["message bundle at the base"] = new(Base, Json, ChangedBundle(_ => { }, Bundle.BundleType.Message), 422, ["Bundle.type"]),
        ["transaction at process-message"] = new(Message, Json, ChangedBundle(_ => { }), 422, ["Bundle.type"]),
        ["subject that is not a Patient"] = new(Base, Json, ChangedBundle(b => ((ServiceRequest)b.Entry[0].Resource!).Subject = new ResourceReference(b.Entry[3].FullUrl)), 422, ["Bundle.entry[0].resource.ofType(ServiceRequest).subject.reference"]),
        ["NHS numbers that disagree"] = new(Base, Json, ChangedBundle(b => ((ServiceRequest)b.Entry[0].Resource!).Subject!.Identifier = new Identifier(FhirCodes.NhsNumberSystem, AnotherValidNhsNumber)), 422, ["Bundle.entry[0].resource.ofType(ServiceRequest).subject.identifier.value"]),
        ["message with another event"] = new(Message, Json, () =>
        {
            var message = ReferralExamples.ReferralBundle(null, Bundle.BundleType.Message);
            message.Entry.Insert(0, new Bundle.EntryComponent
            {
                FullUrl = "urn:uuid:1cbdfb97-0000-4000-8000-000000000002",
                Resource = new MessageHeader { Event = new Coding(FhirCodes.BarsMessageEvents, "booking-request"), Source = new MessageHeader.MessageSourceComponent { Endpoint = "urn:x" }, Focus = [new ResourceReference(message.Entry[0].FullUrl)] },
            });
            return JsonOf(message);
        }, 422, ["Bundle.entry[0].resource.ofType(MessageHeader).eventCoding"]),
    };

    public static TheoryData<string> Names => [.. Cases.Keys];

    [Fact]
    public void The_corpus_covers_at_least_thirty_cases() => Assert.True(Cases.Count >= 30, $"{Cases.Count} cases");

    [Theory]
    [MemberData(nameof(Names))]
    public async System.Threading.Tasks.Task Bad_input_gets_a_precise_answer_and_stores_nothing(string name)
    {
        var @case = Cases[name];
        var key = await hub.KeyForAsync("corpus-client", Practice);
        var before = await hub.CountRowsAsync();
        var orchestrations = await hub.CountOrchestrationsAsync();

        var answer = await hub.PostAsync(@case.Path, @case.Body(), @case.ContentType, key);

        Assert.True(@case.Status == answer.Status, $"{name}: expected {@case.Status}, got {answer}");
        var outcome = answer.Outcome;
        Assert.NotEmpty(outcome.Issue);
        Assert.All(outcome.Issue, i => Assert.Equal(OperationOutcome.IssueSeverity.Error, i.Severity));
        Assert.All(outcome.Issue, i => Assert.Equal(FhirCodes.NhsHttpErrorCodes, i.Details!.Coding.Single().System));
        foreach (var expression in @case.Expressions)
        {
            Assert.True(answer.Expressions.Contains(expression), $"{name}: no issue names {expression}: {answer.Body}");
        }

        if (@case.DiagnosticsContain is { } text)
        {
            Assert.True(outcome.Issue.Any(i => i.Diagnostics?.Contains(text, StringComparison.OrdinalIgnoreCase) == true), $"{name}: no diagnostics mention '{text}': {answer.Body}");
        }

        // Bad input never echoes an NHS number back or leaves anything behind.
        Assert.DoesNotContain(ValidNhsNumber, answer.Body, StringComparison.Ordinal);
        Assert.Equal(before, await hub.CountRowsAsync());
        Assert.Equal(orchestrations, await hub.CountOrchestrationsAsync());
    }
}

using System.Text;
using System.Text.Json;
using System.Xml;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;

namespace Hub.Platform.Fhir;

/// <summary>The result of reading a FHIR body: the resource, or the problems that make it unreadable (a 400).</summary>
public sealed record ParsedResource(Resource? Resource, IReadOnlyList<FhirProblem> Problems)
{
    public bool Succeeded => Resource is not null && Problems.Count == 0;
}

/// <summary>Reads and writes FHIR JSON and XML with the Firely SDK in strict mode, collecting every error at once.</summary>
public sealed class FhirSerializer
{
    /// <summary>How deep a document may nest. FHIR resources, even bundles with nested extensions, stay well inside this;
    /// anything deeper is an attack or an accident, and deep recursion must never reach the deserializer.</summary>
    public const int MaxDepth = 64;

    // Missing mandatory elements are business rules the intake validator reports precisely (422), not syntax.
    private const string MinimumCardinalityCode = "PVAL105";

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private readonly FhirJsonDeserializer _json = new(new DeserializerSettings().UsingMode(DeserializationMode.Strict));
    private readonly FhirXmlDeserializer _xml = new(new DeserializerSettings().UsingMode(DeserializationMode.Strict));
    private readonly FhirJsonSerializer _jsonWriter = new();
    private readonly FhirXmlSerializer _xmlWriter = new();

    public ParsedResource Parse(ReadOnlyMemory<byte> body, FhirFormat format) =>
        format == FhirFormat.Xml ? ParseXml(body) : ParseJson(body.Span);

    public ParsedResource ParseJson(ReadOnlySpan<byte> body)
    {
        // RFC 8259 §8.1: a parser may ignore a UTF-8 byte order mark, and integration engines on Windows send one.
        if (body.StartsWith(Utf8Bom))
        {
            body = body[Utf8Bom.Length..];
        }

        if (body.IsEmpty)
        {
            return Unreadable("The request has no body: expected a FHIR resource in JSON.");
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            // Firely reads a resource only from an object; say so plainly instead of surfacing its internal error.
            var probe = reader;
            if (!probe.Read() || probe.TokenType != JsonTokenType.StartObject)
            {
                return Unreadable("The body is not a FHIR resource: a JSON object with a resourceType was expected.");
            }

            _json.TryDeserializeResource(ref reader, out var resource, out var errors);

            // The deserializer stops at the end of the resource; reading on makes the JSON reader reject anything after it.
            reader.Read();

            return Collect(resource, errors);
        }
        catch (JsonException ex)
        {
            // System.Text.Json counts lines and bytes from zero; people count from one.
            var line = (ex.LineNumber ?? 0) + 1;
            var position = (ex.BytePositionInLine ?? 0) + 1;
            return Unreadable($"The body is not valid JSON at line {line}, position {position}: {FirstSentence(ex.Message)}");
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException)
        {
            return Unreadable($"The body is not a readable FHIR resource: {FirstSentence(ex.Message)}");
        }
    }

    public ParsedResource ParseXml(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            return Unreadable("The request has no body: expected a FHIR resource in XML.");
        }

        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
        };
        try
        {
            // A first pass bounds the depth before the recursive deserializer sees the document.
            using (var depthReader = XmlReader.Create(new MemoryStream(body.ToArray(), writable: false), settings))
            {
                while (depthReader.Read())
                {
                    if (depthReader.Depth > MaxDepth * 2)
                    {
                        var info = (IXmlLineInfo)depthReader;
                        return Unreadable($"The XML nests deeper than the hub accepts (line {info.LineNumber}, position {info.LinePosition}).");
                    }
                }
            }

            using var reader = XmlReader.Create(new MemoryStream(body.ToArray(), writable: false), settings);
            _xml.TryDeserializeResource(reader, out var resource, out var errors);
            return Collect(resource, errors);
        }
        catch (XmlException ex)
        {
            return Unreadable($"The body is not well-formed XML at line {ex.LineNumber}, position {ex.LinePosition}: {FirstSentence(ex.Message)}");
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException)
        {
            return Unreadable($"The body is not a readable FHIR resource: {FirstSentence(ex.Message)}");
        }
    }

    public string Serialize(Resource resource, FhirFormat format) =>
        format == FhirFormat.Xml ? _xmlWriter.SerializeToString(resource) : _jsonWriter.SerializeToString(resource);

    public byte[] SerializeToUtf8(Resource resource, FhirFormat format) => Encoding.UTF8.GetBytes(Serialize(resource, format));

    private static ParsedResource Collect(Resource? resource, IEnumerable<CodedException>? errors)
    {
        var problems = new List<FhirProblem>();
        foreach (var error in errors ?? [])
        {
            if (error.ErrorCode == MinimumCardinalityCode)
            {
                continue;
            }

            if (error is ExtendedCodedException detailed)
            {
                var where = detailed.LineNumber is { } line ? $" (line {line}, position {detailed.Position})" : string.Empty;
                var path = string.IsNullOrEmpty(detailed.InstancePath) || detailed.InstancePath.StartsWith("$this", StringComparison.Ordinal)
                    ? null
                    : detailed.InstancePath;
                problems.Add(new FhirProblem(MapIssueType(detailed), $"{detailed.BaseErrorMessage}{where}", path));
            }
            else
            {
                problems.Add(FhirProblem.Invalid(null, error.Message));
            }
        }

        if (resource is null && problems.Count == 0)
        {
            problems.Add(FhirProblem.Invalid(null, "The body is not a FHIR resource."));
        }

        return new ParsedResource(resource, problems);
    }

    private static OperationOutcome.IssueType MapIssueType(ExtendedCodedException error) =>
        error.IssueType is OperationOutcome.IssueType.Structure or OperationOutcome.IssueType.Invalid
            or OperationOutcome.IssueType.Value or OperationOutcome.IssueType.Required or OperationOutcome.IssueType.CodeInvalid
            ? error.IssueType
            : OperationOutcome.IssueType.Invalid;

    private static ParsedResource Unreadable(string diagnostics) =>
        new(null, [new FhirProblem(OperationOutcome.IssueType.Structure, diagnostics)]);

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).Trim();
    }
}

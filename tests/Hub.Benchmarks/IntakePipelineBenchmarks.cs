using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hub.Intake;
using Hub.Platform.Fhir;
using Hub.Tests.Infrastructure;

namespace Hub.Benchmarks;

/// <summary>The intake pipeline per referral (parse, validate, map; no I/O) beside two references on the same bytes:
/// System.Text.Json's JsonDocument.Parse (the floor) and a bare Firely deserialize (the ceiling intake can approach).</summary>
[MemoryDiagnoser]
public class IntakePipelineBenchmarks
{
    private static readonly string[] AcceptedCodes = [FhirCodes.ReferralToSocialPrescribing];
    private readonly FhirSerializer _fhir = new();
    private readonly FhirJsonDeserializer _firely = new(new DeserializerSettings().UsingMode(DeserializationMode.Strict));
    private byte[] _body = [];
    private IntakeRoute _route;

    [Params("ServiceRequest", "Bundle")]
    public string Payload { get; set; } = "ServiceRequest";

    [GlobalSetup]
    public void Setup()
    {
        (_body, _route) = Payload == "Bundle"
            ? (ReferralExamples.Json(ReferralExamples.ReferralBundle("bench-1")), IntakeRoute.Bundle)
            : (ReferralExamples.Json(ReferralExamples.ServiceRequest("bench-1")), IntakeRoute.ServiceRequest);
        Console.WriteLine($"// Payload {Payload}: {_body.Length:N0} bytes");
    }

    [Benchmark(Baseline = true, Description = "JsonDocument.Parse (floor)")]
    public int JsonDocumentParse()
    {
        using var document = JsonDocument.Parse(_body);
        return document.RootElement.GetPropertyCount();
    }

    [Benchmark(Description = "Firely deserialize (strict)")]
    public Resource FirelyDeserialize()
    {
        var reader = new Utf8JsonReader(_body);
        return _firely.DeserializeResource(ref reader);
    }

    [Benchmark(Description = "Intake pipeline: parse + validate + map")]
    public Bundle IntakePipeline()
    {
        var parsed = _fhir.ParseJson(_body);
        var (incoming, _) = IncomingReferral.Read(parsed.Resource!, _route, _ => true, AcceptedCodes, _fhir);
        return incoming!.StoredForm("00000000-0000-0000-0000-000000000001", DateTimeOffset.UnixEpoch).Document;
    }

    [Benchmark(Description = "Intake pipeline + JSON for storage")]
    public string IntakePipelineWithStorageJson() => _fhir.Serialize(IntakePipeline(), FhirFormat.Json);
}

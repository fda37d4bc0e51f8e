using System.Text.Json.Serialization;

namespace Hub.Access;

/// <summary>What an API key may do beyond its practices' and schemes' reports. Stored on the client row.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<KeyRole>))]
public enum KeyRole
{
    /// <summary>A practice, integration or scheme lead key: reports, never per-person rows.</summary>
    [JsonStringEnumMemberName("reader")]
    Reader,

    /// <summary>An analyst key, issued by an admin: may also export the de-identified per-person CSV, each export
    /// audited with its purpose.</summary>
    [JsonStringEnumMemberName("analyst")]
    Analyst,

    /// <summary>A provider or link-worker service with its own system: acts only for its own HealthcareService ids (the
    /// Tasks it owns or is offered, the performer's transitions), never for any practice.</summary>
    [JsonStringEnumMemberName("provider")]
    Provider,
}

using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Hub.Platform.Http;

/// <summary>Plain JSON for the hub's own (non-FHIR) endpoints: operators' and admins' tools.</summary>
public static class JsonBody
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static IActionResult Result(int status, object value) =>
        new BodyResult(status, "application/json; charset=utf-8", JsonSerializer.SerializeToUtf8Bytes(value, Options));

    public static IActionResult Problem(int status, string message) => Result(status, new { error = message });

    /// <summary>Reads a small JSON request body; null when it is missing or not valid JSON for <typeparamref name="T"/>.</summary>
    public static async Task<T?> ReadAsync<T>(HttpRequest request, int maxBytes = 64 * 1024)
        where T : class
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, Options, request.HttpContext.RequestAborted);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

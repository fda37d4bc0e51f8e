using Microsoft.AspNetCore.Http;

namespace Hub.Access;

/// <summary>Where a caller's API key travels: <c>X-API-Key</c>, or <c>Authorization: Bearer</c> for clients that only do that.</summary>
public static class ApiKeyHeader
{
    public const string Name = "X-API-Key";

    public static string? From(HttpRequest request)
    {
        var key = request.Headers[Name].ToString();
        if (!string.IsNullOrWhiteSpace(key))
        {
            return key;
        }

        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
    }
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Hub.Platform.Http;

/// <summary>A response written straight to the HttpResponse: status, headers and bytes. Needs no MVC services,
/// so tests can execute it against a plain HttpContext exactly as the host does.</summary>
public sealed class BodyResult(int status, string contentType, byte[] body, IReadOnlyDictionary<string, string>? headers = null) : IActionResult
{
    public int Status => status;

    public string ContentType => contentType;

    public byte[] Body => body;

    public IReadOnlyDictionary<string, string> Headers => headers ?? new Dictionary<string, string>();

    public async Task ExecuteResultAsync(ActionContext context)
    {
        var response = context.HttpContext.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        foreach (var (name, value) in Headers)
        {
            response.Headers[name] = value;
        }

        // Nothing the hub returns may be cached by a proxy: it is about patients.
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Content-Type-Options"] = "nosniff";
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body);
    }
}

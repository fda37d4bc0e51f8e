using System.Text;
using Hl7.Fhir.Model;
using Hub.Access;
using Hub.Platform.Fhir;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;

namespace Hub.Tests.Infrastructure;

/// <summary>A response as a caller would see it on the wire: status, headers, body.</summary>
public sealed record HttpAnswer(int Status, IHeaderDictionary Headers, string ContentType, string Body)
{
    private static readonly FhirSerializer Fhir = new();

    public Resource Resource => (ContentType.Contains("xml", StringComparison.Ordinal)
        ? Fhir.ParseXml(Encoding.UTF8.GetBytes(Body))
        : Fhir.ParseJson(Encoding.UTF8.GetBytes(Body))).Resource ?? throw new InvalidOperationException("Not FHIR: " + Body);

    public T As<T>() where T : Resource => (T)Resource;

    public OperationOutcome Outcome => As<OperationOutcome>();

    /// <summary>The referral an intake answer carries: the ServiceRequest itself, or the ServiceRequest entry of a
    /// transaction-response Bundle.</summary>
    public ServiceRequest Referral => Resource is Bundle { Type: Bundle.BundleType.TransactionResponse } response
        ? response.Entry.Select(e => e.Resource).OfType<ServiceRequest>().Single()
        : As<ServiceRequest>();

    /// <summary>Whether intake stored a new referral: 201, or a transaction whose ServiceRequest entry says 201.</summary>
    public bool Created => Status == 201 || (Status == 200 && Resource is Bundle { Type: Bundle.BundleType.TransactionResponse } response
        && response.Entry.Any(e => e.Resource is ServiceRequest && e.Response?.Status == "201 Created"));

    public IEnumerable<string> Expressions => Outcome.Issue.SelectMany(i => i.Expression).OfType<string>();

    public override string ToString() => $"{Status} {ContentType}\n{Body}";
}

/// <summary>Builds real ASP.NET Core requests for the trigger methods and runs their results as the host would.</summary>
public static class HttpCall
{
    public static HttpRequest Request(string method, string path, byte[]? body = null, string? contentType = null,
        string? apiKey = null, string? accept = null, string? query = null)
    {
        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = method;
        request.Scheme = "http";
        request.Host = new HostString("localhost", 7071);
        request.Path = path;
        if (query is not null)
        {
            request.QueryString = new QueryString(query);
        }

        if (body is not null)
        {
            request.Body = new MemoryStream(body);
            request.ContentLength = body.Length;
        }

        if (contentType is not null)
        {
            request.ContentType = contentType;
        }

        if (apiKey is not null)
        {
            request.Headers["X-API-Key"] = apiKey;
        }

        if (accept is not null)
        {
            request.Headers.Accept = accept;
        }

        context.Response.Body = new MemoryStream();
        return request;
    }

    public static async Task<HttpAnswer> RunAsync(HttpRequest request, IActionResult result)
    {
        var context = request.HttpContext;
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
        context.Response.Body.Position = 0;
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        return new HttpAnswer(context.Response.StatusCode, context.Response.Headers, context.Response.ContentType ?? string.Empty, body);
    }
}

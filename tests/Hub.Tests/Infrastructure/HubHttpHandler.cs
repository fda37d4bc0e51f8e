using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using Hl7.Fhir.Rest;
using Hub.Platform.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Hub.Tests.Infrastructure;

/// <summary>One HTTP-triggered function as the host sees it: its name, methods and route template (read from its
/// <c>[Function]</c> and <c>[HttpTrigger]</c> attributes, so every new route is covered without listing it).</summary>
public sealed record HttpFunctionRoute(string Name, IReadOnlySet<string> Methods, string Route, MethodInfo Method)
{
    private readonly TemplateMatcher _matcher = new(TemplateParser.Parse(Route), new RouteValueDictionary());

    /// <summary>Every HTTP function of the app, most specific route first (literals before parameters before catch-alls),
    /// as ASP.NET Core routing orders them in the host.</summary>
    public static IReadOnlyList<HttpFunctionRoute> All { get; } = typeof(FhirHttp).Assembly.GetTypes()
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
        .Select(m => (Method: m, Function: m.GetCustomAttribute<FunctionAttribute>(),
            Trigger: m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null)))
        .Where(x => x.Function is not null && x.Trigger is not null)
        .Select(x => new HttpFunctionRoute(x.Function!.Name,
            new HashSet<string>((x.Trigger!.Methods ?? ["get", "post"]).Select(v => v.ToUpperInvariant())),
            x.Trigger.Route ?? x.Function.Name, x.Method))
        .OrderBy(r => RoutePrecedence.ComputeInbound(TemplateParser.Parse(r.Route)))
        .ThenBy(r => r.Route, StringComparer.Ordinal)
        .ToList();

    public bool TryMatch(string path, RouteValueDictionary values) => _matcher.TryMatch(path, values);
}

/// <summary>The hub's HTTP surface in memory: turns an <see cref="HttpRequestMessage"/> into a real ASP.NET Core
/// <see cref="HttpRequest"/>, finds the function by its route and method as the Functions host would, calls it with the
/// hub's services and its Durable client, and turns its <see cref="IActionResult"/> back into an
/// <see cref="HttpResponseMessage"/>. Give it to any HTTP client (Firely's <see cref="FhirClient"/> among them).</summary>
public sealed class HubHttpHandler(TestHub hub) : HttpMessageHandler
{
    public const string RoutePrefix = "/api/";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var message = request;
        var uri = message.RequestUri ?? throw new ArgumentException("No request URI.");
        var path = Uri.UnescapeDataString(uri.AbsolutePath);
        var body = message.Content is null ? null : await message.Content.ReadAsByteArrayAsync(cancellationToken);
        var call = HttpCall.Request(message.Method.Method, path, body, message.Content?.Headers.ContentType?.ToString(), query: uri.Query.Length > 0 ? uri.Query : null);
        call.Host = new HostString(uri.Host, uri.Port);
        call.Scheme = uri.Scheme;
        foreach (var (name, values) in message.Headers)
        {
            call.Headers[name] = values.ToArray();
        }

        if (message.Content is not null)
        {
            foreach (var (name, values) in message.Content.Headers.Where(h => h.Key != "Content-Type" && h.Key != "Content-Length"))
            {
                call.Headers[name] = values.ToArray();
            }
        }

        var result = await InvokeAsync(call, path, cancellationToken);
        if (result is null)
        {
            // What the Functions host answers for a route no function has: 404, no body.
            return new HttpResponseMessage(HttpStatusCode.NotFound) { RequestMessage = message, Content = new ByteArrayContent([]) };
        }

        var answer = call.HttpContext;
        await result.ExecuteResultAsync(new ActionContext(answer, new RouteData(), new ActionDescriptor()));
        answer.Response.Body.Position = 0;
        var response = new HttpResponseMessage((HttpStatusCode)answer.Response.StatusCode)
        {
            RequestMessage = message,
            Content = new ByteArrayContent(((MemoryStream)answer.Response.Body).ToArray()),
        };
        foreach (var (name, values) in answer.Response.Headers)
        {
            if (!response.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                response.Content.Headers.Remove(name);
                response.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        if (answer.Response.ContentType is { } contentType)
        {
            response.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        return response;
    }

    /// <summary>Calls the function whose route and method match, or returns null when none does.</summary>
    private async Task<IActionResult?> InvokeAsync(HttpRequest request, string path, CancellationToken cancellationToken)
    {
        if (!path.StartsWith(RoutePrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var routePath = "/" + path[RoutePrefix.Length..];
        foreach (var route in HttpFunctionRoute.All)
        {
            var values = new RouteValueDictionary();
            if (!route.Methods.Contains(request.Method.ToUpperInvariant()) || !route.TryMatch(routePath, values))
            {
                continue;
            }

            var method = route.Method;
            var target = method.IsStatic ? null : ActivatorUtilities.CreateInstance(hub.Services, method.DeclaringType!);
            var arguments = method.GetParameters().Select(p => Argument(p, request, values, cancellationToken)).ToArray();
            return method.Invoke(target, arguments) switch
            {
                Task<IActionResult> pending => await pending,
                IActionResult done => done,
                var other => throw new InvalidOperationException($"{route.Name} returned {other?.GetType().Name ?? "null"}, not an IActionResult."),
            };
        }

        return null;
    }

    private object? Argument(ParameterInfo parameter, HttpRequest request, RouteValueDictionary values, CancellationToken cancellationToken)
    {
        if (parameter.ParameterType == typeof(HttpRequest))
        {
            return request;
        }

        if (parameter.ParameterType == typeof(DurableTaskClient))
        {
            return hub.Durable;
        }

        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return cancellationToken;
        }

        if (parameter.ParameterType == typeof(string) && values.TryGetValue(parameter.Name!, out var value))
        {
            return value?.ToString();
        }

        throw new InvalidOperationException($"Cannot bind parameter {parameter.Name} of {parameter.Member.DeclaringType?.Name}.{parameter.Member.Name}.");
    }
}

/// <summary>Firely's own FHIR client, talking to the hub's functions in memory.</summary>
public static class HubFhirClients
{
    public const string BaseUrl = "http://localhost:7071/api/fhir";

    public static FhirClient FhirClient(this TestHub hub, string? apiKey, FhirClientSettings? settings = null)
    {
        var client = new FhirClient(BaseUrl, settings ?? new FhirClientSettings { PreferredFormat = ResourceFormat.Json, VerifyFhirVersion = false },
            new HubHttpHandler(hub));
        if (apiKey is not null)
        {
            client.RequestHeaders!.Add("X-API-Key", apiKey);
        }

        return client;
    }

    /// <summary>A plain HttpClient over the same in-memory surface, for what a FHIR client library does not send.</summary>
    public static HttpClient HttpClient(this TestHub hub, string? apiKey)
    {
        var client = new HttpClient(new HubHttpHandler(hub)) { BaseAddress = new Uri(BaseUrl + "/") };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-API-Key", apiKey);
        }

        return client;
    }
}

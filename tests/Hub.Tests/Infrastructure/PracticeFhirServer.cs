using System.Collections.Concurrent;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Hub.Tests.Infrastructure;

/// <summary>A practice's FHIR server inside the test, on real HTTP: it takes transaction Bundles as a FHIR server would
/// (conditional creates honoured on identifier, urn:uuid references rewritten, a transaction-response Bundle back), keeps
/// what it was sent, and can be told to fail: be down (503), lose its answer after storing (503 after commit), or refuse
/// with an OperationOutcome (422).</summary>
public sealed class PracticeFhirServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FhirSerializer _fhir = new();
    private readonly object _gate = new();
    private int _downFor;
    private int _loseAnswersFor;
    private bool _refusing;

    private PracticeFhirServer(WebApplication app)
    {
        _app = app;
        BaseUrl = app.Urls.First() + "/fhir";
    }

    public string BaseUrl { get; }

    /// <summary>Every request, as it arrived: the Authorization header and the body.</summary>
    public ConcurrentQueue<(string? Authorization, string Body, int Answered)> Requests { get; } = new();

    /// <summary>What the server holds, by type.</summary>
    public List<Resource> Stored { get; } = [];

    public static async Task<PracticeFhirServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        PracticeFhirServer? server = null;
        app.MapPost("/fhir", async context => await server!.TransactionAsync(context));

        await app.StartAsync();
        server = new PracticeFhirServer(app);
        return server;
    }

    /// <summary>The next <paramref name="requests"/> requests find the server down.</summary>
    public void GoDown(int requests) => _downFor = requests;

    /// <summary>The next <paramref name="requests"/> transactions are committed but their answer is lost (503).</summary>
    public void LoseAnswers(int requests) => _loseAnswersFor = requests;

    public void Refuse(bool refusing) => _refusing = refusing;

    public IReadOnlyList<T> All<T>() where T : Resource
    {
        lock (_gate)
        {
            return Stored.OfType<T>().ToList();
        }
    }

    private async System.Threading.Tasks.Task TransactionAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var auth = context.Request.Headers.Authorization.ToString();
        if (Interlocked.Decrement(ref _downFor) >= 0)
        {
            Requests.Enqueue((auth, body, 503));
            context.Response.StatusCode = 503;
            return;
        }

        if (_refusing)
        {
            Requests.Enqueue((auth, body, 422));
            var outcome = new OperationOutcome
            {
                Issue = [new OperationOutcome.IssueComponent { Severity = OperationOutcome.IssueSeverity.Error, Code = OperationOutcome.IssueType.Processing, Diagnostics = "Patient with this NHS number is not registered at this practice" }],
            };
            await WriteAsync(context, 422, outcome);
            return;
        }

        var bundle = (Bundle)_fhir.ParseJson(TestHub.Utf8(body)).Resource!;
        var response = new Bundle { Type = Bundle.BundleType.TransactionResponse };
        lock (_gate)
        {
            var assigned = new Dictionary<string, string>(StringComparer.Ordinal);
            var created = new List<Resource>();
            foreach (var entry in bundle.Entry)
            {
                var (system, value) = ParseIfNoneExist(entry.Request.IfNoneExist);
                var existing = Stored.FirstOrDefault(r => r.TypeName == entry.Resource!.TypeName && Identifiers(r).Any(i => i.System == system && i.Value == value));
                if (existing is not null)
                {
                    assigned[entry.FullUrl!] = $"{existing.TypeName}/{existing.Id}";
                    response.Entry.Add(new Bundle.EntryComponent { Response = new Bundle.ResponseComponent { Status = "200 OK", Location = assigned[entry.FullUrl!] } });
                    continue;
                }

                entry.Resource!.Id = Guid.NewGuid().ToString();
                created.Add(entry.Resource);
                assigned[entry.FullUrl!] = $"{entry.Resource.TypeName}/{entry.Resource.Id}";
                response.Entry.Add(new Bundle.EntryComponent { Response = new Bundle.ResponseComponent { Status = "201 Created", Location = assigned[entry.FullUrl!] } });
            }

            foreach (var observation in created.OfType<Observation>())
            {
                foreach (var derived in observation.DerivedFrom)
                {
                    derived.Reference = assigned.GetValueOrDefault(derived.Reference!, derived.Reference!);
                }
            }

            Stored.AddRange(created);
        }

        if (Interlocked.Decrement(ref _loseAnswersFor) >= 0)
        {
            Requests.Enqueue((auth, body, 503));
            context.Response.StatusCode = 503;
            return;
        }

        Requests.Enqueue((auth, body, 200));
        await WriteAsync(context, 200, response);
    }

    private static List<Identifier> Identifiers(Resource resource) => resource switch
    {
        QuestionnaireResponse qr when qr.Identifier is not null => [qr.Identifier],
        Observation o => o.Identifier,
        _ => [],
    };

    private static (string? System, string? Value) ParseIfNoneExist(string? query)
    {
        var token = Uri.UnescapeDataString(query?.Split('=', 2) is [_, var v] ? v : string.Empty);
        return token.Split('|', 2) is [var system, var value] ? (system, value) : (null, null);
    }

    private async System.Threading.Tasks.Task WriteAsync(HttpContext context, int status, Resource resource)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/fhir+json";
        await context.Response.WriteAsync(_fhir.Serialize(resource, FhirFormat.Json));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

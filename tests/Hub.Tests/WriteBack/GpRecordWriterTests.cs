using Hl7.Fhir.Model;
using Hub.FollowUp;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Hub.WriteBack;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hub.Tests.WriteBack;

/// <summary>Write-back's contract with a practice's FHIR server, over real HTTP through the Firely client: what is worth
/// retrying throws, what the server refuses comes back with its reasons, and a retried transaction never duplicates.</summary>
[Trait("Category", "Unit")]
public sealed class GpRecordWriterTests : IAsyncLifetime
{
    private PracticeFhirServer _server = null!;

    public async System.Threading.Tasks.Task InitializeAsync() => _server = await PracticeFhirServer.StartAsync();

    public async System.Threading.Tasks.Task DisposeAsync() => await _server.DisposeAsync();

    private GpRecordWriter Writer(string baseUrl)
    {
        var services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        var options = new WriteBackOptions { Timeout = TimeSpan.FromSeconds(5) };
        options.Practices["A81001"] = new PracticeEndpoint { BaseUrl = baseUrl, BearerToken = "secret" };
        return new GpRecordWriter(Options.Create(options), services.GetRequiredService<IHttpClientFactory>());
    }

    private static Bundle Transaction(string identifier) => new()
    {
        Type = Bundle.BundleType.Transaction,
        Entry =
        [
            new Bundle.EntryComponent
            {
                FullUrl = $"urn:uuid:{Guid.NewGuid()}",
                Resource = new Observation
                {
                    Status = ObservationStatus.Final,
                    Identifier = [new Identifier(OutcomeResources.OutcomeIdSystem, identifier)],
                    Code = new CodeableConcept("http://loinc.org", "66867-3"),
                    Value = new Integer(2),
                },
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Observation", IfNoneExist = $"identifier={OutcomeResources.OutcomeIdSystem}|{identifier}" },
            },
        ],
    };

    [Fact]
    public async System.Threading.Tasks.Task A_retried_transaction_creates_once_and_a_server_outage_is_retryable()
    {
        var writer = Writer(_server.BaseUrl);
        _server.GoDown(1);
        await Assert.ThrowsAsync<PracticeUnavailableException>(() => writer.WriteAsync("A81001", Transaction("x-1")));

        Assert.Equal("written", (await writer.WriteAsync("A81001", Transaction("x-1"))).State.Spelling());
        var again = await writer.WriteAsync("A81001", Transaction("x-1"));
        Assert.Equal("written", again.State.Spelling());
        Assert.StartsWith("200", again.Response!.Entry.Single().Response.Status, StringComparison.Ordinal);
        Assert.Single(_server.All<Observation>());
        Assert.All(_server.Requests, r => Assert.Equal("Bearer secret", r.Authorization));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_refusal_comes_back_with_the_servers_reason_and_nothing_listening_is_retryable()
    {
        _server.Refuse(true);
        var refused = await Writer(_server.BaseUrl).WriteAsync("A81001", Transaction("x-2"));
        Assert.Equal("refused", refused.State.Spelling());
        Assert.Contains("not registered at this practice", refused.Detail, StringComparison.Ordinal);

        await Assert.ThrowsAsync<PracticeUnavailableException>(() => Writer($"http://127.0.0.1:{Ports.FreeLoopback()}/fhir").WriteAsync("A81001", Transaction("x-3")));
        Assert.Equal("no-endpoint", (await Writer(_server.BaseUrl).WriteAsync("B82002", Transaction("x-4"))).State.Spelling());
    }
}

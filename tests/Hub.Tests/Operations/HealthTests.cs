using System.Text.Json;
using Hub.Operations;
using Hub.Platform;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Operations;

public sealed class HealthTests(TestHub hub) : IClassFixture<TestHub>
{
    [Fact]
    public async Task A_ready_hub_reports_healthy()
    {
        var request = HttpCall.Request("GET", "/api/health");
        var answer = await HttpCall.RunAsync(request, await hub.Function<HealthHttp>().Health(request));

        Assert.Equal(200, answer.Status);
        var body = JsonDocument.Parse(answer.Body).RootElement;
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal("ok", body.GetProperty("checks").GetProperty("storage").GetString());
        Assert.DoesNotContain("test-signing-key", answer.Body, StringComparison.Ordinal);
    }
}

/// <summary>A hub whose storage is a closed port: health must say so, quickly, with 503.</summary>
public sealed class UnreachableStorageHub : TestHub
{
    protected override void Setup(HubSetup hub) =>
        hub.Set(PlatformServices.StorageSetting, "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;");
}

public sealed class UnreachableStorageHealthTests(UnreachableStorageHub hub) : IClassFixture<UnreachableStorageHub>
{
    [Fact]
    public async Task Unreachable_storage_is_reported_as_unhealthy()
    {
        var request = HttpCall.Request("GET", "/api/health");
        var answer = await HttpCall.RunAsync(request, await hub.Function<HealthHttp>().Health(request));

        Assert.Equal(503, answer.Status);
        Assert.Equal("unreachable", JsonDocument.Parse(answer.Body).RootElement.GetProperty("checks").GetProperty("storage").GetString());
    }
}

/// <summary>SendGrid refusing the hub itself shows on <c>/api/health</c> of every instance until an email goes again.</summary>
public sealed class EmailFaultHealthTests(TestHub hub) : IClassFixture<TestHub>
{
    private static readonly Hub.Email.EmailMessage Message = new("someone@example.org", null, "Subject", "Text", "<p>Text</p>");

    [Fact]
    public async Task A_refused_key_names_the_email_check_until_an_email_is_accepted()
    {
        var referral = Guid.NewGuid().ToString();
        hub.Mail.RespondNext(401);
        await Assert.ThrowsAsync<Hub.Email.EmailServiceFaultException>(() => hub.Get<Hub.Email.EmailSender>().SendOnceAsync(referral, "welcome", Message));

        var failing = await HealthAsync();
        Assert.Equal(503, failing.Status);
        var email = JsonDocument.Parse(failing.Body).RootElement.GetProperty("checks").GetProperty("email").GetString()!;
        Assert.StartsWith("failing: SendGrid refused the hub's API key (401) at ", email, StringComparison.Ordinal);
        Assert.DoesNotContain("SG.test-key", failing.Body, StringComparison.Ordinal);

        await hub.Get<Hub.Email.EmailSender>().SendOnceAsync(referral, "welcome", Message);

        var ok = await HealthAsync();
        Assert.Equal(200, ok.Status);
        Assert.Equal("ok", JsonDocument.Parse(ok.Body).RootElement.GetProperty("checks").GetProperty("email").GetString());
    }

    [Fact]
    public async Task Each_refusal_of_the_hub_is_counted_by_its_status_only()
    {
        var counted = new System.Collections.Concurrent.ConcurrentBag<(long Value, string Tags)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "hub.email.service_faults")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            counted.Add((value, string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}")))));
        listener.Start();
        var referral = Guid.NewGuid().ToString();
        hub.Mail.RespondNext(403);

        await Assert.ThrowsAsync<Hub.Email.EmailServiceFaultException>(() => hub.Get<Hub.Email.EmailSender>().SendOnceAsync(referral, "welcome", Message));

        Assert.Contains((1L, "status=403"), counted);
        await hub.Get<Hub.Email.EmailSender>().SendOnceAsync(referral, "welcome", Message);
    }

    private async Task<HttpAnswer> HealthAsync()
    {
        var request = HttpCall.Request("GET", "/api/health");
        return await HttpCall.RunAsync(request, await hub.Function<HealthHttp>().Health(request));
    }
}

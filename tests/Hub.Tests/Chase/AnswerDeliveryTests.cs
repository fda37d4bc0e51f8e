using System.Diagnostics.Metrics;
using Hub.Chase;
using Hub.Platform;
using Hub.Platform.Durable;
using Hub.Platform.Telemetry;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.Chase;

/// <summary>A chase whose reminders are hours away (so a test sees only what its own delivery does) and a reconciler
/// that takes every undelivered event at once.</summary>
public sealed class AnswerDeliveryHub : TestHub
{
    protected override void Setup(HubSetup hub) =>
        hub.FastChase()
            .Set("Chase:Reminders:0", "01:00:00")
            .Set("Chase:Reminders:1", "02:00:00")
            .Set("Chase:EscalateAfter", "03:00:00")
            .Set("Links:Lifetime", "04:00:00")
            .Set("PendingEvents:GracePeriod", "00:00:00");
}

/// <summary>A provider's answer recorded is an answer delivered: when the task hub cannot be reached as the answer is
/// raised, the page says it is recorded (never that the referrer was told), and the answer reaches the chase by the
/// provider's next click or, without one, by the reconciler; a second copy changes nothing.</summary>
public sealed class AnswerDeliveryTests(AnswerDeliveryHub hub) : IClassFixture<AnswerDeliveryHub>
{
    [Fact]
    public async System.Threading.Tasks.Task An_accept_that_could_not_be_raised_is_delivered_by_the_next_click()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        var accept = ProviderLinks.Find(await hub.OfferAsync("alpha", referralId), "Accept")!;

        var (_, cookie, csrf) = await ProviderLinks.OpenFormAsync(hub, accept);
        var failed = await ProviderLinks.PostAsync(hub, UnreachableTaskHub.Over(hub.Durable), ProviderLinks.Token(accept), csrf, cookie);
        Assert.Equal(202, failed.Status);
        Assert.Contains("Your acceptance is recorded", failed.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("the referrer has been told", failed.Body, StringComparison.Ordinal);

        // The link again: the answer is recorded, not yet passed on, and the page offers to try again.
        var (again, retryCookie, retryCsrf) = await ProviderLinks.OpenFormAsync(hub, accept);
        Assert.Contains("Try again", again.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("the referrer has been told", again.Body, StringComparison.Ordinal);
        var done = await ProviderLinks.PostAsync(hub, ProviderLinks.Token(accept), retryCsrf, retryCookie);
        Assert.Equal(200, done.Status);
        Assert.Contains("Referral accepted", done.Body, StringComparison.Ordinal);
        Assert.Contains("the referrer has been told", done.Body, StringComparison.Ordinal);

        await AcceptedByAlphaAsync(referralId, taskId);
    }

    [Fact]
    public async System.Threading.Tasks.Task An_accept_nobody_clicks_again_is_delivered_by_the_reconciler()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        var accept = ProviderLinks.Find(await hub.OfferAsync("alpha", referralId), "Accept")!;
        var (_, cookie, csrf) = await ProviderLinks.OpenFormAsync(hub, accept);
        Assert.Equal(202, (await ProviderLinks.PostAsync(hub, UnreachableTaskHub.Over(hub.Durable), ProviderLinks.Token(accept), csrf, cookie)).Status);

        using var repaired = new RepairCount();
        var pass = await hub.Get<PendingEventsReconciler>().ReconcileAsync(hub.Durable);
        Assert.True(pass.Delivered >= 1, pass.ToString());
        Assert.True(repaired.Of(ReferralOrchestration.ProviderRespondedEvent) >= 1);

        await AcceptedByAlphaAsync(referralId, taskId);
        Assert.Contains("the referrer has been told", (await hub.OpenAsync(accept)).Body, StringComparison.Ordinal);
        var recorded = await hub.Get<PendingEvents>().GetAsync(referralId, ProviderResponses.AnswerKey("alpha"));
        Assert.Equal(EventDelivery.Delivered, recorded!.Delivery);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_decline_delivered_twice_moves_the_referral_on_once()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        var decline = ProviderLinks.Find(await hub.OfferAsync("alpha", referralId), "Decline")!;
        var (_, cookie, csrf) = await ProviderLinks.OpenFormAsync(hub, decline);
        var failed = await ProviderLinks.PostAsync(hub, UnreachableTaskHub.Over(hub.Durable), ProviderLinks.Token(decline), csrf, cookie, ("reason", "no-capacity"));
        Assert.Contains("Your decline is recorded", failed.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("it will be offered elsewhere", failed.Body, StringComparison.Ordinal);

        await hub.Get<PendingEventsReconciler>().ReconcileAsync(hub.Durable);
        var offer = await hub.OfferAsync("beta", referralId);

        // A second copy of alpha's answer (a reconciler pass meeting a retry), and alpha's click again: nothing changes.
        var recorded = await hub.Get<PendingEvents>().GetAsync(referralId, ProviderResponses.AnswerKey("alpha"));
        await hub.Durable.RaiseEventAsync(referralId, ReferralOrchestration.ProviderRespondedEvent, recorded!.Read<ProviderAnswer>());
        var again = await ProviderLinks.PostAsync(hub, ProviderLinks.Token(decline), csrf, cookie, ("reason", "no-capacity"));
        Assert.Contains("Referral declined", again.Body, StringComparison.Ordinal);

        Assert.Contains("Referral accepted", (await hub.ConfirmAsync(ProviderLinks.Find(offer, "Accept")!)).Body, StringComparison.Ordinal);
        var task = await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.InProgress);
        Assert.Equal("HealthcareService/beta", task.Owner.Reference);
        var audit = await hub.AuditWithAsync(referralId, "accepted");
        Assert.Single(audit, a => a.Event == "provider-declined" && a.Actor == "provider:alpha");
        Assert.Single(audit, a => a.Event == "declined");
        Assert.Single(hub.EmailsTo("beta", referralId));
        Assert.Empty(hub.EmailsTo("gamma", referralId));
    }

    [Fact]
    public async System.Threading.Tasks.Task An_accept_recorded_as_the_worker_stopped_is_delivered_by_the_reconciler_after_the_restart()
    {
        await using var engine = await RestartableEngine.StartAsync();
        await engine.DeployAsync(r => DurableFunctionsRegistry.Register(r, () => hub.Services));
        var (referralId, taskId, _) = await hub.ReferAsync(durable: engine.Client);
        var accept = ProviderLinks.Find(await hub.OfferAsync("alpha", referralId), "Accept")!;
        await Eventually.StepAsync(engine.Client, referralId, "awaiting-provider");

        // The process goes down while the provider's click is being handled: the answer is recorded, never raised.
        var dying = UnreachableTaskHub.Over(engine.Client, new OperationCanceledException("The host is shutting down."));
        var (_, cookie, csrf) = await ProviderLinks.OpenFormAsync(hub, accept);
        var page = await ProviderLinks.PostAsync(hub, dying, ProviderLinks.Token(accept), csrf, cookie);
        Assert.DoesNotContain("the referrer has been told", page.Body, StringComparison.Ordinal);
        await engine.StopWorkerAsync();

        await engine.DeployAsync(r => DurableFunctionsRegistry.Register(r, () => hub.Services));
        await hub.Get<PendingEventsReconciler>().ReconcileAsync(engine.Client);

        var task = await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.InProgress);
        Assert.Equal("HealthcareService/alpha", task.Owner.Reference);
        await Eventually.StepAsync(engine.Client, referralId, "following-up");
    }

    /// <summary>The referral went to alpha and the chase left its reminders: alpha is never reminded or escalated about
    /// a referral it accepted, and the referral is not rejected.</summary>
    private async System.Threading.Tasks.Task AcceptedByAlphaAsync(string referralId, string taskId)
    {
        var task = await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.InProgress);
        Assert.Equal("HealthcareService/alpha", task.Owner.Reference);
        await Eventually.StepAsync(hub.Durable, referralId, "following-up");
        var audit = await hub.AuditWithAsync(referralId, "accepted");
        Assert.Single(audit, a => a.Event == "provider-accepted");
        Assert.DoesNotContain(audit, a => a.Event is "reminded" or "escalated" or "rejected" or "declined");
        Assert.Single(hub.EmailsTo("alpha", referralId));
    }
}

/// <summary>The reconciler's repairs as the metric counts them, from here on.</summary>
internal sealed class RepairCount : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    public RepairCount()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == HubTelemetry.Name && instrument.Name == "hub.events.repaired")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "event", Value: string name })
                {
                    _counts.AddOrUpdate(name, value, (_, n) => n + value);
                }
            }
        });
        _listener.Start();
    }

    public long Of(string eventName) => _counts.GetValueOrDefault(eventName);

    public void Dispose() => _listener.Dispose();
}

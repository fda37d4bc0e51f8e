using Hub.Platform;
using Hub.Platform.Durable;
using Hub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hub.Tests.Platform;

/// <summary>An event whose instance does not exist yet waits for it; one that waited longer than the reconciler's limit
/// is given up (and logged with ids only) rather than tried for ever.</summary>
public sealed class PendingEventsTests(TestHub hub) : IClassFixture<TestHub>
{
    [Fact]
    public async System.Threading.Tasks.Task An_event_for_an_instance_that_never_comes_waits_then_is_given_up()
    {
        var instanceId = $"never-started-{Guid.NewGuid():N}";
        var events = hub.Get<PendingEvents>();
        Assert.Equal(EventDelivery.Pending, await events.SendAsync(hub.Durable, instanceId, "Withdrawn", "Withdrawn", new { At = DateTimeOffset.UnixEpoch }));

        var patient = Reconciler(TimeSpan.FromDays(7));
        var waiting = await patient.ReconcileAsync(hub.Durable);
        Assert.True(waiting.StillPending >= 1, waiting.ToString());
        Assert.Equal(EventDelivery.Pending, (await events.GetAsync(instanceId, "Withdrawn"))!.Delivery);

        await Reconciler(TimeSpan.Zero).ReconcileAsync(hub.Durable);
        Assert.Equal(EventDelivery.GivenUp, (await events.GetAsync(instanceId, "Withdrawn"))!.Delivery);
        // A repeat of the decision finds it settled and raises nothing.
        Assert.Equal(EventDelivery.GivenUp, await events.SendAsync(hub.Durable, instanceId, "Withdrawn", "Withdrawn", new { At = DateTimeOffset.UnixEpoch }));
    }

    private PendingEventsReconciler Reconciler(TimeSpan giveUpAfter) =>
        ActivatorUtilities.CreateInstance<PendingEventsReconciler>(hub.Services, Options.Create(new PendingEventsOptions { GracePeriod = TimeSpan.Zero, GiveUpAfter = giveUpAfter }));
}

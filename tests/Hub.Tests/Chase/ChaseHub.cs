using Hub.Tests.Infrastructure;

namespace Hub.Tests.Chase;

/// <summary>A hub whose chase runs in seconds (<see cref="HubSetup.FastChase"/>); the journey's steps are in <see cref="Journey"/>.</summary>
public sealed class ChaseHub : TestHub
{
    protected override void Setup(HubSetup hub) => hub.FastChase();
}

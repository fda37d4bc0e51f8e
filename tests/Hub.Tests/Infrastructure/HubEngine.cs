using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Hub.Tests.Infrastructure;

/// <summary>The Durable engine a <see cref="TestHub"/> runs its orchestrations on. The in-process test host by
/// default; the benchmarks' soak run puts the Durable Azure Storage backend here, whose worker it restarts.</summary>
public interface IHubEngine : IAsyncDisposable
{
    /// <summary>A client of the engine as it is now (a restarted engine hands out a new one).</summary>
    DurableTaskClient Client { get; }
}

/// <summary>Starts an engine running the hub's tasks (the registry callback adds them).</summary>
public delegate Task<IHubEngine> HubEngineStart(Action<DurableTaskRegistry> tasks);

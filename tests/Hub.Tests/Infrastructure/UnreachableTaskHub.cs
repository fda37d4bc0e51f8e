using Microsoft.DurableTask.Client;
using Moq;

namespace Hub.Tests.Infrastructure;

/// <summary>A Durable client whose task hub queues cannot be reached for raising events (status reads still work, as
/// they go to the instances table): what a page or a PUT sees while the queues are unreachable, or when the process
/// stops between recording a decision and raising it.</summary>
public static class UnreachableTaskHub
{
    public static DurableTaskClient Over(DurableTaskClient real, Exception? failure = null)
    {
        var unreachable = new Mock<DurableTaskClient>("unreachable") { CallBase = true };
        unreachable.Setup(c => c.GetInstanceAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .Returns((string id, bool inputs, CancellationToken ct) => real.GetInstanceAsync(id, inputs, ct));
        unreachable.Setup(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(failure ?? new TimeoutException("The task hub could not be reached."));
        return unreachable.Object;
    }
}

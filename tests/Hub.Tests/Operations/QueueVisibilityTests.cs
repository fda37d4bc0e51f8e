using System.Text.Json;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Operations;

/// <summary>After a worker crashes, the task hub's messages it had taken stay invisible for the queue visibility timeout
/// before another worker takes them (the Azure Storage provider's default is five minutes: a first offer waited that
/// long). A referral bears a minute; the provider renews the lock of a longer activity while it runs.</summary>
[Trait("Category", "Unit")]
public sealed class QueueVisibilityTests
{
    [Theory]
    [InlineData("controlQueueVisibilityTimeout")]
    [InlineData("workItemQueueVisibilityTimeout")]
    public void Work_a_crashed_worker_held_is_taken_up_again_within_a_minute(string setting)
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(Azurite.RepositoryRoot(), "host.json")));
        var provider = host.RootElement.GetProperty("extensions").GetProperty("durableTask").GetProperty("storageProvider");
        var timeout = TimeSpan.Parse(provider.GetProperty(setting).GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(timeout, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));
    }
}

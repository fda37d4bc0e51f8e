using Hub.Intake;
using Hub.Operations;
using Hub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Hub.Tests.Intake;

/// <summary>The Functions host polls the intake queue and moves failures to its poison queue but creates neither: the app
/// creates both as it starts, so a fresh deployment neither logs a 404 on every poll nor loses the first poison message.</summary>
public sealed class IntakeQueuesTests(TestHub hub) : IClassFixture<TestHub>
{
    [Fact]
    public async System.Threading.Tasks.Task The_intake_and_poison_queues_exist_once_the_app_has_started()
    {
        var inbound = hub.Queue(hub.QueueName);
        var poison = hub.Queue($"{hub.QueueName}-poison");
        await inbound.DeleteIfExistsAsync();
        await poison.DeleteIfExistsAsync();

        var queues = Assert.Single(hub.Services.GetServices<IHostedService>().OfType<IntakeQueues>());
        await queues.StartAsync(CancellationToken.None);
        await queues.StartAsync(CancellationToken.None);   // a restart finds them there and changes nothing

        Assert.True((await inbound.ExistsAsync()).Value, $"{hub.QueueName} was not created");
        Assert.True((await poison.ExistsAsync()).Value, $"{hub.QueueName}-poison was not created");
        Assert.Equal(hub.Get<PoisonMessages>().PoisonName, queues.PoisonName);
    }
}

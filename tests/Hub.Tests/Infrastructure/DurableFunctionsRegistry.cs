using System.Reflection;
using Hub.Chase;
using Hub.FollowUp;
using Hub.Referrals;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace Hub.Tests.Infrastructure;

/// <summary>Registers the hub's own Durable functions, the very methods the Functions host runs, with the in-process
/// Durable Task engine: orchestrators by name with their input type, every [ActivityTrigger] method found by reflection,
/// its class built from the hub's service provider as the Functions worker would.</summary>
public static class DurableFunctionsRegistry
{
    /// <param name="referralOrchestrator">Replaces the referral orchestrator, to run an older version's code.</param>
    public static void Register(DurableTaskRegistry registry, Func<IServiceProvider> services, Func<TaskOrchestrationContext, Task<string>>? referralOrchestrator = null)
    {
        var orchestrator = referralOrchestrator ?? ReferralOrchestration.RunAsync;
        registry.AddOrchestratorFunc<ReferralOrchestrationInput, string>(ReferralOrchestration.Name, (context, _) => orchestrator(context));
        registry.AddOrchestratorFunc<FollowUpInput, string>(FollowUpOrchestration.Name, (context, _) => FollowUpOrchestration.RunAsync(context));

        var activities = typeof(HubServices).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null
                        && m.GetParameters().Any(p => p.GetCustomAttribute<ActivityTriggerAttribute>() is not null));
        foreach (var method in activities)
        {
            var input = method.GetParameters().Single(p => p.GetCustomAttribute<ActivityTriggerAttribute>() is not null).ParameterType;
            typeof(DurableFunctionsRegistry).GetMethod(nameof(AddActivity), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(input)
                .Invoke(null, [registry, method, services]);
        }
    }

    private static void AddActivity<TInput>(DurableTaskRegistry registry, MethodInfo method, Func<IServiceProvider> services)
    {
        var name = method.GetCustomAttribute<FunctionAttribute>()!.Name;
        registry.AddActivityFunc<TInput, object?>(name, async (_, input) =>
        {
            var target = method.IsStatic ? null : ActivatorUtilities.CreateInstance(services(), method.DeclaringType!);
            var result = method.Invoke(target, [input]);
            if (result is Task task)
            {
                await task;
                var resultProperty = task.GetType().GetProperty("Result");
                return resultProperty?.PropertyType.Name == "VoidTaskResult" ? null : resultProperty?.GetValue(task);
            }

            return result;
        });
    }
}

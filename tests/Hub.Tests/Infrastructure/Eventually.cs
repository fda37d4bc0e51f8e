using System.Collections;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Hl7.Fhir.Model;
using Microsoft.DurableTask.Client;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.Infrastructure;

/// <summary>Waits for something that happens in the background (an orchestration's activity) instead of sleeping. Every
/// wait has a deadline, generous because the machine may be busy, and fails at it, saying what it waited for and the
/// last value it saw.</summary>
public static class Eventually
{
    /// <summary>The default deadline: long enough for a loaded 2-core machine, short enough to fail a run that hangs.</summary>
    public const int DefaultTimeoutSeconds = 90;

    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> done, int timeoutSeconds = DefaultTimeoutSeconds,
        string? what = null, [CallerArgumentExpression(nameof(done))] string? condition = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {timeoutSeconds} s for {what ?? condition}; the last value seen: {Describe(value)}");
            }

            await System.Threading.Tasks.Task.Delay(50);
        }
    }

    /// <summary>Waits for a condition on something read synchronously (what a sink has received so far).</summary>
    public static Task<T> SeenAsync<T>(Func<T> read, Func<T, bool> done, int timeoutSeconds = DefaultTimeoutSeconds,
        string? what = null, [CallerArgumentExpression(nameof(done))] string? condition = null) =>
        ValueAsync(() => System.Threading.Tasks.Task.FromResult(read()), done, timeoutSeconds, what, condition);

    /// <summary>An orchestration's custom status step, once it is <paramref name="step"/> (the status is written with
    /// the episode that starts the wait, so it is not there yet when only the runtime status says Running).</summary>
    public static Task<OrchestrationMetadata?> StepAsync(DurableTaskClient durable, string instanceId, string step, int timeoutSeconds = DefaultTimeoutSeconds) =>
        ValueAsync(() => durable.GetInstanceAsync(instanceId, getInputsAndOutputs: true),
            i => i?.SerializedCustomStatus is not null && i.ReadCustomStatusAs<Hub.Referrals.ReferralProgress>()?.Step is { } seen && Hub.Referrals.StoredSpelling.Spelling(seen) == step,
            timeoutSeconds, $"instance {instanceId} to reach step '{step}'");

    internal static string Describe(object? value) => value switch
    {
        null => "null",
        string s => s,
        FhirTask t => $"Task status={t.Status} businessStatus={t.BusinessStatus?.Coding.FirstOrDefault()?.Code ?? "(none)"}",
        OrchestrationMetadata m => $"{m.InstanceId} {m.RuntimeStatus} customStatus={m.SerializedCustomStatus ?? "(none)"}",
        JsonElement j => j.ToString(),
        RecordedEmail e => $"email to {string.Join(",", e.To)} '{e.Subject}' ({e.RespondedWith})",
        Resource r => $"{r.TypeName}/{r.Id}",
        IEnumerable items => $"[{string.Join(", ", items.Cast<object?>().Take(20).Select(Describe))}]",
        _ => value.ToString() ?? value.GetType().Name,
    };
}

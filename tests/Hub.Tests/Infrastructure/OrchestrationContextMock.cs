using System.Reflection;
using System.Text.Json;
using Microsoft.DurableTask;
using Moq;

namespace Hub.Tests.Infrastructure;

/// <summary>A strict <see cref="Mock{T}"/> of <see cref="TaskOrchestrationContext"/> that runs one orchestrator function
/// step by step, in the test's thread, with no engine, storage or real time. Activities answer at once with what the
/// test scripted; events and timers stay pending until the test raises or fires them, then the orchestrator's
/// continuations run before the call returns (a single-threaded pump, so every run is the same). Everything the
/// orchestrator does is recorded in order in <see cref="Log"/>.</summary>
/// <remarks>Events go to the most recent waiter still pending for the name, else they are buffered for the next one, as
/// Microsoft.DurableTask.Worker 1.27 delivers them. Activity inputs are recorded as JSON copies taken at the call, as the
/// engine serializes them when it schedules the activity (later changes to a list passed in do not show). Over 250 lines
/// because it stands in for the whole context (activities, events, timers, sub-orchestrations, status) in one place.</remarks>
public sealed class OrchestrationContextMock
{
    private readonly Pump _pump = new();
    private readonly Dictionary<string, Func<ActivityCall, object?>> _activities = new(StringComparer.Ordinal);
    private readonly List<EventWaiter> _waiters = [];
    private readonly List<(string Name, object? Payload)> _buffered = [];
    private readonly List<object> _log = [];
    private Func<SubOrchestrationCall, object?>? _subOrchestration;
    private Task<string>? _run;

    public OrchestrationContextMock(object? input, DateTime startUtc, string? version)
    {
        Input = input;
        Now = DateTime.SpecifyKind(startUtc, DateTimeKind.Utc);
        Version = version;
        Mock.SetupGet(c => c.CurrentUtcDateTime).Returns(() => Now);
        Mock.SetupGet(c => c.InstanceId).Returns(() => InstanceId);
        // The engine gives an unversioned instance an empty string; tests may pass null to check that branch too.
        Mock.SetupGet(c => c.Version).Returns(() => Version!);
        Mock.Setup(c => c.SetCustomStatus(It.IsAny<object?>())).Callback<object?>(status =>
        {
            CustomStatus = status;
            _log.Add(new StatusSet(status));
        });
        Mock.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>()))
            .Returns<DateTime, CancellationToken>(CreateTimer);
        // The non-generic CallActivityAsync is a virtual member (its base calls CallActivityAsync<object>): the orchestrators
        // call it directly, so it is the one set up.
        Mock.Setup(c => c.CallActivityAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns<TaskName, object?, TaskOptions?>((name, activityInput, options) => CallActivity<object?>(name, activityInput, options, scripted: false));
        // The generic members are set up once for any type argument; each call is routed to the typed handler below.
        Mock.Setup(c => c.GetInput<It.IsAnyType>())
            .Returns(new InvocationFunc(call => Typed(nameof(GetInput), call)!));
        Mock.Setup(c => c.CallActivityAsync<It.IsAnyType>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns(new InvocationFunc(call => Typed(nameof(CallScriptedActivity), call)!));
        Mock.Setup(c => c.WaitForExternalEvent<It.IsAnyType>(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns(new InvocationFunc(call => Typed(nameof(WaitForExternalEvent), call)!));
        Mock.Setup(c => c.CallSubOrchestratorAsync<It.IsAnyType>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns(new InvocationFunc(call => Typed(nameof(CallSubOrchestrator), call)!));
    }

    public Mock<TaskOrchestrationContext> Mock { get; } = new(MockBehavior.Strict);

    public object? Input { get; }

    public string? Version { get; set; }

    public string InstanceId { get; set; } = "referral-1";

    /// <summary>The orchestration's clock: moves only when a timer fires (to its time) or the test moves it.</summary>
    public DateTime Now { get; set; }

    /// <summary>The last custom status set.</summary>
    public object? CustomStatus { get; private set; }

    /// <summary>Everything the orchestrator did, in order: <see cref="ActivityCall"/>, <see cref="TimerCall"/>,
    /// <see cref="EventWait"/>, <see cref="StatusSet"/>, <see cref="SubOrchestrationCall"/>.</summary>
    public IReadOnlyList<object> Log => _log;

    public IReadOnlyList<ActivityCall> Activities => [.. _log.OfType<ActivityCall>()];

    public IReadOnlyList<string> ActivityNames => [.. Activities.Select(a => a.Name)];

    public IReadOnlyList<TimerCall> Timers => [.. _log.OfType<TimerCall>()];

    public IReadOnlyList<TimerCall> PendingTimers => [.. Timers.Where(t => !t.Task.IsCompleted)];

    public IReadOnlyList<T> Statuses<T>() => [.. _log.OfType<StatusSet>().Select(s => s.Status).OfType<T>()];

    public IReadOnlyList<SubOrchestrationCall> SubOrchestrations => [.. _log.OfType<SubOrchestrationCall>()];

    /// <summary>Names of the events the orchestrator is waiting for now (one entry per pending waiter).</summary>
    public IReadOnlyList<string> WaitingFor => [.. _waiters.Where(w => !w.Task.IsCompleted).Select(w => w.Name)];

    public bool IsRunning => _run is { IsCompleted: false };

    /// <summary>What the orchestrator returned (rethrows what it threw); fails when it is still waiting.</summary>
    public string Result
    {
        get
        {
            if (_run is null || !_run.IsCompleted)
            {
                throw new InvalidOperationException($"The orchestration is still running: waiting for [{string.Join(", ", WaitingFor)}], timers at [{string.Join(", ", PendingTimers.Select(t => t.FireAt.ToString("O")))}].");
            }

            return _run.GetAwaiter().GetResult();
        }
    }

    /// <summary>Scripted as an activity's result: the call never completes (an activity still inside its retry policy).</summary>
    public static object StillRunning { get; } = new();

    /// <summary>Scripts an activity's result for every call (an <see cref="Exception"/> fails the call with it).</summary>
    public OrchestrationContextMock Returns(string activity, object? result) => OnActivity(activity, _ => result);

    /// <summary>Scripts an activity's results call by call; the last one repeats.</summary>
    public OrchestrationContextMock ReturnsInOrder(string activity, params object?[] results)
    {
        var queue = new Queue<object?>(results);
        return OnActivity(activity, _ => queue.Count > 1 ? queue.Dequeue() : queue.Peek());
    }

    public OrchestrationContextMock OnActivity(string activity, Func<ActivityCall, object?> respond)
    {
        _activities[activity] = respond;
        return this;
    }

    public OrchestrationContextMock SubOrchestrationReturns(Func<SubOrchestrationCall, object?> respond)
    {
        _subOrchestration = respond;
        return this;
    }

    /// <summary>Starts the orchestrator and runs it until it waits for an event or a timer, or ends.</summary>
    public OrchestrationContextMock Start(Func<TaskOrchestrationContext, Task<string>> orchestrator)
    {
        if (_run is not null)
        {
            throw new InvalidOperationException("Already started.");
        }

        _pump.Post(_ => _run = orchestrator(Mock.Object), null);
        _pump.Drain();
        return this;
    }

    /// <summary>Raises an event (converted to the awaited type through JSON, as the engine does) and runs on.</summary>
    public OrchestrationContextMock Raise(string name, object? payload) => RaiseTogether((name, payload));

    /// <summary>Raises several events in one batch: all are delivered before the orchestrator runs on.</summary>
    public OrchestrationContextMock RaiseTogether(params (string Name, object? Payload)[] events)
    {
        foreach (var (name, payload) in events)
        {
            var waiter = _waiters.LastOrDefault(w => w.Name == name && !w.Task.IsCompleted);
            if (waiter is null)
            {
                _buffered.Add((name, payload));
            }
            else
            {
                waiter.Deliver(payload);
            }
        }

        _pump.Drain();
        return this;
    }

    /// <summary>Fires the one pending timer, moving the clock to its time (never back), and runs on.</summary>
    public DateTime FireTimer()
    {
        var pending = PendingTimers;
        if (pending.Count != 1)
        {
            throw new InvalidOperationException($"Expected one pending timer, found {pending.Count}.");
        }

        var timer = pending[0];
        if (timer.FireAt > Now)
        {
            Now = timer.FireAt;
        }

        timer.Fire();
        _pump.Drain();
        return timer.FireAt;
    }

    private object? Typed(string handler, IInvocation call) =>
        typeof(OrchestrationContextMock).GetMethod(handler, BindingFlags.Instance | BindingFlags.NonPublic)!
            .MakeGenericMethod(call.Method.GetGenericArguments())
            .Invoke(this, [.. call.Arguments]);

    private T? GetInput<T>() => Input is T typed ? typed : default;

    private Task<T> CallScriptedActivity<T>(TaskName name, object? input, TaskOptions? options) => CallActivity<T>(name, input, options, scripted: true);

    private Task<T> CallActivity<T>(TaskName name, object? input, TaskOptions? options, bool scripted)
    {
        var call = new ActivityCall(name.Name, Snapshot(input), options);
        _log.Add(call);
        if (!_activities.TryGetValue(call.Name, out var respond))
        {
            return scripted
                ? Task.FromException<T>(new InvalidOperationException($"No result scripted for activity {call.Name}."))
                : Task.FromResult<T>(default!);
        }

        var result = respond(call);
        if (ReferenceEquals(result, StillRunning))
        {
            return new TaskCompletionSource<T>().Task;
        }

        return result is Exception failure ? Task.FromException<T>(failure) : Task.FromResult((T)result!);
    }

    private Task<T> CallSubOrchestrator<T>(TaskName name, object? input, TaskOptions? options)
    {
        var call = new SubOrchestrationCall(name.Name, Snapshot(input), options);
        _log.Add(call);
        if (_subOrchestration is null)
        {
            return new TaskCompletionSource<T>().Task;
        }

        var result = _subOrchestration(call);
        return result is Exception failure ? Task.FromException<T>(failure) : Task.FromResult((T)result!);
    }

    private Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken)
    {
        var timer = new TimerCall(fireAt);
        _log.Add(timer);
        cancellationToken.Register(timer.Cancel);
        return timer.Task;
    }

    private Task<T> WaitForExternalEvent<T>(string name, CancellationToken cancellationToken)
    {
        _log.Add(new EventWait(name, typeof(T)));
        var waiter = new EventWaiter<T>(name);
        var buffered = _buffered.FindIndex(e => e.Name == name);
        if (buffered >= 0)
        {
            var payload = _buffered[buffered].Payload;
            _buffered.RemoveAt(buffered);
            waiter.Deliver(payload);
        }

        _waiters.Add(waiter);
        cancellationToken.Register(waiter.Cancel);
        return waiter.Typed;
    }

    private static object? Snapshot(object? input) =>
        input is null ? null : JsonSerializer.Deserialize(JsonSerializer.Serialize(input, input.GetType()), input.GetType());

    private abstract class EventWaiter(string name)
    {
        public string Name { get; } = name;

        public abstract Task Task { get; }

        public abstract void Deliver(object? payload);

        public abstract void Cancel();
    }

    private sealed class EventWaiter<T>(string name) : EventWaiter(name)
    {
        private readonly TaskCompletionSource<T> _source = new();

        public Task<T> Typed => _source.Task;

        public override Task Task => _source.Task;

        public override void Deliver(object? payload) =>
            _source.TrySetResult(payload is T typed ? typed : JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(payload))!);

        public override void Cancel() => _source.TrySetCanceled();
    }

    /// <summary>Runs posted continuations one by one on the test's thread until none is left.</summary>
    private sealed class Pump : SynchronizationContext
    {
        private readonly Queue<(SendOrPostCallback Callback, object? State)> _queue = new();

        public override void Post(SendOrPostCallback d, object? state) => _queue.Enqueue((d, state));

        public override void Send(SendOrPostCallback d, object? state) => d(state);

        public void Drain()
        {
            var previous = Current;
            SetSynchronizationContext(this);
            try
            {
                while (_queue.TryDequeue(out var item))
                {
                    item.Callback(item.State);
                }
            }
            finally
            {
                SetSynchronizationContext(previous);
            }
        }
    }
}

/// <param name="Input">A JSON copy of the input as it was when the activity was called.</param>
public sealed record ActivityCall(string Name, object? Input, TaskOptions? Options)
{
    public T InputAs<T>() => Assert.IsType<T>(Input);

    public RetryPolicy? Retry => Options?.Retry?.Policy;
}

public sealed record SubOrchestrationCall(string Name, object? Input, TaskOptions? Options);

public sealed record StatusSet(object? Status);

public sealed record EventWait(string Name, Type PayloadType);

public sealed class TimerCall(DateTime fireAt)
{
    private readonly TaskCompletionSource _source = new();

    public DateTime FireAt { get; } = fireAt;

    public bool Cancelled => _source.Task.IsCanceled;

    public Task Task => _source.Task;

    internal void Fire() => _source.TrySetResult();

    internal void Cancel() => _source.TrySetCanceled();

    public override string ToString() => $"timer at {FireAt:O}{(Cancelled ? " (cancelled)" : "")}";
}

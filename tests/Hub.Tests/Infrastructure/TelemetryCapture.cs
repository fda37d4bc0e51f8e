using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Hub.Tests.Infrastructure;

/// <summary>A hub's spans and log lines as an exporter would see them (<see cref="HubSetup.CaptureTelemetry"/>). The hub's
/// ActivitySource is process-wide, so spans of other hubs running at the same time arrive here too, from their threads:
/// the span list is locked, and read as a snapshot.</summary>
public sealed class TelemetryCapture
{
    private readonly SpanList _spans = new();
    private TracerProvider? _tracer;

    public ConcurrentQueue<string> LogLines { get; } = new();

    /// <summary>Every span exported so far (a snapshot).</summary>
    public IReadOnlyList<Activity> Spans => _spans.Snapshot();

    internal void Register(IServiceCollection services)
    {
        services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(_spans));
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Trace).AddProvider(new CapturingLoggerProvider(LogLines)));
    }

    /// <summary>Builds the tracer provider (listening from here on), as the worker's host does at start.</summary>
    internal void Start(IServiceProvider services) => _tracer = services.GetRequiredService<TracerProvider>();

    public void Flush() => _tracer?.ForceFlush();

    /// <summary>Spans tagged with <paramref name="tag"/> = <paramref name="value"/>, once <paramref name="done"/> holds for
    /// them: a span is exported when it ends, which can be after the write a test saw (a Task updated inside the span).</summary>
    public Task<IReadOnlyList<Activity>> SpansWhenAsync(string tag, string value, Func<IReadOnlyList<Activity>, bool> done,
        [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(done))] string? condition = null) =>
        Eventually.SeenAsync(() =>
        {
            Flush();
            return (IReadOnlyList<Activity>)Spans.Where(s => (s.GetTagItem(tag) as string) == value).ToList();
        }, done, what: $"spans with {tag}={value}: {condition}");

    private sealed class SpanList : ICollection<Activity>
    {
        private readonly List<Activity> _items = [];
        private readonly Lock _lock = new();

        public int Count
        {
            get
            {
                lock (_lock)
                {
                    return _items.Count;
                }
            }
        }

        public bool IsReadOnly => false;

        public IReadOnlyList<Activity> Snapshot()
        {
            lock (_lock)
            {
                return [.. _items];
            }
        }

        public void Add(Activity item)
        {
            lock (_lock)
            {
                _items.Add(item);
            }
        }

        public void Clear()
        {
            lock (_lock)
            {
                _items.Clear();
            }
        }

        public bool Contains(Activity item) => Snapshot().Contains(item);

        public void CopyTo(Activity[] array, int arrayIndex)
        {
            lock (_lock)
            {
                _items.CopyTo(array, arrayIndex);
            }
        }

        public bool Remove(Activity item)
        {
            lock (_lock)
            {
                return _items.Remove(item);
            }
        }

        public IEnumerator<Activity> GetEnumerator() => Snapshot().GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Capturing(categoryName, lines);

        public void Dispose()
        {
        }

        private sealed class Capturing(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
                lines.Enqueue($"{category} {formatter(state, exception)} {values} {exception}");
            }
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using Azure.Core;
using Azure.Core.Pipeline;
using static System.FormattableString;

namespace Hub.Benchmarks;

/// <summary>Storage requests by table and kind (read, query, write, transaction), with their summed time in flight and
/// the bytes sent and received: where a step's requests go, since on Azurite (one thread) their count, not their
/// size or the hub's own work, sets the time.</summary>
public sealed class RequestCensus : HttpPipelinePolicy
{
    private readonly ConcurrentDictionary<(string Table, string Kind), Tally> _tallies = new();

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("The hub's storage calls are asynchronous.");

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var start = Stopwatch.GetTimestamp();
        await ProcessNextAsync(message, pipeline);
        var path = message.Request.Uri.Path;
        var segment = path[(path.LastIndexOf('/') + 1)..];
        var table = segment.Split('(')[0];
        var kind = table == "$batch" ? "transaction"
            : message.Request.Method == RequestMethod.Get ? segment.Contains("PartitionKey=", StringComparison.Ordinal) ? "read" : "query"
            : message.Request.Method == RequestMethod.Delete ? "delete" : "write";
        var tally = _tallies.GetOrAdd((table, kind), _ => new Tally());
        Interlocked.Increment(ref tally.Count);
        Interlocked.Add(ref tally.Ticks, Stopwatch.GetTimestamp() - start);
        Interlocked.Add(ref tally.Sent, message.Request.Content is { } c && c.TryComputeLength(out var n) ? n : 0);
        Interlocked.Add(ref tally.Received, message.Response.Headers.ContentLength ?? message.Response.ContentStream?.Length ?? 0);
    }

    /// <summary>One line per table and kind, the most time first.</summary>
    public string Summary() => string.Join("; ", _tallies.OrderByDescending(t => t.Value.Ticks).Select(t => Invariant(
        $"{t.Key.Table} {t.Key.Kind} {t.Value.Count:N0} ({Stopwatch.GetElapsedTime(0, t.Value.Ticks).TotalSeconds:N1} s in flight, {t.Value.Sent / 1e6:N1} MB sent, {t.Value.Received / 1e6:N1} MB received)")));

    private sealed class Tally
    {
        public long Count;
        public long Ticks;
        public long Sent;
        public long Received;
    }
}

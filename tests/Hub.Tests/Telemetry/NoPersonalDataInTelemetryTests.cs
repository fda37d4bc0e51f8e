using System.Collections.Concurrent;
using System.Diagnostics;
using Hl7.Fhir.Model;
using Hub.Chase;
using Hub.Platform.Telemetry;
using Hub.Tests.Chase;
using Hub.Tests.FollowUp;
using Hub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Trace;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.Telemetry;

/// <summary>A follow-up hub (the whole life in seconds) whose spans go to memory and whose log lines are all kept, as an exporter would see them.</summary>
public sealed class TelemetryHub : FollowUpHub
{
    public List<Activity> Spans { get; } = [];

    public ConcurrentQueue<string> LogLines { get; } = new();

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(Spans));
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Trace).AddProvider(new CapturingLoggerProvider(LogLines)));
    }

    public override async System.Threading.Tasks.Task InitializeAsync()
    {
        await base.InitializeAsync();
        _ = Services.GetRequiredService<TracerProvider>(); // built (and listening) from here on, as the worker's host does at start
    }

    public void Flush() => Services.GetRequiredService<TracerProvider>().ForceFlush();

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

public sealed class NoPersonalDataInTelemetryTests(TelemetryHub hub) : IClassFixture<TelemetryHub>
{
    [Fact]
    public async System.Threading.Tasks.Task A_referrals_whole_journey_to_write_back_is_one_trace_tagged_with_its_id_and_nothing_personal()
    {
        var (referralId, taskId, _) = await hub.ReferAsync(FollowUpHub.GiveEmail);
        var first = await hub.OfferAsync("alpha", referralId);
        await hub.ConfirmAsync(ProviderLinks.Find(first, "Decline")!, ("reason", "other"), ("note", "Mrs Jones's sister already visits on Tuesdays"));
        var second = await hub.OfferAsync("beta", referralId);
        await hub.ConfirmAsync(ProviderLinks.Find(second, "Accept")!);
        var baseline = await hub.SurveyEmailAsync(referralId, e => e.Subject!.StartsWith("Before you start", StringComparison.Ordinal));
        await SurveyLinks.SendAsync(hub, SurveyLinks.Survey(baseline)!, FollowUpHub.BaselineAnswers);
        var survey = await hub.SurveyEmailAsync(referralId, e => e.Subject!.StartsWith("How are you doing?", StringComparison.Ordinal));
        await SurveyLinks.SendAsync(hub, SurveyLinks.Survey(survey)!, FollowUpHub.FollowUpAnswers);
        await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.Completed);
        hub.Flush();

        var spans = hub.Spans.Where(s => (s.GetTagItem(HubTelemetry.ReferralIdTag) as string) == referralId).ToList();
        var intake = Assert.Single(spans, s => s.DisplayName == "referral.intake");
        foreach (var step in new[] { "chase.plan", "chase.offer", "chase.decline", "chase.accept", "follow-up.plan", "follow-up.survey", "follow-up.write-back", "follow-up.end" })
        {
            Assert.Contains(spans, s => s.DisplayName == step);
        }

        Assert.All(spans, s => Assert.Equal(intake.TraceId, s.TraceId));

        var exported = string.Join('\n', hub.Spans.Select(s => $"{s.DisplayName} {string.Join(' ', s.TagObjects.Select(t => $"{t.Key}={t.Value}"))} {string.Join(' ', s.Events.Select(e => e.Name))}"))
                       + '\n' + string.Join('\n', hub.LogLines);
        Assert.Contains(hub.LogLines, l => l.Contains(referralId, StringComparison.Ordinal)); // the capture really sees the hub's logs
        foreach (var personal in new[] { ReferralExamples.ValidNhsNumber, "Richard", "Smith", "@", "Lives alone", "sister already visits", "Okafor", "LS17" })
        {
            Assert.DoesNotContain(personal, exported, StringComparison.OrdinalIgnoreCase);
        }
    }
}

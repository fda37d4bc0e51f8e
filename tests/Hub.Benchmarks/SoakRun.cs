using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Hub.Chase;
using Hub.Email;
using Hub.FollowUp;
using Hub.Platform;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using SendGrid;

namespace Hub.Benchmarks;

/// <summary>The soak run of issue 13: referrals through their whole (compressed) life on Azurite and the in-process
/// Durable engine, with faults injected at random: SendGrid answering 401/429/503 in bursts, the task hub refusing
/// event raises, table storage answering 503. Each referral follows a scenario chosen at random (accepted and answered,
/// declined then accepted with no answer, never answered, withdrawn, opted out) and must end in exactly the state its
/// scenario expects, with no email step sent twice and nothing stuck without an operator-visible reason.</summary>
/// <remarks>Worker restarts: every 1–3 minutes (seeded) the hub's process is killed and started again
/// (<see cref="TestHub.RestartAsync"/>): the Durable worker with its running activities and orchestrator episodes, the
/// hub's service provider with its singletons and caches. The task hub (the in-memory backend behind its gRPC sidecar),
/// the tables, the mail sink and the practice server stay, as the storage account does. What the dead worker held comes
/// back to the new one after the visibility timeout (host.json's 1 minute unless given), as the Azure Storage queues
/// give it back. A person whose page died with the process opens it again once the hub is up.</remarks>
public static class SoakRun
{
    private enum Scenario
    {
        Answered,
        DeclinedThenNoResponse,
        NeverAnswered,
        Withdrawn,
        OptedOut,
    }

    private static readonly Dictionary<Scenario, string> Expected = new()
    {
        [Scenario.Answered] = "answered",
        [Scenario.DeclinedThenNoResponse] = "no-response",
        [Scenario.NeverAnswered] = "rejected",
        [Scenario.Withdrawn] = "withdrawn",
        [Scenario.OptedOut] = "opted-out",
    };

    private sealed class SoakHub : TestHub
    {
        private int _kills;

        public StorageFaults Storage { get; } = new();

        /// <summary>How many times the process has been killed (a page open across a kill died with it).</summary>
        public int Kills => Volatile.Read(ref _kills);

        /// <summary>Between a kill and the new process being up: nothing can reach the hub.</summary>
        public bool Down { get; private set; }

        public async Task RestartOnceAsync(TimeSpan down, TimeSpan redeliverAfter)
        {
            Down = true;
            Interlocked.Increment(ref _kills);
            try
            {
                await RestartAsync(down, redeliverAfter);
            }
            finally
            {
                Down = false;
            }
        }

        private int _pagesDied;

        /// <summary>A person's request that died with the process (opened again once the hub is up).</summary>
        public int PagesDied => Volatile.Read(ref _pagesDied);

        public void PageDied() => Interlocked.Increment(ref _pagesDied);

        /// <summary>Whether the process has died since <paramref name="kills"/> was read, or is down now.</summary>
        public bool DiedSince(int kills) => Down || Kills != kills;

        /// <summary>Waits until the hub can be reached (a person's browser retrying a site that is down).</summary>
        public async Task UpAsync()
        {
            while (Down)
            {
                await Task.Delay(250);
            }
        }

        /// <summary>The compressed life: minutes where the real one has days, long enough that every simulated person
        /// acts inside its window on a busy 2-core machine, short enough that a referral ends within minutes.</summary>
        protected override void Setup(HubSetup hub)
        {
            hub.Set("Chase:Reminders:0", "00:00:30")
                .Set("Chase:Reminders:1", "00:01:00")
                .Set("Chase:EscalateAfter", "00:01:30")
                .Set("Links:Lifetime", "00:02:00")
                // Development is what lets every follow-up duration shrink; outside it the follow-up must fall in 3–4 months.
                .Set("AZURE_FUNCTIONS_ENVIRONMENT", "Development")
                .Set("FollowUp:FollowUpAfter", "00:00:30")
                .Set("FollowUp:Reminders:0", "00:00:40")
                .Set("FollowUp:Reminders:1", "00:01:20")
                .Set("FollowUp:SurveyWindow", "00:02:00")
                .Set("FollowUp:BaselineWindow", "00:02:00")
                .Set("FollowUp:WriteBackFirstRetry", "00:00:01")
                .Set("FollowUp:WriteBackRetryFor", "00:00:30")
                .WithPracticeFhirServer()
                .WithRestartableWorker()
                .Set("Chase:RetryFirstInterval", "00:00:00.500")
                .Set("Hold:RetryEvery", "00:00:05")
                .Set("PendingEvents:GracePeriod", "00:00:03")
                .AddServices(services => services.Configure<TableClientOptions>("Default", o => o.AddPolicy(Storage, HttpPipelinePosition.PerRetry)))
                .AddServices(services => ProcessAlive.Register(services, this));
        }
    }

    /// <summary>How long a simulated person waits for an email before giving up (the longest wait is the third offer
    /// of a referral whose first two providers let their links expire).</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(8);

    /// <summary>How long every referral is given, from the last one driven, to end.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMinutes(15);

    /// <summary>One process of the hub (one set of its services): once it is killed, whatever of it still runs (an
    /// activity or a page caught mid-way) can no longer reach storage, SendGrid or the practice's server, as a dead
    /// process cannot. Only what it had already sent gets through.</summary>
    private sealed class ProcessAlive(SoakHub hub, int kills) : HttpPipelineSynchronousPolicy
    {
        public bool Dead => hub.Kills != kills;

        public static void Register(IServiceCollection services, SoakHub hub)
        {
            var alive = new ProcessAlive(hub, hub.Kills);
            services.Configure<TableClientOptions>("Default", o => o.AddPolicy(alive, HttpPipelinePosition.PerRetry));
            services.ConfigureHttpClientDefaults(b => b.AddHttpMessageHandler(() => new DeadProcessHandler(alive)));
            var sendGrid = services.Last(d => d.ServiceType == typeof(ISendGridClient));
            services.Remove(sendGrid);
            services.AddSingleton(p => DeadProcessSendGrid.Over((ISendGridClient)sendGrid.ImplementationFactory!(p), alive));
        }

        public override void OnSendingRequest(HttpMessage message)
        {
            if (Dead)
            {
                throw new IOException("The process is dead.");
            }
        }

        private sealed class DeadProcessHandler(ProcessAlive alive) : DelegatingHandler
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
                alive.Dead ? throw new HttpRequestException("The process is dead.") : base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>The hub's SendGrid client, refusing to send once its process is dead.</summary>
    public class DeadProcessSendGrid : DispatchProxy
    {
        private ISendGridClient _inner = null!;
        private Func<bool> _dead = null!;

        internal static ISendGridClient Over(ISendGridClient inner, object alive)
        {
            var proxy = Create<ISendGridClient, DeadProcessSendGrid>();
            var self = (DeadProcessSendGrid)(object)proxy;
            self._inner = inner;
            self._dead = () => ((ProcessAlive)alive).Dead;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            _dead() ? throw new HttpRequestException("The process is dead.") : targetMethod!.Invoke(_inner, args);
    }

    /// <summary>Answers a share of table requests with 503 before they reach Azurite (the SDK then retries them).</summary>
    private sealed class StorageFaults : HttpPipelineSynchronousPolicy
    {
        private long _injected;

        public double Rate { get; set; }

        public long Injected => Interlocked.Read(ref _injected);

        public override void OnSendingRequest(HttpMessage message)
        {
            if (Rate > 0 && Random.Shared.NextDouble() < Rate)
            {
                Interlocked.Increment(ref _injected);
                // As a dropped connection looks to the SDK, which retries it; a run of them reaches the hub's own retries.
                throw new IOException("Injected storage fault.");
            }
        }
    }

    /// <summary>What a page that died with the process shows its person (who opens it again once the hub is up).</summary>
    private const int DiedWithTheProcess = -1;

    /// <summary>How often the hub's process is killed: every 1–3 minutes.</summary>
    private static readonly (TimeSpan Min, TimeSpan Max) RestartEvery = (TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(3));

    /// <summary>How long the process is down before the new one starts (a host starting again).</summary>
    private static readonly (TimeSpan Min, TimeSpan Max) DownFor = (TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));

    public static async Task<int> RunAsync(int referrals, int concurrency, int seed, TimeSpan redeliverAfter)
    {
        var random = new Random(seed);
        var hub = new SoakHub();
        await hub.InitializeAsync();
        var stopwatch = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        using var stopRestarts = new CancellationTokenSource();
        var restarts = new List<(TimeSpan After, TimeSpan Down)>();
        var faults = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        try
        {
            await hub.SeedProvidersAsync();
            var raising = FlakyRaising(hub, faults);
            var index = new EmailIndex(hub.Mail);
            var scenarios = Enumerable.Range(0, referrals).Select(_ => Pick(random)).ToArray();

            hub.Storage.Rate = 0.03;
            var background = Task.WhenAll(
                EmailBurstsAsync(hub, index, faults, seed, stop.Token),
                ReconcileAsync(hub, stop.Token),
                index.RunAsync(stop.Token),
                HeartbeatAsync(hub, index, faults, stopwatch, stop.Token));
            var restarting = RestartsAsync(hub, seed, redeliverAfter, restarts, stopwatch, stopRestarts.Token);

            var outcomes = new ConcurrentDictionary<string, (Scenario Scenario, Life Life)>();
            var driverFailures = new ConcurrentBag<string>();
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < referrals)
                {
                    var life = new Life();
                    try
                    {
                        await DriveAsync(hub, raising, index, scenarios[i], new Random(seed + i), life);
                    }
                    catch (Exception ex) when (life.ReferralId is not null)
                    {
                        // The person gave up waiting (an email never came): the referral is still checked below.
                        driverFailures.Add($"{life.ReferralId}: {scenarios[i]}: {ex.Message}");
                    }

                    outcomes[life.ReferralId!] = (scenarios[i], life);
                    if (outcomes.Count % 25 == 0)
                    {
                        Console.WriteLine($"  {outcomes.Count} referrals driven after {stopwatch.Elapsed.TotalMinutes:F1} min ({driverFailures.Count} waits given up)");
                    }
                }
            }));

            var ended = new Dictionary<string, int>(StringComparer.Ordinal);
            var wrong = new List<string>();
            var stuck = new List<string>();
            var parkedOrHeld = 0;
            // Every referral is given the same few minutes from here to end (waited for together, not one by one).
            var settle = Stopwatch.StartNew();
            Console.WriteLine($"  all {outcomes.Count} driven after {stopwatch.Elapsed.TotalMinutes:F1} min ({driverFailures.Count} waits given up); waiting up to {Settle.TotalMinutes:F0} min for every referral to end");
            var final = await Task.WhenAll(outcomes.Keys.Select(id => WaitEndedAsync(hub, id, Settle - settle.Elapsed)));
            // Restarts go on while referrals end; they stop before the end states are read.
            await stopRestarts.CancelAsync();
            await restarting;
            final = await Task.WhenAll(outcomes.Keys.Select(id => WaitEndedAsync(hub, id, TimeSpan.Zero)));
            var instances = outcomes.Keys.Zip(final).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
            var held = await hub.Get<ReferralHolds>().ListAsync();
            foreach (var (referralId, (scenario, life)) in outcomes)
            {
                var instance = instances[referralId];
                if (instance is not { RuntimeStatus: OrchestrationRuntimeStatus.Completed })
                {
                    var followUp = await Retry(() => hub.Durable.GetInstanceAsync(ReferralInstances.FollowUpInstanceId(referralId), getInputsAndOutputs: true), 15);
                    var visible = held.Any(h => h.ReferralId == referralId) ? "held (operator list)"
                        : ReferralInstances.ProgressOf(followUp)?.Step is ProgressStep.WriteBackParked ? "write-back parked (operator retry)"
                        : "no visible reason";
                    stuck.Add($"{referralId} ({scenario}) chase {instance?.RuntimeStatus} {ReferralInstances.ProgressOf(instance)?.Step}; follow-up {followUp?.RuntimeStatus} "
                              + $"{ReferralInstances.ProgressOf(followUp)?.Step} '{ReferralInstances.ProgressOf(followUp)?.Detail}': {visible}");
                    if (!visible.StartsWith("no", StringComparison.Ordinal))
                    {
                        parkedOrHeld++;
                    }

                    continue;
                }

                var output = instance.ReadOutputAs<string>() ?? "(none)";
                ended[output] = ended.GetValueOrDefault(output) + 1;
                if (output != Expected[scenario])
                {
                    // One entry per referral; what happened to it (to tell a hub fault from a person who gave up: its
                    // emails, step and SendGrid's answer, and its audit trail, ids and codes only) goes on its detail lines.
                    var trail = await hub.Get<AuditTrail>().ReadAsync(referralId);
                    wrong.Add(string.Join("\n    ",
                        $"{referralId}: {scenario} ended {output}",
                        "      emails: " + string.Join(", ", index.Of(referralId).Select(e => $"{e.Step} {e.Email.RespondedWith}")),
                        "      person: " + string.Join(", ", life.Did),
                        "      audit:  " + string.Join(", ", trail.Select(a => $"{a.At:HH:mm:ss} {a.Event}{(a.Outcome is null ? string.Empty : $" ({a.Outcome})")}"))));
                }
            }

            stop.Cancel();
            await background;
            var duplicates = index.Duplicates();
            Console.WriteLine($"Soak run: {referrals} referrals, concurrency {concurrency}, seed {seed}, {Environment.ProcessorCount} cores, {stopwatch.Elapsed.TotalMinutes:F1} min");
            Console.WriteLine("  scenarios: " + string.Join(", ", scenarios.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));
            Console.WriteLine("  ended:     " + string.Join(", ", ended.OrderBy(e => e.Key).Select(e => $"{e.Key} {e.Value}")));
            var intervals = restarts.Select(r => r.After.TotalSeconds).ToArray();
            Console.WriteLine($"  restarts:  {restarts.Count} kills of the hub's process (worker, activities, services), every "
                              + (intervals.Length == 0 ? "-" : $"{intervals.Min():F0}–{intervals.Max():F0} s (mean {intervals.Average():F0} s)")
                              + $", down {(restarts.Count == 0 ? "-" : $"{restarts.Min(r => r.Down.TotalSeconds):F0}–{restarts.Max(r => r.Down.TotalSeconds):F0} s")}; "
                              + $"{hub.Engine.Redelivered} work items a dead worker held given back after {redeliverAfter.TotalSeconds:F0} s; requests that died with the process {hub.PagesDied}");
            Console.WriteLine("  faults:    " + string.Join(", ", faults.OrderBy(f => f.Key).Select(f => $"{f.Key} {f.Value}")) + $", storage-dropped {hub.Storage.Injected}");
            Console.WriteLine($"  emails:    {index.Count} requests to SendGrid, {index.Accepted} accepted; steps sent twice: {duplicates.Count} "
                              + $"(in {duplicates.Select(d => d[..d.IndexOf(':', StringComparison.Ordinal)]).Distinct(StringComparer.Ordinal).Count()} referrals)");
            Console.WriteLine($"  held now:  {held.Count}; wrong end state: {wrong.Count}; not ended: {stuck.Count} ({parkedOrHeld} with an operator-visible reason); a person gave up waiting: {driverFailures.Count}");
            foreach (var line in wrong.Concat(stuck).Concat(duplicates).Concat(driverFailures).Take(60))
            {
                Console.WriteLine("    " + line);
            }

            return wrong.Count == 0 && stuck.Count == parkedOrHeld && duplicates.Count == 0 ? 0 : 1;
        }
        finally
        {
            await stop.CancelAsync();
            await stopRestarts.CancelAsync();
            await hub.DisposeAsync();
        }
    }

    private static Scenario Pick(Random random) => random.Next(100) switch
    {
        < 55 => Scenario.Answered,
        < 70 => Scenario.DeclinedThenNoResponse,
        < 80 => Scenario.NeverAnswered,
        < 90 => Scenario.Withdrawn,
        _ => Scenario.OptedOut,
    };

    /// <summary>One referral's life as the people in it would live it, clicking again when a page says it failed.</summary>
    private sealed class Life
    {
        public string? ReferralId { get; set; }

        /// <summary>What the person did and what each page answered, in order (for a referral that ends wrong).</summary>
        public ConcurrentQueue<string> Did { get; } = new();
    }

    private static async Task DriveAsync(SoakHub hub, DurableTaskClient raising, EmailIndex index, Scenario scenario, Random random, Life life)
    {
        var (referralId, _, _) = await Retry(() => AcrossRestartsAsync(hub, () => hub.ReferAsync()), 15);
        life.ReferralId = referralId;
        var first = await index.WaitAsync(referralId, e => e.Step.StartsWith("offer-", StringComparison.Ordinal), "the first offer");
        var firstProvider = first.Step["offer-".Length..];
        switch (scenario)
        {
            case Scenario.NeverAnswered:
                return;
            case Scenario.Withdrawn:
                await Retry(async () =>
                {
                    var answer = await AcrossRestartsAsync(hub, () => hub.WithdrawAsync(referralId, raising), a => a.Status >= 500);
                    return answer.Status is 200 ? answer : throw new InvalidOperationException($"Withdrawal answered {answer.Status}");
                }, random.NextDouble() < 0.5 ? 3 : 1);
                return;
            case Scenario.DeclinedThenNoResponse:
                await AnswerAsync(hub, raising, first.Email, "Decline", random, life, ("reason", "no-capacity"));
                var second = await index.WaitAsync(referralId, e => e.Step.StartsWith("offer-", StringComparison.Ordinal) && e.Step != first.Step, "the second offer");
                await AnswerAsync(hub, raising, second.Email, "Accept", random, life);
                return;
            default:
                await AnswerAsync(hub, raising, first.Email, "Accept", random, life);
                break;
        }

        var survey = await index.WaitAsync(referralId, e => e.Step.StartsWith("survey-follow-up-survey", StringComparison.Ordinal), "the follow-up survey");
        if (scenario == Scenario.OptedOut)
        {
            await SendSurveyAsync(hub, raising, SurveyLinks.OptOut(survey.Email)!, random, [], life, survey.Step);
        }
        else
        {
            await SendSurveyAsync(hub, raising, SurveyLinks.Survey(survey.Email)!, random, Journey.FollowUpAnswers, life, survey.Step);
        }
    }

    /// <summary>The provider opens the link and confirms; when the page fails (the task hub refused the event), clicks
    /// again now and then, and otherwise leaves it to the reconciler.</summary>
    private static async Task AnswerAsync(SoakHub hub, DurableTaskClient raising, RecordedEmail offer, string action, Random random, Life life, params (string Name, string Value)[] fields)
    {
        var url = ProviderLinks.Find(offer, action)!;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var status = await PageStatusAsync(hub, life, async () =>
            {
                var (_, cookie, csrf) = await ProviderLinks.OpenFormAsync(hub, url);
                return (await ProviderLinks.PostAsync(hub, raising, ProviderLinks.Token(url), csrf, cookie, fields)).Status;
            });
            life.Did.Enqueue($"{action} {status}");
            if (status < 500 || random.NextDouble() < 0.5)
            {
                return;
            }
        }
    }

    private static async Task SendSurveyAsync(SoakHub hub, DurableTaskClient raising, string url, Random random, (string, string)[] fields, Life life, string step)
    {
        var optOut = new Uri(url).AbsolutePath.EndsWith("opt-out", StringComparison.Ordinal);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var status = await PageStatusAsync(hub, life, async () =>
            {
                var page = await SurveyLinks.OpenAsync(hub, url);
                var cookie = page.Headers.SetCookie.ToString().Split(';')[0];
                var csrf = System.Text.RegularExpressions.Regex.Match(page.Body, "name=\"csrf\" value=\"([^\"]+)\"").Groups[1].Value;
                var form = string.Join('&', fields.Append(("t", ProviderLinks.Token(url))).Append(("csrf", csrf)).Select(f => $"{f.Item1}={Uri.EscapeDataString(f.Item2)}"));
                var request = HttpCall.Request("POST", new Uri(url).AbsolutePath, TestHub.Utf8(form), "application/x-www-form-urlencoded");
                request.Headers.Cookie = cookie;
                return (await TestHub.CallAsync(request, r => optOut ? hub.Function<SurveyHttp>().SubmitOptOut(r, raising) : hub.Function<SurveyHttp>().Submit(r, raising))).Status;
            });
            life.Did.Enqueue($"{(optOut ? "opt-out" : "answers")} to {step} {status}");
            if (status < 500 || random.NextDouble() < 0.5)
            {
                return;
            }
        }
    }

    /// <summary>A person's request on a hub that is up; when the process dies under it (an exception, or an error page
    /// from a dying process), the person sends it again once the hub is back, up to five times.</summary>
    private static async Task<T> AcrossRestartsAsync<T>(SoakHub hub, Func<Task<T>> request, Func<T, bool>? failed = null, Life? life = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            await hub.UpAsync();
            var kills = hub.Kills;
            try
            {
                var answer = await request();
                if (failed?.Invoke(answer) is true && hub.DiedSince(kills) && attempt < 5)
                {
                    hub.PageDied();
                    life?.Did.Enqueue("(died with the process, sent again)");
                    continue;
                }

                return answer;
            }
            catch (Exception) when (hub.DiedSince(kills) && attempt < 5)
            {
                hub.PageDied();
                life?.Did.Enqueue("(died with the process, sent again)");
            }
        }
    }

    /// <summary>What the person sees of a page: its status, or a 500 when the engine could not be reached under it.</summary>
    private static async Task<int> PageStatusAsync(SoakHub hub, Life life, Func<Task<int>> open)
    {
        try
        {
            return await AcrossRestartsAsync(hub, open, status => status >= 500, life);
        }
        catch (Exception ex) when (ex is Grpc.Core.RpcException or ObjectDisposedException or TimeoutException or IOException)
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            return 500;
        }
    }

    /// <summary>Kills the hub's process every 1–3 minutes (seeded) and starts it again after a few seconds.</summary>
    private static async Task RestartsAsync(SoakHub hub, int seed, TimeSpan redeliverAfter, List<(TimeSpan After, TimeSpan Down)> restarts, Stopwatch clock, CancellationToken stop)
    {
        var random = new Random(seed ^ 0x7e57a7);
        while (!stop.IsCancellationRequested)
        {
            var after = RestartEvery.Min + (RestartEvery.Max - RestartEvery.Min) * random.NextDouble();
            var down = DownFor.Min + (DownFor.Max - DownFor.Min) * random.NextDouble();
            try
            {
                await Task.Delay(after, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await hub.RestartOnceAsync(down, redeliverAfter);
            restarts.Add((after, down));
            Console.WriteLine($"  [{clock.Elapsed.TotalMinutes:F1} min] restart {restarts.Count}: killed after {after.TotalSeconds:F0} s, down {down.TotalSeconds:F1} s; "
                              + $"{hub.Engine.Redelivered} work items given back so far");
        }
    }

    /// <summary>A task hub client that refuses one event raise in twenty, as a task hub whose queues are unreachable would.</summary>
    private static DurableTaskClient FlakyRaising(SoakHub hub, ConcurrentDictionary<string, int> faults)
    {
        var flaky = new Mock<DurableTaskClient>("flaky") { CallBase = true };
        flaky.Setup(c => c.GetInstanceAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .Returns((string id, bool inputs, CancellationToken ct) => hub.Durable.GetInstanceAsync(id, inputs, ct));
        flaky.Setup(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()))
            .Returns((string id, string name, object? payload, CancellationToken ct) =>
            {
                if (Random.Shared.Next(20) == 0)
                {
                    faults.AddOrUpdate($"raise-refused", 1, (_, n) => n + 1);
                    throw new TimeoutException("Injected: the task hub could not be reached.");
                }

                return hub.Durable.RaiseEventAsync(id, name, payload, ct);
            });
        return flaky.Object;
    }

    /// <summary>Every few seconds, perhaps, a burst of SendGrid refusals: a rotated key (401), throttling (429), an outage
    /// (503). A new burst waits until the one before has been answered to emails (the sink answers queued refusals to
    /// whatever comes next), so that refusals never pile up ahead of the emails while few are being sent.</summary>
    private static async Task EmailBurstsAsync(SoakHub hub, EmailIndex index, ConcurrentDictionary<string, int> faults, int seed, CancellationToken stop)
    {
        var random = new Random(seed ^ 0x5eed);
        int[] kinds = [401, 429, 503];
        var answeredBy = 0;
        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None);
            if (random.NextDouble() < 0.15 && index.Count >= answeredBy)
            {
                var status = kinds[random.Next(kinds.Length)];
                var burst = Enumerable.Repeat(status, random.Next(1, 5)).ToArray();
                hub.Mail.RespondNext(burst);
                answeredBy = index.Count + burst.Length;
                faults.AddOrUpdate($"email-{status}", burst.Length, (_, n) => n + burst.Length);
            }
        }
    }

    /// <summary>A line a minute, so that a long run shows it is moving (emails sent, storage faults so far).</summary>
    private static async Task HeartbeatAsync(SoakHub hub, EmailIndex index, ConcurrentDictionary<string, int> faults, Stopwatch clock, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMinutes(1), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Console.WriteLine($"  [{clock.Elapsed.TotalMinutes:F0} min] {index.Count} emails to SendGrid ({index.Accepted} accepted), "
                              + $"{hub.Storage.Injected} storage faults");
        }
    }

    /// <summary>The reconciler's timer, every few seconds.</summary>
    private static async Task ReconcileAsync(SoakHub hub, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(3), CancellationToken.None);
            var kills = hub.Kills;
            try
            {
                // The process's own timer: it dies with the process and runs again in the new one.
                await hub.UpAsync();
                await hub.Get<PendingEventsReconciler>().ReconcileAsync(hub.Durable, CancellationToken.None);
            }
            catch (Exception) when (hub.DiedSince(kills))
            {
            }
            catch (Exception ex) when (ex is Azure.RequestFailedException or Grpc.Core.RpcException or ObjectDisposedException or IOException)
            {
                // An injected storage fault, or the engine unreachable: the next pass tries again, as the timer would.
            }
        }
    }

    private static async Task<OrchestrationMetadata?> WaitEndedAsync(SoakHub hub, string referralId, TimeSpan within)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            OrchestrationMetadata? instance = null;
            try
            {
                instance = await hub.Durable.GetInstanceAsync(referralId, getInputsAndOutputs: true);
            }
            catch (Exception ex) when (ex is Grpc.Core.RpcException or ObjectDisposedException or InvalidOperationException)
            {
                // The engine could not be reached: ask again.
            }

            if (instance is { IsCompleted: true } || deadline.Elapsed > within || within <= TimeSpan.Zero)
            {
                return instance ?? await Retry(() => hub.Durable.GetInstanceAsync(referralId, getInputsAndOutputs: true), 15);
            }

            await Task.Delay(500);
        }
    }

    private static async Task<T> Retry<T>(Func<Task<T>> action, int attempts = 5)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await action();
            }
            catch (Exception) when (attempt < attempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200 * attempt, 2000)));
            }
        }
    }

    /// <summary>The SendGrid sink's requests by referral and step (read from the custom args the hub sends).</summary>
    private sealed class EmailIndex(SendGridSink sink)
    {
        private readonly ConcurrentDictionary<string, ConcurrentQueue<(string Step, RecordedEmail Email)>> _byReferral = new(StringComparer.Ordinal);
        private int _seen;

        public int Count => _seen;

        public int Accepted => _byReferral.Values.Sum(q => q.Count(e => e.Email.RespondedWith is >= 200 and < 300));

        public async Task RunAsync(CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                Drain();
                await Task.Delay(100, CancellationToken.None);
            }

            Drain();
        }

        private void Drain()
        {
            var emails = sink.Emails;
            for (; _seen < emails.Count; _seen++)
            {
                var email = emails[_seen];
                using var json = JsonDocument.Parse(email.Body);
                // The SendGrid library puts custom args in the (one) personalization.
                var args = json.RootElement.TryGetProperty("personalizations", out var personalizations) && personalizations.GetArrayLength() > 0
                           && personalizations[0].TryGetProperty("custom_args", out var inner) ? inner
                    : json.RootElement.TryGetProperty("custom_args", out var root) ? root : default;
                if (args.ValueKind == JsonValueKind.Object
                    && args.TryGetProperty(EmailSender.ReferralArg, out var referral) && args.TryGetProperty(EmailSender.StepArg, out var step))
                {
                    _byReferral.GetOrAdd(referral.GetString()!, _ => new()).Enqueue((step.GetString()!, email));
                }
            }
        }

        /// <summary>The first accepted email of a referral matching <paramref name="match"/>; fails at the deadline.</summary>
        public async Task<(string Step, RecordedEmail Email)> WaitAsync(string referralId, Func<(string Step, RecordedEmail Email), bool> match, string what, TimeSpan? within = null)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                if (_byReferral.TryGetValue(referralId, out var emails)
                    && emails.FirstOrDefault(e => e.Email.RespondedWith is >= 200 and < 300 && match(e)) is { Email: not null } found)
                {
                    return found;
                }

                if (deadline.Elapsed > (within ?? Patience))
                {
                    throw new TimeoutException($"Referral {referralId}: {what} was never sent.");
                }

                await Task.Delay(200);
            }
        }

        /// <summary>Every request for a referral that reached SendGrid, in order.</summary>
        public IReadOnlyList<(string Step, RecordedEmail Email)> Of(string referralId) =>
            _byReferral.TryGetValue(referralId, out var emails) ? [.. emails] : [];

        public List<string> Duplicates() =>
        [
            .. _byReferral.SelectMany(r => r.Value.Where(e => e.Email.RespondedWith is >= 200 and < 300).GroupBy(e => e.Step)
                .Where(g => g.Count() > 1).Select(g => $"{r.Key}: step {g.Key} accepted {g.Count()} times")),
        ];
    }
}

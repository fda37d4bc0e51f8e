using Azure.Data.Tables;
using Hub.Evidence;
using Hub.FollowUp;
using Hub.Platform.Storage;
using Hub.Referrals;

namespace Hub.Tests.Evidence;

/// <summary>A generated population of referrals with known properties, to show that a report finds what was put in.
/// Seeded, so the same seed gives the same people. Each referral's journey is written the way the hub records it (audit
/// events and survey answers), and the generator counts what it made as it goes: those counts are the truth the report
/// is checked against.
///
/// What is put in, per referral (referred on a day in January–June 2026, at one of <see cref="Practices"/>):
/// <list type="bullet">
/// <item>5% no provider matched; 3% withdrawn while with a provider; 12% declined by two providers (no-capacity, then
/// not-suitable); 80% accepted, half of them by the second provider after the first declined (no-capacity).</item>
/// <item>The accepting provider answers 1–10 days after referral (uniform), and books a first session 7 days later.</item>
/// <item>Of the accepted: 5% withdrawn after acceptance; 10% follow-up not yet due; the rest get the follow-up survey, of
/// whom 70% answer, 20% do not and 10% opt out. Of those who answer, 15% say they never attended.</item>
/// <item>Everyone accepted has a baseline. Life satisfaction starts at N(4.5, 1.5) and moves by +1.5 for those who took
/// part and +0.2 for those who did not (each with N(0, 1) noise); anxiety starts at N(6, 1.5) and moves by −1.0 (took
/// part) or 0; the UCLA-3 total starts at 7 and moves by −1 with probability 0.6 (took part) or 0.1; GP appointments start
/// at 4 ± 2 and fall by 1 with probability 0.6 (took part); A&amp;E attendances start at 0 or 1 and fall to 0 with
/// probability 0.5 when 1. Scores are rounded and kept in range.</item>
/// <item>The accepting provider's progress (drawn from a random stream of its own, so the rest is as without it): 70% of
/// the accepted get a report (contacted the next day); of those 10% decline three days after acceptance, the rest
/// attend a first session 2–14 days after acceptance, 60% of whom have 2–10 sessions reported, and then 50% are
/// finished (goals met) and 20% stopped (health).</item>
/// </list></summary>
public sealed class EvidencePopulation
{
    public static readonly IReadOnlyList<string> Practices = ["P10001", "P10002", "P10003", "P10004"];
    public static readonly IReadOnlyList<string> Providers = ["prov-garden", "prov-walk", "prov-arts"];

    public const double LifeSatisfactionEffect = 1.5;
    public const double LifeSatisfactionComparisonEffect = 0.2;
    public const double AnxietyEffect = -1.0;

    private readonly Random _random;
    private readonly Random _progress;
    private static readonly DateTimeOffset DefaultStart = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly DateTimeOffset _start;

    private readonly IReadOnlyList<string> _practices;
    private readonly IReadOnlyList<string> _providers;
    private readonly IReadOnlyList<int> _practiceWeights;
    private readonly IReadOnlyList<int> _providerWeights;

    /// <param name="practiceWeights">How often each practice is picked relative to the others (equal when not given):
    /// a small weight makes a small practice.</param>
    /// <param name="providers">The providers offered referrals (<see cref="Providers"/> when not given).</param>
    /// <param name="providerWeights">How often each provider is offered a referral first.</param>
    /// <param name="start">The first day referrals are made on (1 January 2026 when not given); they spread over 181 days.</param>
    public EvidencePopulation(int seed, int referrals, IReadOnlyList<string>? practices = null, IReadOnlyList<int>? practiceWeights = null,
        IReadOnlyList<string>? providers = null, IReadOnlyList<int>? providerWeights = null, DateTimeOffset? start = null)
    {
        _start = start ?? DefaultStart;
        _random = new Random(seed);
        _progress = new Random(unchecked((seed * 7919) + 15));
        _practices = practices ?? Practices;
        _providers = providers ?? Providers;
        _practiceWeights = practiceWeights ?? _practices.Select(_ => 1).ToList();
        _providerWeights = providerWeights ?? _providers.Select(_ => 1).ToList();
        for (var i = 0; i < referrals; i++)
        {
            Referrals.Add(Make($"gen-{seed}-{i:D6}"));
        }
    }

    public List<GeneratedReferral> Referrals { get; } = [];

    /// <summary>What was put in, counted as it was made.</summary>
    public Dictionary<string, int> Expected { get; } = new(StringComparer.Ordinal);

    /// <summary>The evidence rows, through the hub's own reading of the journey.</summary>
    public IReadOnlyList<EvidenceRow> Rows() =>
        Referrals.Select(r => ReferralJourney.From(r.ReferralId, r.PracticeOds, r.Events, r.Responses)!).ToList();

    public int ExpectedOf(string key) => Expected.GetValueOrDefault(key);

    /// <summary>Days from acceptance to the first session the providers reported, one per person.</summary>
    public List<double> ExpectedDaysToFirstSession { get; } = [];

    /// <summary>Sessions attended as the providers last reported them, one per person.</summary>
    public List<double> ExpectedSessions { get; } = [];

    /// <summary>Writes the population into the hub's tables as the hub itself would have: the referral rows, the audit
    /// trail and the survey answers.</summary>
    public async Task WriteAsync(HubTables tables)
    {
        // The hub's stores note each referral they write in the referral-changes index, before writing it.
        await new ReferralChanges(tables).NoteAsync(Referrals.Select(r => new ReferralNote(r.ReferralId, r.PracticeOds, Source: r.Responses.Count > 0 ? NotedSource.Answers : null)).ToList());
        var referrals = await tables.GetAsync(ReferralStore.Table);
        var audit = await tables.GetAsync(AuditTrail.Table);
        var responses = await tables.GetAsync(FollowUpStore.SurveyResponses);
        var batches = new List<(TableClient Table, List<TableTransactionAction> Actions)>();
        foreach (var practice in Referrals.GroupBy(r => r.PracticeOds))
        {
            foreach (var chunk in practice.Chunk(100))
            {
                batches.Add((referrals, chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                    new TableEntity(r.PracticeOds, r.ReferralId) { ["Status"] = "active", ["Channel"] = "http" })).ToList()));
            }

            foreach (var chunk in practice.SelectMany(r => r.Responses).Chunk(100))
            {
                batches.Add((responses, chunk.Select(s => new TableTransactionAction(TableTransactionActionType.UpsertReplace, FollowUpStore.EntityOf(s))).ToList()));
            }
        }

        foreach (var referral in Referrals)
        {
            batches.Add((audit, referral.Events.Select((e, i) => new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                AuditTrail.EntityOf(e, $"{e.At.UtcTicks:D19}-{i:D3}"))).ToList()));
        }

        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (batch, ct) =>
            await batch.Table.SubmitTransactionAsync(batch.Actions, ct));
    }

    private GeneratedReferral Make(string id)
    {
        var practice = _practices[Pick(_practiceWeights)];
        var referredAt = _start.AddDays(_random.Next(181)).AddMinutes(_random.Next(600));
        var referral = new GeneratedReferral(id, practice, referredAt);
        Count("referred");
        Count($"referred:{practice}");
        referral.Add(referredAt, "referral-received", "client:gp", "http");

        var pick = Pick(_providerWeights);
        var first = _providers[pick];
        var second = _providers[(pick + 1) % _providers.Count];
        var chase = _random.NextDouble();
        if (chase < 0.05)
        {
            Count("no-provider");
            referral.Add(referredAt.AddMinutes(1), "escalated", "hub", "no-provider");
            return referral;
        }

        referral.Add(referredAt.AddMinutes(1), "offered", $"provider:{first}", "offer");
        if (chase < 0.08)
        {
            Count("withdrawn-before");
            referral.Add(referredAt.AddDays(2), "withdrawn", "hub", first);
            return referral;
        }

        var acceptDays = 1 + (_random.NextDouble() * 9);
        if (chase < 0.20)
        {
            Count("all-declined");
            Count("declined:no-capacity");
            Count("declined:not-suitable");
            referral.Add(referredAt.AddDays(1), "declined", $"provider:{first}", "no-capacity");
            referral.Add(referredAt.AddDays(1).AddMinutes(1), "offered", $"provider:{second}", "offer");
            referral.Add(referredAt.AddDays(2), "declined", $"provider:{second}", "not-suitable");
            referral.Add(referredAt.AddDays(2).AddMinutes(1), "rejected", "hub", $"{first}: no-capacity; {second}: not-suitable");
            return referral;
        }

        var accepting = first;
        if (_random.NextDouble() < 0.5)
        {
            Count("declined:no-capacity");
            referral.Add(referredAt.AddDays(acceptDays / 2), "declined", $"provider:{first}", "no-capacity");
            referral.Add(referredAt.AddDays(acceptDays / 2).AddMinutes(1), "offered", $"provider:{second}", "offer");
            accepting = second;
        }

        Count("accepted");
        Count($"accepted-by:{accepting}");
        var acceptedAt = referredAt.AddDays(acceptDays);
        referral.AcceptDays = acceptDays;
        var session = DateOnly.FromDateTime(acceptedAt.UtcDateTime).AddDays(7);
        referral.Add(acceptedAt, "accepted", $"provider:{accepting}", session.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        referral.Add(acceptedAt.AddMinutes(1), "follow-up-planned", "hub", "baseline:with-referral;survey-to:patient");
        Progress(referral, accepting, acceptedAt);

        var lifeBefore = Clamp(Normal(4.5, 1.5), 0, 10);
        var anxietyBefore = Clamp(Normal(6, 1.5), 0, 10);
        var gpBefore = Clamp(4 + _random.Next(-2, 3), 0, 30);
        var aeBefore = _random.Next(2);
        referral.Responses.Add(Response(id, practice, "baseline", "with-referral", referredAt, new Dictionary<string, decimal>
        {
            ["ons4-life-satisfaction"] = lifeBefore,
            ["ons4-anxiety"] = anxietyBefore,
            ["ucla3-total"] = 7,
            ["gp-appointments-3m"] = gpBefore,
            ["ae-attendances-3m"] = aeBefore,
        }));

        var path = _random.NextDouble();
        if (path < 0.05)
        {
            Count("withdrawn-after");
            referral.Add(acceptedAt.AddDays(20), "withdrawn", "hub", accepting);
            referral.Add(acceptedAt.AddDays(20).AddMinutes(1), "follow-up-ended", "hub", "withdrawn;baseline:with-referral");
            return referral;
        }

        if (path < 0.15)
        {
            Count("engaged");
            Count("not-yet-due");
            return referral;
        }

        var surveyAt = acceptedAt.AddDays(84);
        var response = _random.NextDouble();
        if (response < 0.30)
        {
            Count("engaged");
            Count("followed-up");
            referral.Add(surveyAt, "survey-sent", "patient", "follow-up:survey");
            var outcome = response < 0.20 ? "no-response" : "opted-out";
            Count(outcome);
            if (outcome == "opted-out")
            {
                referral.Add(surveyAt.AddDays(3), "opted-out", "patient", null);
            }

            referral.Add(surveyAt.AddDays(28), "follow-up-ended", "hub", $"{outcome};baseline:with-referral");
            return referral;
        }

        // Answered: 15% say they never attended, and fall out of "engaged" into the comparison group.
        var tookPart = _random.NextDouble() >= 0.15;
        Count(tookPart ? "responded" : "did-not-attend");
        if (tookPart)
        {
            Count("engaged");
            Count("followed-up");
        }

        referral.Add(surveyAt, "survey-sent", "patient", "follow-up:survey");
        referral.Add(surveyAt.AddDays(2), "survey-answered", "patient", "follow-up:complete");
        referral.Add(surveyAt.AddDays(2).AddMinutes(1), "follow-up-ended", "hub", "answered;baseline:with-referral");
        var lifeAfter = Clamp((double)lifeBefore + (tookPart ? LifeSatisfactionEffect : LifeSatisfactionComparisonEffect) + Normal(0, 1), 0, 10);
        var anxietyAfter = Clamp((double)anxietyBefore + (tookPart ? AnxietyEffect : 0) + Normal(0, 1), 0, 10);
        var uclaAfter = _random.NextDouble() < (tookPart ? 0.6 : 0.1) ? 6 : 7;
        var gpAfter = tookPart && _random.NextDouble() < 0.6 ? Math.Max(0, gpBefore - 1) : gpBefore;
        var aeAfter = aeBefore == 1 && _random.NextDouble() < 0.5 ? 0 : aeBefore;
        referral.Responses.Add(Response(id, practice, "follow-up", "patient", surveyAt.AddDays(2), new Dictionary<string, decimal>
        {
            ["ons4-life-satisfaction"] = lifeAfter,
            ["ons4-anxiety"] = anxietyAfter,
            ["ucla3-total"] = uclaAfter,
            ["gp-appointments-3m"] = gpAfter,
            ["ae-attendances-3m"] = aeAfter,
            ["attended"] = tookPart ? 1 : 0,
            ["sessions-attended"] = tookPart ? 1 + _random.Next(8) : 0,
        }));
        return referral;
    }

    /// <summary>The accepting provider's progress reports, as the handover page records them (<c>progress-reported</c>).</summary>
    private void Progress(GeneratedReferral referral, string provider, DateTimeOffset acceptedAt)
    {
        if (_progress.NextDouble() >= 0.7)
        {
            return;
        }

        var actor = $"provider:{provider}";
        Count("provider-reported");
        referral.Add(acceptedAt.AddDays(1), "progress-reported", actor, "contacted");
        if (_progress.NextDouble() < 0.1)
        {
            Count("provider-declined");
            referral.Add(acceptedAt.AddDays(3), "progress-reported", actor, "declined");
            return;
        }

        var days = 2 + _progress.Next(13);
        var first = DateOnly.FromDateTime(acceptedAt.UtcDateTime).AddDays(days);
        Count("provider-attended");
        ExpectedDaysToFirstSession.Add(days);
        referral.Add(acceptedAt.AddDays(days).AddHours(2), "progress-reported", actor, $"first-session:{first:yyyy-MM-dd}");
        var sessions = 1;
        if (_progress.NextDouble() < 0.6)
        {
            sessions = 2 + _progress.Next(9);
            referral.Add(acceptedAt.AddDays(days + 30), "progress-reported", actor, $"sessions:{sessions}");
        }

        ExpectedSessions.Add(sessions);
        var end = _progress.NextDouble();
        if (end < 0.5)
        {
            Count("provider-finished");
            referral.Add(acceptedAt.AddDays(days + 60), "progress-reported", actor, "finished:goals-met");
        }
        else if (end < 0.7)
        {
            Count("provider-stopped");
            referral.Add(acceptedAt.AddDays(days + 40), "progress-reported", actor, "stopped:health");
        }
    }

    private static SurveyResponse Response(string id, string practice, string kind, string source, DateTimeOffset at, Dictionary<string, decimal> measures) =>
        new(id, practice, StoredSpelling.Parse<SurveyKind>(kind), $"https://social-prescribing-hub.nhs.example/Questionnaire/sp-{kind}", StoredSpelling.Parse<AnswerSource>(source), at, true, measures, 1, WriteBackState.Written);

    private int Pick(IReadOnlyList<int> weights)
    {
        var roll = _random.Next(weights.Sum());
        for (var i = 0; i < weights.Count; i++)
        {
            roll -= weights[i];
            if (roll < 0)
            {
                return i;
            }
        }

        return weights.Count - 1;
    }

    private void Count(string key) => Expected[key] = Expected.GetValueOrDefault(key) + 1;

    private double Normal(double mean, double sd)
    {
        // Box–Muller: two uniforms to one standard normal.
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return mean + (sd * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }

    private static int Clamp(double value, int low, int high) => (int)Math.Clamp(Math.Round(value), low, high);
}

/// <summary>One generated referral: its practice, its audit events and its survey answers.</summary>
public sealed class GeneratedReferral(string referralId, string practiceOds, DateTimeOffset referredAt)
{
    public string ReferralId { get; } = referralId;

    public string PracticeOds { get; } = practiceOds;

    public DateTimeOffset ReferredAt { get; } = referredAt;

    public double? AcceptDays { get; set; }

    public List<AuditEntry> Events { get; } = [];

    public List<SurveyResponse> Responses { get; } = [];

    public void Add(DateTimeOffset at, string auditEvent, string actor, string? outcome) =>
        Events.Add(new AuditEntry(ReferralId, auditEvent, actor, at, outcome));
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Hub.Access;
using Hub.Chase;
using Hub.Intake;
using Hub.Platform.Http;
using Hub.Referrals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Hub.LinkWork;

/// <summary>What the link worker should do next for an open episode, most pressing first.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NextAction>))]
public enum NextAction
{
    /// <summary>The plan's review date has come.</summary>
    [JsonStringEnumMemberName("review-due")] ReviewDue,
    /// <summary>No contact with the person recorded yet.</summary>
    [JsonStringEnumMemberName("no-contact-yet")] NoContactYet,
    /// <summary>No goal agreed yet.</summary>
    [JsonStringEnumMemberName("no-plan-yet")] NoPlanYet,
    /// <summary>An onward connection is offered and no provider has decided yet (its Task still requested or received).</summary>
    [JsonStringEnumMemberName("connection-awaiting-provider")] ConnectionAwaitingProvider,
    /// <summary>Nothing due: the plan runs until its review.</summary>
    [JsonStringEnumMemberName("none")] None,
}

/// <summary>One open episode of the caseload: ids, counts, dates and the next action (nothing of the person).</summary>
public sealed record CaseloadEntry(string ReferralId, string ServiceId, string TaskId, string NextAction, int Contacts, int Goals, string? ReviewDate, string Started);

/// <summary>A link-worker service's caseload: its open episodes (not closed, the service still holding the referral),
/// each with its next action, review due first, then no contact yet, oldest first. Read by the service's provider key.
/// An onward connection (<see cref="OnwardReferralIndex"/>) whose Task is still requested or received is awaiting a provider.</summary>
public sealed class Caseload(EpisodeStore episodes, ProviderWork work, OnwardReferralIndex onward, ReferralTaskProgress tasks, TimeProvider time)
{
    public static NextAction Next(Episode episode, DateOnly today, bool connectionAwaitingProvider = false) =>
        episode.ReviewDate is { } review && review <= today ? NextAction.ReviewDue
        : episode.Contacts.Count == 0 ? NextAction.NoContactYet
        : episode.Goals.Count == 0 ? NextAction.NoPlanYet
        : connectionAwaitingProvider ? NextAction.ConnectionAwaitingProvider
        : NextAction.None;

    /// <summary>Whether one of the referral's onward connections is offered and still undecided.</summary>
    public async Task<bool> ConnectionAwaitingProviderAsync(string referralId, CancellationToken cancellationToken = default)
    {
        foreach (var child in await onward.ChildrenAsync(referralId, cancellationToken))
        {
            var task = await tasks.ReadAsync(child.PracticeOds, child.TaskId, cancellationToken);
            if (task?.Status is Hl7.Fhir.Model.Task.TaskStatus.Requested or Hl7.Fhir.Model.Task.TaskStatus.Received)
            {
                return true;
            }
        }

        return false;
    }

    public async Task<IReadOnlyList<CaseloadEntry>> ListAsync(Caller caller, CancellationToken cancellationToken = default)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var found = new List<(NextAction Next, Episode Episode)>();
        foreach (var serviceId in caller.Providers.Order(StringComparer.Ordinal))
        {
            await foreach (var episode in episodes.OpenAsync(serviceId, cancellationToken))
            {
                if (await work.FindByReferralAsync(caller, episode.ReferralId, cancellationToken) is { Sight: ProviderSight.Owned } seen && seen.ProviderId == episode.ServiceId)
                {
                    var next = Next(episode, today);
                    if (next == NextAction.None && await ConnectionAwaitingProviderAsync(episode.ReferralId, cancellationToken))
                    {
                        next = NextAction.ConnectionAwaitingProvider;
                    }

                    found.Add((next, episode));
                }
            }
        }

        return [.. found.OrderBy(f => f.Next).ThenBy(f => f.Episode.Started).Select(f => new CaseloadEntry(f.Episode.ReferralId, f.Episode.ServiceId, f.Episode.TaskId,
            f.Next.Spelling(), f.Episode.Contacts.Count, f.Episode.Goals.Count, f.Episode.ReviewDate?.ToString("O", CultureInfo.InvariantCulture),
            f.Episode.Started.ToString("O", CultureInfo.InvariantCulture)))];
    }
}

/// <summary><c>GET provider/caseload</c> for a link-worker service's provider key: its open episodes with their next
/// action (JSON). Opened with a sign-in link instead (<c>?t=</c>, no key): the same caseload as a page for people, the
/// link used up (<see cref="CaseloadSignIn"/>).</summary>
public sealed class CaseloadHttp(ApiKeys keys, Caseload caseload, CaseloadSignIn signIn, FhirHttp http)
{
    public const string Route = "provider/caseload";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Function("ReadCaseload")]
    public async Task<IActionResult> Read([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest request)
    {
        if (request.Query.ContainsKey("t") && string.IsNullOrEmpty(ApiKeyHeader.From(request)))
        {
            return await PageAsync(request);
        }

        var caller = await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted);
        if (caller is null)
        {
            return http.Unauthorized(request);
        }

        var entries = caller.IsProvider ? await caseload.ListAsync(caller, request.HttpContext.RequestAborted) : [];
        return new BodyResult(200, "application/json; charset=utf-8", JsonSerializer.SerializeToUtf8Bytes(new { episodes = entries }, Json),
            new Dictionary<string, string> { ["Cache-Control"] = "no-store" });
    }

    private async Task<IActionResult> PageAsync(HttpRequest request)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        var (state, serviceId) = await signIn.UseAsync(request.Query["t"].ToString(), cancellationToken);
        if (state != CaseloadSignInState.Open)
        {
            return CaseloadPage.Refused(state, serviceId);
        }

        // The service acts through its own signed link, as on its other pages.
        var caller = new Caller($"provider-link:{serviceId}", "signed-link", new HashSet<string>(), Role: KeyRole.Provider, ProviderIds: new HashSet<string> { serviceId! });
        var entries = await caseload.ListAsync(caller, cancellationToken);
        return CaseloadPage.Show(entries, e => signIn.EpisodeLink(e.ServiceId, e.ReferralId));
    }
}

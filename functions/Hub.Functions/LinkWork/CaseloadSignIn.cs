using System.Globalization;
using Hub.Access;
using Hub.Chase;
using Hub.Email;
using Hub.Platform.Storage;
using Hub.Providers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hub.LinkWork;

/// <summary>How the caseload's sign-in link behaves (<c>Caseload:SignInLifetime</c>).</summary>
public sealed class CaseloadSignInOptions
{
    public const string Section = "Caseload";

    /// <summary>How long an emailed sign-in link opens the caseload page (once). Short: the page lists the service's
    /// open episodes and links to each one.</summary>
    public TimeSpan SignInLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>At most this many sign-in requests per address typed, per service id and per service found, within
    /// <see cref="SignInLimitWindow"/> (<c>Caseload:SignInLimit</c>, default 3; 0 for no limit).</summary>
    public int SignInLimit { get; set; } = 3;

    /// <summary>The window of <see cref="SignInLimit"/>, from the first request (<c>Caseload:SignInLimitWindow</c>, default 1 hour).</summary>
    public TimeSpan SignInLimitWindow { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>What a sign-in request came to, as the page may tell it: never whether an address is registered.</summary>
public enum SignInRequestResult
{
    /// <summary>Taken: a link went to the service, if there is one.</summary>
    Taken,
    /// <summary>The address or service id typed was asked for too often: told to wait, whether or not it is registered.</summary>
    Limited,
}

/// <summary>What a caseload sign-in link opens.</summary>
public enum CaseloadSignInState
{
    Open,
    Invalid,
    Expired,
    /// <summary>The link was used already: each opens the caseload once.</summary>
    Used,
}

/// <summary>The caseload sign-in: a link-worker service asks for a single-use link by its id or its registered email
/// address, and the hub emails it to the service's registered directory address only. Whatever was asked, nothing says
/// whether an address is registered. Each link carries a fresh id, used once on <see cref="LinkUses"/>.</summary>
public sealed partial class CaseloadSignIn(SignedLinks links, LinkUses uses, ProviderDirectory directory, EmailSender email, IOptions<CaseloadSignInOptions> options,
    IOptions<HandoverOptions> handover, CaseloadSignInLimits limits, ILogger<CaseloadSignIn> logger, TimeProvider time)
{
    public const string Audience = "caseload";
    public const string SignInAction = "sign-in";

    /// <summary>Emails a sign-in link to the link-worker service named by <paramref name="serviceId"/> or registered
    /// under <paramref name="address"/>, if there is one; silently nothing otherwise. Limited
    /// (<see cref="CaseloadSignInLimits"/>): what was typed, address or service id, counts whether or not it is registered,
    /// and its limit is told (<see cref="SignInRequestResult.Limited"/>) alike for both; the service found counts too, and
    /// past its limit nothing is sent, silently, since telling would say the address is registered.</summary>
    public async Task<SignInRequestResult> RequestAsync(string? serviceId, string? address, CancellationToken cancellationToken = default)
    {
        var typed = new List<(string Kind, string Key)>();
        if (!string.IsNullOrWhiteSpace(address))
        {
            typed.Add(("address", address));
        }

        if (!string.IsNullOrWhiteSpace(serviceId))
        {
            typed.Add(("service", serviceId));
        }

        foreach (var (kind, key) in typed)
        {
            if (!await limits.TryTakeAsync(kind, key, cancellationToken))
            {
                LogLimited(logger, kind);
                return SignInRequestResult.Limited;
            }
        }

        var service = await FindAsync(serviceId?.Trim(), address?.Trim(), cancellationToken);
        if (service is null)
        {
            return SignInRequestResult.Taken;
        }

        if (!await limits.TryTakeAsync("provider", service.Id, cancellationToken))
        {
            LogLimited(logger, "provider");
            return SignInRequestResult.Taken;
        }

        var nonce = Guid.NewGuid().ToString("N");
        var lifetime = options.Value.SignInLifetime;
        var token = links.Create(Audience, nonce, service.Id, SignInAction, lifetime);
        var url = links.Url(CaseloadHttp.Route, token);
        var until = (time.GetUtcNow() + lifetime).ToString("HH:mm 'UTC on' d MMMM yyyy", CultureInfo.InvariantCulture);
        var text = $"Dear {service.Name},\n\nHere is the sign-in link you asked for, to your caseload on the referral hub:\n  Open: {url}\n\n" +
            $"It works once, until {until}. If you did not ask for it, you can ignore this email.\n";
        var html = $"<p>Dear {System.Net.WebUtility.HtmlEncode(service.Name)},</p><p>Here is the sign-in link you asked for, to your caseload on the referral hub:</p>" +
            $"<p><a href=\"{System.Net.WebUtility.HtmlEncode(url)}\">Open your caseload</a></p><p>It works once, until {until}. If you did not ask for it, you can ignore this email.</p>";
        await email.SendOnceAsync($"caseload-{service.Id}", $"sign-in-{nonce}", new EmailMessage(service.Emails[0], service.Name, "Your sign-in link to your caseload", text, html), cancellationToken);
        return SignInRequestResult.Taken;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A caseload sign-in request was limited (too many for one {Kind})")]
    private static partial void LogLimited(ILogger logger, string kind);

    private async Task<Provider?> FindAsync(string? serviceId, string? address, CancellationToken cancellationToken)
    {
        static bool Fits(Provider? p) => p is { Status: ProviderStatus.Active, Emails.Count: > 0 } && p.Categories.Contains(ActivityCategories.LinkWorker) && TableKeys.IsSafe($"caseload-{p.Id}");
        if (!string.IsNullOrEmpty(address))
        {
            var found = (await directory.ListAsync(cancellationToken)).FirstOrDefault(p => Fits(p) && p.Emails.Any(e => string.Equals(e.Trim(), address, StringComparison.OrdinalIgnoreCase)));
            return found is not null && (string.IsNullOrEmpty(serviceId) || found.Id == serviceId) ? found : null;
        }

        return !string.IsNullOrEmpty(serviceId) && TableKeys.IsSafe(serviceId) && await directory.GetAsync(serviceId, cancellationToken) is { } service && Fits(service) ? service : null;
    }

    /// <summary>Opens a sign-in link, using it up: the service it signs in, or why not.</summary>
    public async Task<(CaseloadSignInState State, string? ServiceId)> UseAsync(string? token, CancellationToken cancellationToken = default)
    {
        var (check, claims) = links.Read(token, Audience);
        if (claims is null || claims.Action != SignInAction || check is not (LinkCheck.Valid or LinkCheck.Expired) || !TableKeys.IsSafe(claims.ReferralId) || !TableKeys.IsSafe(claims.SubjectId))
        {
            return (CaseloadSignInState.Invalid, null);
        }

        if (check == LinkCheck.Expired)
        {
            return (CaseloadSignInState.Expired, claims.SubjectId);
        }

        var earlier = await uses.TryUseAsync(new LinkUse(claims.ReferralId, Audience, claims.SubjectId, SignInAction, time.GetUtcNow()), cancellationToken);
        return earlier is null ? (CaseloadSignInState.Open, claims.SubjectId) : (CaseloadSignInState.Used, claims.SubjectId);
    }

    /// <summary>A fresh link to one episode page of the caseload (the handover link's kind, the handover's lifetime).</summary>
    public string EpisodeLink(string serviceId, string referralId) =>
        $"/api/{EpisodeHttp.Route}?t={Uri.EscapeDataString(links.Create(ChaseActivities.ProviderAudience, referralId, serviceId, ProviderHandovers.HandoverAction, handover.Value.FreshLinkLifetime))}";
}

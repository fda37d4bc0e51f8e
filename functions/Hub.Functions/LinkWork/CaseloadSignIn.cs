using System.Globalization;
using Hub.Access;
using Hub.Chase;
using Hub.Email;
using Hub.Platform.Storage;
using Hub.Providers;
using Microsoft.Extensions.Options;

namespace Hub.LinkWork;

/// <summary>How the caseload's sign-in link behaves (<c>Caseload:SignInLifetime</c>).</summary>
public sealed class CaseloadSignInOptions
{
    public const string Section = "Caseload";

    /// <summary>How long an emailed sign-in link opens the caseload page (once). Short: the page lists the service's
    /// open episodes and links to each one.</summary>
    public TimeSpan SignInLifetime { get; set; } = TimeSpan.FromMinutes(15);
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
public sealed class CaseloadSignIn(SignedLinks links, LinkUses uses, ProviderDirectory directory, EmailSender email, IOptions<CaseloadSignInOptions> options,
    IOptions<HandoverOptions> handover, TimeProvider time)
{
    public const string Audience = "caseload";
    public const string SignInAction = "sign-in";

    /// <summary>Emails a sign-in link to the link-worker service named by <paramref name="serviceId"/> or registered
    /// under <paramref name="address"/>, if there is one; silently nothing otherwise.</summary>
    public async Task RequestAsync(string? serviceId, string? address, CancellationToken cancellationToken = default)
    {
        var service = await FindAsync(serviceId?.Trim(), address?.Trim(), cancellationToken);
        if (service is null)
        {
            return;
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
    }

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

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Hub.Access;

/// <summary>Settings for the signed links in emails (configuration section <c>Links</c>).</summary>
public sealed class LinkOptions
{
    public const string Section = "Links";

    /// <summary>Signing keys by key id. The current one signs; every listed one still verifies, so a key can be rotated
    /// by adding a new id, making it current, and removing the old id once its links have expired.</summary>
    public Dictionary<string, string> SigningKeys { get; set; } = [];

    public string CurrentKeyId { get; set; } = string.Empty;

    /// <summary>How long a provider's link works (survey links last as long as their survey's window).</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>The public base URL links point at (e.g. https://hub.example.nhs.uk); the host's own URL when empty.</summary>
    public string? BaseUrl { get; set; }
}

/// <summary>What a link lets its holder do: act on one referral, as one party (audience and subject), once.</summary>
/// <param name="Audience">Who the link is for: <c>provider</c> or <c>patient</c>.</param>
/// <param name="SubjectId">The provider's id for provider links.</param>
/// <param name="Action">What the link does: <c>accept</c>, <c>decline</c>, <c>survey</c>…</param>
public sealed record LinkClaims(string KeyId, string Audience, string ReferralId, string SubjectId, string Action, DateTimeOffset ExpiresAt);

public enum LinkCheck
{
    Valid,
    Malformed,
    Tampered,
    Expired,
    WrongAudience,
}

/// <summary>Signs and checks the tokens in email links: HMAC-SHA256 over key id, audience, referral id, subject id,
/// action and expiry, base64url. Links carry ids only, never personal data.</summary>
public sealed class SignedLinks
{
    private const string Version = "v1";
    private readonly LinkOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, byte[]> _keys;

    public SignedLinks(IOptions<LinkOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        _keys = _options.SigningKeys.ToDictionary(k => k.Key, k => Encoding.UTF8.GetBytes(k.Value), StringComparer.Ordinal);
    }

    /// <summary>Refuses configurations that would sign with a weak or missing key: an unresolved Key Vault reference
    /// arrives as its own literal text, which must never become a signing key.</summary>
    public static string? Problem(LinkOptions options)
    {
        if (!options.SigningKeys.TryGetValue(options.CurrentKeyId, out var current))
        {
            return $"Links:CurrentKeyId '{options.CurrentKeyId}' names no key in Links:SigningKeys.";
        }

        foreach (var (id, key) in options.SigningKeys)
        {
            if (key.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
            {
                return $"Links:SigningKeys:{id} is an unresolved Key Vault reference; the app cannot read the secret.";
            }

            if (key.Length < 32 || id.Contains('.', StringComparison.Ordinal))
            {
                return $"Links:SigningKeys:{id} must be at least 32 characters, and key ids may not contain '.'.";
            }
        }

        return current is null ? "No current signing key." : null;
    }

    public string Create(string audience, string referralId, string subjectId, string action, TimeSpan? lifetime = null)
    {
        var expires = _time.GetUtcNow() + (lifetime ?? _options.Lifetime);
        var payload = string.Join('\n', audience, referralId, subjectId, action, expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        var body = Base64Url(Encoding.UTF8.GetBytes(payload));
        var kid = _options.CurrentKeyId;
        return $"{Version}.{kid}.{body}.{Sign(kid, body)}";
    }

    /// <summary>Checks a token. Claims come back for an expired token too (so a page can say which referral it was about),
    /// never for a malformed or tampered one.</summary>
    public (LinkCheck Check, LinkClaims? Claims) Read(string? token, string audience)
    {
        var parts = token?.Split('.');
        if (parts is not [Version, var kid, var body, var mac] || !_keys.ContainsKey(kid))
        {
            return (parts is [Version, _, _, _] ? LinkCheck.Tampered : LinkCheck.Malformed, null);
        }

        var expected = Encoding.ASCII.GetBytes(Sign(kid, body));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(mac)))
        {
            return (LinkCheck.Tampered, null);
        }

        string[] fields;
        try
        {
            fields = Encoding.UTF8.GetString(FromBase64Url(body)).Split('\n');
        }
        catch (FormatException)
        {
            return (LinkCheck.Malformed, null);
        }

        if (fields is not [var aud, var referralId, var subjectId, var action, var expiry]
            || !long.TryParse(expiry, NumberStyles.None, CultureInfo.InvariantCulture, out var unix))
        {
            return (LinkCheck.Malformed, null);
        }

        var claims = new LinkClaims(kid, aud, referralId, subjectId, action, DateTimeOffset.FromUnixTimeSeconds(unix));
        if (aud != audience)
        {
            return (LinkCheck.WrongAudience, null);
        }

        return (claims.ExpiresAt <= _time.GetUtcNow() ? LinkCheck.Expired : LinkCheck.Valid, claims);
    }

    /// <summary>The full URL of a page with a token, under the public base URL.</summary>
    public string Url(string path, string token, string? fallbackBase = null) =>
        $"{(_options.BaseUrl ?? fallbackBase ?? "http://localhost:7071").TrimEnd('/')}/api/{path}?t={Uri.EscapeDataString(token)}";

    private string Sign(string kid, string body)
    {
        using var hmac = new HMACSHA256(_keys[kid]);
        return Base64Url(hmac.ComputeHash(Encoding.ASCII.GetBytes($"{Version}.{kid}.{body}")));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '='));
    }
}

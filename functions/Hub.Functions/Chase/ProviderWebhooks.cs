using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Hub.Platform.Storage;
using Microsoft.Extensions.Options;

namespace Hub.Chase;

/// <summary>A provider's webhook: where the hub posts its id-only notifications, and the secret they are signed with.</summary>
public sealed record ProviderWebhook(string ProviderId, string Endpoint, string Secret, DateTimeOffset Since);

/// <summary>The providers' webhooks (table <see cref="Table"/>, one row per HealthcareService id). The secret is made by
/// the hub, given once to the admin who registers the endpoint (again on every registration, which replaces it), and kept
/// to sign with.</summary>
public sealed class ProviderWebhooks(HubTables tables, TimeProvider time, IOptions<ProviderWebhookOptions> options)
{
    public const string Table = "ProviderWebhooks";

    private const string Partition = "webhook";

    /// <summary>Null when the endpoint is acceptable; otherwise why not.</summary>
    public string? Refusal(string? endpoint) =>
        !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) ? "endpoint must be an absolute URL."
        : uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && options.Value.AllowHttp) ? null
        : "endpoint must be an https:// URL.";

    /// <summary>Registers (or replaces) the provider's endpoint with a new secret.</summary>
    public async Task<ProviderWebhook> SaveAsync(string providerId, string endpoint, CancellationToken cancellationToken = default)
    {
        var webhook = new ProviderWebhook(providerId, endpoint, "whsec_" + Base64Url(RandomNumberGenerator.GetBytes(32)), time.GetUtcNow());
        var table = await tables.GetAsync(Table);
        await table.UpsertEntityAsync(new TableEntity(Partition, providerId)
        {
            ["Endpoint"] = webhook.Endpoint,
            ["Secret"] = webhook.Secret,
            ["Since"] = webhook.Since,
        }, TableUpdateMode.Replace, cancellationToken);
        return webhook;
    }

    public async Task<ProviderWebhook?> GetAsync(string providerId, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(providerId))
        {
            return null;
        }

        var table = await tables.GetAsync(Table);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, providerId, cancellationToken: cancellationToken);
        return row.HasValue
            ? new ProviderWebhook(providerId, row.Value!.GetString("Endpoint"), row.Value.GetString("Secret"), row.Value.GetDateTimeOffset("Since") ?? DateTimeOffset.MinValue)
            : null;
    }

    public async Task<bool> RemoveAsync(string providerId, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(providerId))
        {
            return false;
        }

        var table = await tables.GetAsync(Table);
        var gone = await table.DeleteEntityAsync(Partition, providerId, Azure.ETag.All, cancellationToken);
        return gone.Status != 404;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>The signature on every notification, in the scheme Stripe and others use: header
/// <c>X-Hub-Signature: t={unix seconds},v1={hex HMAC-SHA256}</c>, the HMAC keyed with the webhook's secret (its UTF-8
/// bytes) over <c>{t}.{body}</c>. A receiver recomputes it over the raw body, compares in constant time, and refuses a
/// timestamp too far from its clock (replays).</summary>
public static class ProviderWebhookSignature
{
    public const string Header = "X-Hub-Signature";

    public const string IdHeader = "X-Hub-Notification-Id";

    public static string Sign(string secret, DateTimeOffset at, byte[] body)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={timestamp},v1={Hex(secret, timestamp, body)}";
    }

    /// <summary>What a receiver does: true when the header's signature is the body's and its time within
    /// <paramref name="tolerance"/> of <paramref name="now"/>.</summary>
    public static bool Verify(string secret, string? header, byte[] body, DateTimeOffset now, TimeSpan tolerance)
    {
        var parts = (header ?? string.Empty).Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.Ordinal);
        if (!parts.TryGetValue("t", out var timestamp) || !parts.TryGetValue("v1", out var signature)
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hex(secret, timestamp, body)), Encoding.ASCII.GetBytes(signature.ToLowerInvariant()));
    }

    private static string Hex(string secret, string timestamp, byte[] body)
    {
        var signed = Encoding.UTF8.GetBytes(timestamp + ".").Concat(body).ToArray();
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }
}

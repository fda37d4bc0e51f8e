using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Hub.Platform.Storage;
using Microsoft.Extensions.Options;

namespace Hub.Access;

/// <summary>A key as handed to a client: the secret is shown once, then only its hash is kept.</summary>
public sealed record IssuedKey(string ClientId, string KeyId, string ApiKey, IReadOnlyList<string> PracticeOdsCodes, DateTimeOffset? OldKeyExpiresAt = null,
    IReadOnlyList<string>? ProviderIds = null);

/// <param name="SchemeIds">Schemes whose evidence reports the client reads (a scheme lead or commissioner); reading a
/// report is all a scheme gives, never posting or reading referrals.</param>
/// <param name="Role">An analyst client's keys may also export per-person rows.</param>
/// <param name="ProviderIds">A provider client's own HealthcareService ids (role <see cref="KeyRole.Provider"/>, no practices).</param>
public sealed record ApiClient(string ClientId, string Name, IReadOnlyList<string> PracticeOdsCodes, IReadOnlyList<string>? SchemeIds = null, KeyRole Role = KeyRole.Reader,
    IReadOnlyList<string>? ProviderIds = null);

/// <summary>Settings for API keys (configuration section <c>ApiKeys</c>).</summary>
public sealed class ApiKeyOptions
{
    public const string Section = "ApiKeys";

    /// <summary>The longest a longer-running instance may keep using what it read about a key (its hash, revocation
    /// time and client) before reading it again: 0 to 5 minutes, default 15 seconds, 0 for no cache. A key revoked, or a
    /// client changed, through another instance takes effect here within this time; through this instance at once.</summary>
    public TimeSpan CacheFor { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How many keys one instance keeps at most; beyond it the cache is emptied and refilled.</summary>
    public int CacheSize { get; set; } = 10_000;

    public static readonly TimeSpan MaxCacheFor = TimeSpan.FromMinutes(5);

    /// <summary>What is wrong with the settings, naming each; null when they may be used.</summary>
    public string? Problem() =>
        CacheFor < TimeSpan.Zero || CacheFor > MaxCacheFor
            ? $"{Section}:CacheFor is {CacheFor}: it must be between 00:00:00 (no cache) and {MaxCacheFor:c}, so a revoked key stops working soon"
            : CacheSize is < 1 or > 1_000_000 ? $"{Section}:CacheSize is {CacheSize}: it must be between 1 and 1000000" : null;
}

/// <summary>The hub's API keys: issued per client, stored hashed, revocable and rotatable. Each client maps to the
/// practices (ODS codes) it may act for. What a key's rows say is kept for <see cref="ApiKeyOptions.CacheFor"/> (two
/// storage reads saved per request); revoking or changing through this instance drops it at once.</summary>
public sealed class ApiKeys(HubTables tables, TimeProvider time, IOptions<ApiKeyOptions> options)
{
    private sealed record KnownKey(string SecretHash, DateTimeOffset? RevokedAt, ApiClient Client, DateTimeOffset ReadAt);

    private readonly ConcurrentDictionary<string, KnownKey> _known = new(StringComparer.Ordinal);

    public const string Table = "ApiKeys";

    private const string KeyPartition = "key";
    private const string ClientPartition = "client";
    private const string Prefix = "sph";

    public async Task<ApiClient> SaveClientAsync(string clientId, string name, IEnumerable<string> practiceOdsCodes, CancellationToken cancellationToken = default) =>
        await SaveClientAsync(clientId, name, practiceOdsCodes, [], cancellationToken);

    public async Task<ApiClient> SaveClientAsync(string clientId, string name, IEnumerable<string> practiceOdsCodes, IEnumerable<string> schemeIds, CancellationToken cancellationToken = default) =>
        await SaveClientAsync(clientId, name, practiceOdsCodes, schemeIds, KeyRole.Reader, cancellationToken);

    public async Task<ApiClient> SaveClientAsync(string clientId, string name, IEnumerable<string> practiceOdsCodes, IEnumerable<string> schemeIds, KeyRole role, CancellationToken cancellationToken = default) =>
        await SaveClientAsync(clientId, name, practiceOdsCodes, schemeIds, role, [], cancellationToken);

    /// <summary>Saves a client. A provider client (<see cref="KeyRole.Provider"/>) keeps only its HealthcareService ids:
    /// it never acts for a practice or reads a scheme, and no other client acts for a provider.</summary>
    public async Task<ApiClient> SaveClientAsync(string clientId, string name, IEnumerable<string> practiceOdsCodes, IEnumerable<string> schemeIds, KeyRole role,
        IEnumerable<string> providerIds, CancellationToken cancellationToken = default)
    {
        var provider = role == KeyRole.Provider;
        var codes = provider ? [] : practiceOdsCodes.Select(c => c.Trim().ToUpperInvariant()).Where(c => c.Length > 0).Distinct().Order().ToList();
        var schemes = provider ? [] : schemeIds.Select(s => s.Trim()).Where(s => s.Length > 0).Distinct().Order(StringComparer.Ordinal).ToList();
        var providers = provider ? providerIds.Select(s => s.Trim()).Where(s => s.Length > 0).Distinct().Order(StringComparer.Ordinal).ToList() : [];
        var table = await tables.GetAsync(ApiKeys.Table);
        await table.UpsertEntityAsync(new TableEntity(ClientPartition, clientId)
        {
            ["Name"] = name,
            ["PracticeOdsCodes"] = string.Join(',', codes),
            ["SchemeIds"] = string.Join(',', schemes),
            ["Role"] = Hub.Referrals.StoredSpelling.Spelling(role),
            ["ProviderIds"] = string.Join(',', providers),
        }, TableUpdateMode.Replace, cancellationToken);
        Forget(k => k.Client.ClientId == clientId);
        return new ApiClient(clientId, name, codes, schemes, role, providers);
    }

    public async Task<ApiClient?> GetClientAsync(string clientId, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(clientId))
        {
            return null;
        }

        var table = await tables.GetAsync(ApiKeys.Table);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(ClientPartition, clientId, cancellationToken: cancellationToken);
        if (!row.HasValue)
        {
            return null;
        }

        var codes = (row.Value!.GetString("PracticeOdsCodes") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries);
        var schemes = (row.Value.GetString("SchemeIds") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries);
        // Clients saved before roles existed are readers.
        var role = Hub.Referrals.StoredSpelling.ParseOrNull<KeyRole>(row.Value.GetString("Role")) ?? KeyRole.Reader;
        var providers = role == KeyRole.Provider ? (row.Value.GetString("ProviderIds") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries) : [];
        return role == KeyRole.Provider
            ? new ApiClient(clientId, row.Value.GetString("Name") ?? clientId, [], [], role, providers)
            : new ApiClient(clientId, row.Value.GetString("Name") ?? clientId, codes, schemes, role);
    }

    public async Task<IssuedKey?> IssueAsync(string clientId, CancellationToken cancellationToken = default)
    {
        var client = await GetClientAsync(clientId, cancellationToken);
        if (client is null)
        {
            return null;
        }

        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var table = await tables.GetAsync(ApiKeys.Table);
        await table.AddEntityAsync(new TableEntity(KeyPartition, keyId)
        {
            ["ClientId"] = clientId,
            ["SecretHash"] = Hash(secret),
            ["CreatedAt"] = time.GetUtcNow(),
        }, cancellationToken);
        return new IssuedKey(clientId, keyId, $"{Prefix}_{keyId}_{secret}", client.PracticeOdsCodes, ProviderIds: client.Role == KeyRole.Provider ? client.ProviderIds : null);
    }

    /// <summary>Revokes a key now, or from <paramref name="at"/> (a rotation's grace period).</summary>
    public async Task<bool> RevokeAsync(string keyId, DateTimeOffset? at = null, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(keyId))
        {
            return false;
        }

        var table = await tables.GetAsync(ApiKeys.Table);
        try
        {
            await table.UpdateEntityAsync(new TableEntity(KeyPartition, keyId) { ["RevokedAt"] = at ?? time.GetUtcNow() }, ETag.All, TableUpdateMode.Merge, cancellationToken);
            _known.TryRemove(keyId, out _);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    /// <summary>Issues a new key for the same client and lets the old one work for <paramref name="grace"/> more,
    /// so a GP system can switch over without a moment where neither key works.</summary>
    public async Task<IssuedKey?> RotateAsync(string keyId, TimeSpan grace, CancellationToken cancellationToken = default)
    {
        var key = await GetKeyAsync(keyId, cancellationToken);
        if (key is null || IsRevoked(key))
        {
            return null;
        }

        var issued = await IssueAsync(key.GetString("ClientId"), cancellationToken);
        if (issued is null)
        {
            return null;
        }

        var expiresAt = time.GetUtcNow() + grace;
        await RevokeAsync(keyId, expiresAt, cancellationToken);
        return issued with { OldKeyExpiresAt = expiresAt };
    }

    /// <summary>The caller a presented key belongs to, or null for a missing, malformed, unknown, wrong or revoked key.</summary>
    public async Task<Caller?> AuthenticateAsync(string? presented, CancellationToken cancellationToken = default)
    {
        var parts = presented?.Trim().Split('_', 3);
        if (parts is not [Prefix, var keyId, var secret] || !TableKeys.IsSafe(keyId))
        {
            return null;
        }

        var known = await KnownAsync(keyId, cancellationToken);
        if (known is null || known.RevokedAt is { } revokedAt && revokedAt <= time.GetUtcNow())
        {
            return null;
        }

        var expected = Encoding.ASCII.GetBytes(known.SecretHash);
        var actual = Encoding.ASCII.GetBytes(Hash(secret));
        if (!CryptographicOperations.FixedTimeEquals(expected, actual))
        {
            return null;
        }

        var client = known.Client;
        return new Caller(client.ClientId, keyId, client.PracticeOdsCodes.ToHashSet(StringComparer.Ordinal), (client.SchemeIds ?? []).ToHashSet(StringComparer.Ordinal), client.Role,
            (client.ProviderIds ?? []).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>What the key's rows say, from the cache while fresh. Unknown keys and clients are never cached, so a
    /// flood of made-up key ids cannot fill it.</summary>
    private async Task<KnownKey?> KnownAsync(string keyId, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        if (_known.TryGetValue(keyId, out var cached) && now - cached.ReadAt < settings.CacheFor && now >= cached.ReadAt)
        {
            return cached;
        }

        var key = await GetKeyAsync(keyId, cancellationToken);
        if (key is null || await GetClientAsync(key.GetString("ClientId"), cancellationToken) is not { } client)
        {
            _known.TryRemove(keyId, out _);
            return null;
        }

        var known = new KnownKey(key.GetString("SecretHash") ?? string.Empty, key.GetDateTimeOffset("RevokedAt"), client, now);
        if (settings.CacheFor > TimeSpan.Zero)
        {
            if (_known.Count >= settings.CacheSize)
            {
                _known.Clear();
            }

            _known[keyId] = known;
        }

        return known;
    }

    private void Forget(Func<KnownKey, bool> which)
    {
        foreach (var (id, known) in _known)
        {
            if (which(known))
            {
                _known.TryRemove(id, out _);
            }
        }
    }

    /// <summary>The queue's caller: the configured client, acting for its practices, with no key involved.</summary>
    public async Task<Caller?> CallerForClientAsync(string? clientId, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(clientId) || await GetClientAsync(clientId, cancellationToken) is not { } client || client.Role == KeyRole.Provider)
        {
            return null;
        }

        return new Caller(client.ClientId, "queue", client.PracticeOdsCodes.ToHashSet(StringComparer.Ordinal));
    }

    private async Task<TableEntity?> GetKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(ApiKeys.Table);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(KeyPartition, keyId, cancellationToken: cancellationToken);
        return row.HasValue ? row.Value : null;
    }

    private bool IsRevoked(TableEntity key) => key.GetDateTimeOffset("RevokedAt") is { } at && at <= time.GetUtcNow();

    // Keys are 256-bit random secrets: a plain SHA-256 is enough (no password stretching needed).
    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

}

using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Hub.Platform.Storage;

namespace Hub.Access;

/// <summary>A key as handed to a client: the secret is shown once, then only its hash is kept.</summary>
public sealed record IssuedKey(string ClientId, string KeyId, string ApiKey, IReadOnlyList<string> PracticeOdsCodes, DateTimeOffset? OldKeyExpiresAt = null);

/// <param name="SchemeIds">Schemes whose evidence reports the client reads (a scheme lead or commissioner); reading a
/// report is all a scheme gives, never posting or reading referrals.</param>
/// <param name="Role">An analyst client's keys may also export per-person rows.</param>
public sealed record ApiClient(string ClientId, string Name, IReadOnlyList<string> PracticeOdsCodes, IReadOnlyList<string>? SchemeIds = null, KeyRole Role = KeyRole.Reader);

/// <summary>The hub's API keys: issued per client, stored hashed, revocable and rotatable. Each client maps to the
/// practices (ODS codes) it may act for.</summary>
public sealed class ApiKeys(HubTables tables, TimeProvider time)
{
    public const string Table = "ApiKeys";

    private const string KeyPartition = "key";
    private const string ClientPartition = "client";
    private const string Prefix = "sph";

    public async Task<ApiClient> SaveClientAsync(string clientId, string name, IEnumerable<string> practiceOdsCodes, CancellationToken cancellationToken = default) =>
        await SaveClientAsync(clientId, name, practiceOdsCodes, [], cancellationToken);

    public async Task<ApiClient> SaveClientAsync(string clientId, string name, IEnumerable<string> practiceOdsCodes, IEnumerable<string> schemeIds, CancellationToken cancellationToken = default) =>
        await SaveClientAsync(clientId, name, practiceOdsCodes, schemeIds, KeyRole.Reader, cancellationToken);

    public async Task<ApiClient> SaveClientAsync(string clientId, string name, IEnumerable<string> practiceOdsCodes, IEnumerable<string> schemeIds, KeyRole role, CancellationToken cancellationToken = default)
    {
        var codes = practiceOdsCodes.Select(c => c.Trim().ToUpperInvariant()).Where(c => c.Length > 0).Distinct().Order().ToList();
        var schemes = schemeIds.Select(s => s.Trim()).Where(s => s.Length > 0).Distinct().Order(StringComparer.Ordinal).ToList();
        var table = await tables.GetAsync(ApiKeys.Table);
        await table.UpsertEntityAsync(new TableEntity(ClientPartition, clientId)
        {
            ["Name"] = name,
            ["PracticeOdsCodes"] = string.Join(',', codes),
            ["SchemeIds"] = string.Join(',', schemes),
            ["Role"] = Hub.Referrals.StoredSpelling.Spelling(role),
        }, TableUpdateMode.Replace, cancellationToken);
        return new ApiClient(clientId, name, codes, schemes, role);
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
        return new ApiClient(clientId, row.Value.GetString("Name") ?? clientId, codes, schemes, role);
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
        return new IssuedKey(clientId, keyId, $"{Prefix}_{keyId}_{secret}", client.PracticeOdsCodes);
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

        var key = await GetKeyAsync(keyId, cancellationToken);
        if (key is null || IsRevoked(key))
        {
            return null;
        }

        var expected = Encoding.ASCII.GetBytes(key.GetString("SecretHash") ?? string.Empty);
        var actual = Encoding.ASCII.GetBytes(Hash(secret));
        if (!CryptographicOperations.FixedTimeEquals(expected, actual))
        {
            return null;
        }

        var client = await GetClientAsync(key.GetString("ClientId"), cancellationToken);
        return client is null ? null : new Caller(client.ClientId, keyId, client.PracticeOdsCodes.ToHashSet(StringComparer.Ordinal), (client.SchemeIds ?? []).ToHashSet(StringComparer.Ordinal), client.Role);
    }

    /// <summary>The queue's caller: the configured client, acting for its practices, with no key involved.</summary>
    public async Task<Caller?> CallerForClientAsync(string? clientId, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(clientId) || await GetClientAsync(clientId, cancellationToken) is not { } client)
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

using System.Text.Json;
using static Hub.Infra.Tests.ArmTemplate;

namespace Hub.Infra.Tests;

/// <summary>Security properties of the compiled template, resource by resource, across every module.</summary>
[Trait("Category", "Unit")]
[Collection(SharedCompiledInfra.Name)]
public sealed class SecurityTests(CompiledInfra infra)
{
    private static readonly string[] AcceptedTlsVersions = ["1.2", "1.3"];

    private JsonElement FunctionApp
    {
        get
        {
            var sites = OfType(infra.Template, "Microsoft.Web/sites");
            Assert.Single(sites);
            return sites[0];
        }
    }

    [Fact]
    public void FunctionAppAcceptsHttpsOnlyWithTls12OrLater()
    {
        var site = FunctionApp;
        Assert.True(IsTrue(site, "properties", "httpsOnly"), "httpsOnly must be true");
        Assert.Contains(FindString(site, "properties", "siteConfig", "minTlsVersion"), AcceptedTlsVersions);
        Assert.Contains(FindString(site, "properties", "siteConfig", "scmMinTlsVersion"), AcceptedTlsVersions);
        Assert.Equal("Disabled", FindString(site, "properties", "siteConfig", "ftpsState"));
    }

    [Fact]
    public void BasicPublishingCredentialsAreDisabledForFtpAndScm()
    {
        var policies = OfType(infra.Template, "Microsoft.Web/sites/basicPublishingCredentialsPolicies");
        foreach (var kind in new[] { "ftp", "scm" })
        {
            var policy = policies.Where(p => LastNameSegment(p) == kind).ToList();
            Assert.True(policy.Count == 1, $"Expected one basicPublishingCredentialsPolicies/{kind}, found {policy.Count}.");
            Assert.True(IsFalse(policy[0], "properties", "allow"), $"basicPublishingCredentialsPolicies/{kind} must have allow: false");
        }

        Assert.All(policies, p => Assert.True(IsFalse(p, "properties", "allow"), Describe(p)));
    }

    [Fact]
    public void FunctionAppRunsOnFlexConsumptionAsTheUserAssignedIdentity()
    {
        var plans = OfType(infra.Template, "Microsoft.Web/serverfarms");
        var plan = Assert.Single(plans);
        Assert.Equal("FC1", FindString(plan, "sku", "name"));
        Assert.Equal("FlexConsumption", FindString(plan, "sku", "tier"));
        Assert.True(IsTrue(plan, "properties", "reserved"), "A Flex Consumption plan is Linux: reserved must be true");

        var site = FunctionApp;
        Assert.Contains("functionapp", FindString(site, "kind") ?? string.Empty, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("api", FindString(site, "tags", "azd-service-name") ?? AzdServiceTagFromExpression(site));
        Assert.Equal("UserAssigned", FindString(site, "identity", "type"));
        Assert.False(string.IsNullOrEmpty(FindString(site, "properties", "keyVaultReferenceIdentity")), "keyVaultReferenceIdentity must name the user-assigned identity");

        var config = Find(site, "properties", "functionAppConfig") ?? throw new InvalidOperationException("No functionAppConfig on the site.");
        Assert.Equal("dotnet-isolated", FindString(config, "runtime", "name"));
        Assert.Equal("10.0", FindString(config, "runtime", "version"));
        Assert.Equal("blobContainer", FindString(config, "deployment", "storage", "type"));
        Assert.Equal("UserAssignedIdentity", FindString(config, "deployment", "storage", "authentication", "type"));
        Assert.False(string.IsNullOrEmpty(FindString(config, "deployment", "storage", "authentication", "userAssignedIdentityResourceId")));
    }

    [Fact]
    public void StorageAccountsTakeNoKeysNoAnonymousReadsAndTls12OverHttpsOnly()
    {
        var accounts = OfType(infra.Template, "Microsoft.Storage/storageAccounts");
        Assert.NotEmpty(accounts);
        Assert.All(accounts, account =>
        {
            Assert.True(IsFalse(account, "properties", "allowSharedKeyAccess"), $"{Describe(account)}: allowSharedKeyAccess must be false");
            Assert.True(IsFalse(account, "properties", "allowBlobPublicAccess"), $"{Describe(account)}: allowBlobPublicAccess must be false");
            Assert.Equal("TLS1_2", FindString(account, "properties", "minimumTlsVersion"));
            Assert.True(IsTrue(account, "properties", "supportsHttpsTrafficOnly"), $"{Describe(account)}: supportsHttpsTrafficOnly must be true");
        });

        Assert.All(OfType(infra.Template, "Microsoft.Storage/storageAccounts/blobServices/containers"), container =>
            Assert.Equal("None", FindString(container, "properties", "publicAccess") ?? "None"));
    }

    [Fact]
    public void NothingUsesStorageAccountKeys()
    {
        Assert.DoesNotContain("listKeys(", infra.TemplateText, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("AccountKey=", infra.TemplateText, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void KeyVaultUsesRbacWithSoftDeleteAndPurgeProtection()
    {
        var vaults = OfType(infra.Template, "Microsoft.KeyVault/vaults");
        Assert.NotEmpty(vaults);
        Assert.All(vaults, vault =>
        {
            Assert.True(IsTrue(vault, "properties", "enableRbacAuthorization"), $"{Describe(vault)}: enableRbacAuthorization must be true");
            Assert.True(IsTrue(vault, "properties", "enablePurgeProtection"), $"{Describe(vault)}: enablePurgeProtection must be true");
            Assert.False(IsFalse(vault, "properties", "enableSoftDelete"), $"{Describe(vault)}: soft delete must stay on");
            Assert.Null(Find(vault, "properties", "accessPolicies"));
        });
    }

    [Fact]
    public void ApplicationInsightsAcceptsEntraIdIngestionOnly()
    {
        var components = OfType(infra.Template, "Microsoft.Insights/components");
        Assert.NotEmpty(components);
        Assert.All(components, c => Assert.True(IsTrue(c, "properties", "DisableLocalAuth"), $"{Describe(c)}: DisableLocalAuth must be true"));
        Assert.All(components, c => Assert.False(string.IsNullOrEmpty(FindString(c, "properties", "WorkspaceResourceId")), $"{Describe(c)}: must be workspace-based"));
    }

    public static TheoryData<string, string> RolesTheIdentityNeeds => new()
    {
        { "Storage Blob Data Owner", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b" },
        { "Storage Queue Data Contributor", "974c5e8b-45b9-4653-ba55-5f855dd0fb88" },
        { "Storage Table Data Contributor", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3" },
        { "Monitoring Metrics Publisher", "3913510d-42f4-4e42-8a64-420c390055eb" },
        { "Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6" },
    };

    [Theory]
    [MemberData(nameof(RolesTheIdentityNeeds))]
    public void TheIdentityIsGrantedTheRolesItNeeds(string role, string roleDefinitionId)
    {
        Assert.NotEmpty(OfType(infra.Template, "Microsoft.Authorization/roleAssignments"));
        Assert.True(infra.TemplateText.Contains(roleDefinitionId, StringComparison.OrdinalIgnoreCase), $"No assignment of {role} ({roleDefinitionId}).");
    }

    public static TheoryData<string, string> BroadRoles => new()
    {
        { "Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635" },
        { "Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c" },
        { "Storage Account Contributor", "17d1049b-9a84-46fb-8f53-869881c3d3ab" },
        { "Key Vault Administrator", "00482a5a-887f-4fb3-b363-3b7fe8e74483" },
        { "User Access Administrator", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9" },
    };

    [Theory]
    [MemberData(nameof(BroadRoles))]
    public void NoBroadRoleIsAssigned(string role, string roleDefinitionId) =>
        Assert.False(infra.TemplateText.Contains(roleDefinitionId, StringComparison.OrdinalIgnoreCase), $"{role} is too broad for this app.");

    /// <summary>Tags built with union() compile to an expression; accept the tag's literal inside it.</summary>
    private static string? AzdServiceTagFromExpression(JsonElement site) =>
        FindString(site, "tags") is { } tags && tags.Contains("'azd-service-name', 'api'", StringComparison.Ordinal) ? "api" : null;
}

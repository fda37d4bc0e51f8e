using Hub.Platform.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hub.Referrals;

/// <summary>The referral's own home: its record, documents, Task and audit trail, which every stage reads and moves.</summary>
public static class ReferralServices
{
    public static IServiceCollection AddReferrals(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ReferralStore>();
        services.AddSingleton<ReferralDocuments>();
        services.AddSingleton<TaskStore>();
        services.AddSingleton<ReferralTaskProgress>();
        services.AddSingleton<AuditTrail>();
        services.AddSingleton<ReferralChanges>();
        services.AddSingleton<ReferralHolds>();
        services.AddOptions<HoldOptions>().Bind(configuration.GetSection(HoldOptions.Section))
            .Validate(o => o.RetryEvery > TimeSpan.Zero, "Hold:RetryEvery must be positive.").ValidateOnStart();
        services.AddHubTables(ReferralStore.Table, ReferralStore.IdentifiersTable, TaskStore.Table, TaskStore.OwnersTable, TaskStore.ChangesTable, AuditTrail.Table, ReferralHolds.Table, ReferralChanges.Table);
        return services;
    }
}

using Hub.Access;
using Hub.Chase;
using Hub.Email;
using Hub.Evidence;
using Hub.FollowUp;
using Hub.Intake;
using Hub.LinkWork;
using Hub.Operations;
using Hub.Platform;
using Hub.Providers;
using Hub.Referrals;
using Hub.WriteBack;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hub;

/// <summary>The whole hub: each slice registers its own services, options and tables. Program.cs calls this, and so do
/// the tests, so both run the same wiring.</summary>
public static class HubServices
{
    public static IServiceCollection AddHub(this IServiceCollection services, IConfiguration configuration) =>
        services
            .AddPlatform(configuration)
            .AddAccess(configuration)
            .AddEmail(configuration)
            .AddProviders(configuration)
            .AddReferrals(configuration)
            .AddIntake(configuration)
            .AddChase(configuration)
            .AddFollowUp(configuration)
            .AddWriteBack(configuration)
            .AddLinkWork(configuration)
            .AddEvidence(configuration)
            .AddOperations();
}

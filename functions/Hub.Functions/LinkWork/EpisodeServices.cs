using Hub.Platform.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hub.LinkWork;

/// <summary>The episode: what the link worker records with the person, the plan, review and discharge, the caseload.</summary>
public static class EpisodeServices
{
    public static IServiceCollection AddEpisodes(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<EpisodeStore>();
        services.AddSingleton<EpisodeBook>();
        services.AddSingleton<EpisodeAssessments>();
        services.AddSingleton<Hub.FollowUp.IOutcomeSource, EpisodeAssessmentOutcomes>();
        services.AddSingleton<EpisodeReviews>();
        services.AddSingleton<Caseload>();
        services.AddSingleton<EpisodeWriteBacks>();
        services.AddSingleton<Hub.WriteBack.IParkedGpWrites, ParkedDischargeWrites>();
        services.AddHubTables(EpisodeStore.Table, EpisodeWriteBacks.Table);
        return services;
    }
}

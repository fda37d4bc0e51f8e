using Hub.Email;
using Hub.Platform.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hub.FollowUp;

/// <summary>The outcome follow-up: baseline, surveys, reminders, opt-out, and the instruments they ask.</summary>
public static class FollowUpServices
{
    public static IServiceCollection AddFollowUp(this IServiceCollection services, IConfiguration configuration)
    {
        var development = EmailServices.IsDevelopment(configuration);
        services.AddOptions<FollowUpOptions>().Bind(configuration.GetSection(FollowUpOptions.Section))
            .Validate(o => o.Problem(development) is null, "FollowUp durations are out of range: the follow-up must fall 12 weeks to 4 months after acceptance (see README).")
            .ValidateOnStart();
        services.AddSingleton<FollowUpStore>();
        services.AddSingleton<QuestionnaireLibrary>();
        services.AddSingleton<SurveyRecorder>();
        services.AddSingleton<Surveys>();
        services.AddSingleton<SurveySender>();
        services.AddSingleton<IBouncedEmailHandler, SurveyBounces>();
        services.AddHubTables(FollowUpStore.FollowUps, FollowUpStore.SurveyResponses);
        return services;
    }
}

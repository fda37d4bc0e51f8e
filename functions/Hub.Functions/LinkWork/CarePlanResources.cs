using System.Globalization;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Hub.Providers;
using Hub.Referrals;

namespace Hub.LinkWork;

/// <summary>Who reads the plan: the service that wrote it sees its own words; the referring practice sees them only where
/// the person consented to information sharing (<see cref="ReferralDocument.HasConsent"/>), otherwise codes, numbers and
/// statuses only.</summary>
public enum PlanReader
{
    Service,
    Practice,
}

/// <summary>The episode's personalised care and support plan as FHIR R4: one <c>CarePlan</c> (<c>CarePlan/{referralId}</c>:
/// status, intent plan, subject the person by NHS number, basedOn the referral, author the link-worker service, period from
/// acceptance, goal references, one activity per action with its status, the review date as the extension
/// <see cref="ReviewDateExtension"/>) and one <c>Goal</c> per goal (<c>Goal/{referralId}-goal-{n}</c>). A goal's
/// importance to the person and their confidence (PRSB, 1–10 each) are two extensions (<see cref="EpisodeCodes.GoalImportanceExtension"/>,
/// <see cref="EpisodeCodes.GoalConfidenceExtension"/>, valueInteger): <c>Goal.priority</c> has three levels only and
/// would lose the person's own number. The author is the service's organisation (<c>CarePlan.author</c> may not be a
/// HealthcareService): by ODS code where the directory has one, else by the hub's provider id.</summary>
public static class CarePlanResources
{
    public const string ReviewDateExtension = FhirCodes.HubBase + "/StructureDefinition/care-plan-review-date";

    public static CarePlan Plan(Episode episode, ReferralDocument document, Provider? service, PlanReader reader)
    {
        var narrative = reader == PlanReader.Service || document.HasConsent;
        var plan = new CarePlan
        {
            Id = episode.CarePlanId,
            Meta = Meta(episode),
            Status = episode.IsClosed ? RequestStatus.Completed : RequestStatus.Active,
            Intent = CarePlan.CarePlanIntent.Plan,
            Title = "Personalised care and support plan",
            Subject = Subject(document),
            BasedOn = [new ResourceReference($"ServiceRequest/{episode.ReferralId}")],
            Author = Author(episode, service),
            Period = new Period { StartElement = new FhirDateTime(episode.Started), EndElement = episode.ClosedAt is { } closed ? new FhirDateTime(closed) : null },
            Created = episode.Started.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture),
            Goal = [.. episode.Goals.Select(g => new ResourceReference($"Goal/{Episode.GoalId(episode.ReferralId, g.Number)}"))],
        };
        plan.Category.Add(new CodeableConcept { Text = "Social prescribing personalised care and support plan" });
        if (narrative && episode.WhatMatters is { } matters)
        {
            plan.Description = $"What matters to the person: {matters}";
        }

        foreach (var need in episode.Needs)
        {
            // The refset names the kind of entry; no member code could be confirmed, so the need goes as words only,
            // and only where the narrative may go.
            if (narrative)
            {
                plan.Note.Add(new Annotation { Text = new Markdown($"Need or concern (SNOMED CT refset {need.Category}): {need.Text}") });
            }
        }

        if (episode.ReviewDate is { } review)
        {
            plan.Extension.Add(new Extension(ReviewDateExtension, new Date(review.ToString("O", CultureInfo.InvariantCulture))));
        }

        foreach (var goal in episode.Goals)
        {
            foreach (var action in goal.Actions)
            {
                plan.Activity.Add(new CarePlan.ActivityComponent
                {
                    Detail = new CarePlan.DetailComponent
                    {
                        Status = ActivityStatus(action.Status),
                        Description = narrative ? action.Text : $"Action {action.Number} of goal {goal.Number}",
                        Goal = [new ResourceReference($"Goal/{Episode.GoalId(episode.ReferralId, goal.Number)}")],
                    },
                });
            }
        }

        return plan;
    }

    public static Goal PlanGoal(Episode episode, PlanGoal goal, ReferralDocument document, PlanReader reader)
    {
        var narrative = reader == PlanReader.Service || document.HasConsent;
        var subject = Subject(document);
        var resource = new Goal
        {
            Id = Episode.GoalId(episode.ReferralId, goal.Number),
            Meta = Meta(episode),
            LifecycleStatus = goal.Progress == GoalProgress.Achieved ? Hl7.Fhir.Model.Goal.GoalLifecycleStatus.Completed : Hl7.Fhir.Model.Goal.GoalLifecycleStatus.Active,
            AchievementStatus = new CodeableConcept(EpisodeCodes.GoalAchievementSystem, goal.Progress.Spelling(), goal.Progress switch
            {
                GoalProgress.Achieved => "Achieved",
                GoalProgress.NotAchieved => "Not Achieved",
                _ => "In Progress",
            }),
            Description = new CodeableConcept { Text = narrative ? goal.Text : $"Goal {goal.Number} of the plan (the person's words are shared only with their consent)" },
            Subject = subject,
            ExpressedBy = (ResourceReference)subject.DeepCopy(),
            Start = new Date(DateOnly.FromDateTime(episode.Started.UtcDateTime).ToString("O", CultureInfo.InvariantCulture)),
        };
        resource.Extension.Add(new Extension(EpisodeCodes.GoalImportanceExtension, new Integer(goal.Importance)));
        resource.Extension.Add(new Extension(EpisodeCodes.GoalConfidenceExtension, new Integer(goal.Confidence)));
        if (episode.ReviewDate is { } review)
        {
            resource.Target.Add(new Goal.TargetComponent { Due = new Date(review.ToString("O", CultureInfo.InvariantCulture)) });
        }

        return resource;
    }

    private static Meta Meta(Episode episode) => new()
    {
        VersionId = (episode.Version + 1).ToString(CultureInfo.InvariantCulture),
        LastUpdated = episode.Updated ?? episode.Started,
    };

    private static ResourceReference Subject(ReferralDocument document) => document.NhsNumber is { } nhs
        ? new ResourceReference { Type = "Patient", Identifier = new Identifier(FhirCodes.NhsNumberSystem, nhs) }
        : new ResourceReference { Type = "Patient", Display = "The person referred" };

    /// <summary>The link-worker service as an Organization reference (the plan's author, an assessment's performer).</summary>
    public static ResourceReference Author(Episode episode, Provider? service) => new()
    {
        Type = "Organization",
        Identifier = service?.OdsCode is { Length: > 0 } ods ? new Identifier(FhirCodes.OdsSystem, ods) : new Identifier(ActivityCategories.ProviderIdSystem, episode.ServiceId),
        Display = service?.Name,
    };

    private static CarePlan.CarePlanActivityStatus ActivityStatus(PlanActionStatus status) => status switch
    {
        PlanActionStatus.InProgress => CarePlan.CarePlanActivityStatus.InProgress,
        PlanActionStatus.Completed => CarePlan.CarePlanActivityStatus.Completed,
        PlanActionStatus.Stopped => CarePlan.CarePlanActivityStatus.Stopped,
        _ => CarePlan.CarePlanActivityStatus.NotStarted,
    };
}

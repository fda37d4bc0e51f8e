using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Hub.Referrals;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Providers;

/// <summary>What the referrer sees on the Task of how the hub read the activity: one <c>input</c> per matched category
/// (type <c>activity-match</c>, its text the method: <c>code</c>, <c>snomed</c> or <c>synonym</c>; value the category,
/// its text what matched: the hub code, the SNOMED CT code or the configured synonym) and one for the route (type
/// <c>route</c>; value <c>performer</c>, <c>activity</c>, <c>link-worker-service</c> or <c>none</c>). Codes and
/// configured words only, never the referral's own text. Written again by a repeated step, never twice.</summary>
public static class ActivityMatchOnTask
{
    public const string InputSystem = FhirCodes.HubBase + "/CodeSystem/task-input";
    public const string RouteSystem = FhirCodes.HubBase + "/CodeSystem/route-basis";
    public const string MatchInput = "activity-match";
    public const string RouteInput = "route";

    public static void Record(FhirTask task, RoutingRequest request, ProviderRoute route)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(route);
        task.Input.RemoveAll(i => i.Type?.Coding.Any(c => c.System == InputSystem && c.Code is MatchInput or RouteInput) == true);
        foreach (var match in request.Matches)
        {
            task.Input.Add(new FhirTask.ParameterComponent
            {
                Type = new CodeableConcept(InputSystem, MatchInput, "Activity matched", match.Method.Spelling()),
                Value = new CodeableConcept(ActivityCategories.System, match.Category, ActivityCategories.Display(match.Category), match.Matched),
            });
        }

        task.Input.Add(new FhirTask.ParameterComponent
        {
            Type = new CodeableConcept(InputSystem, RouteInput, "How the referral was routed", null),
            Value = new CodeableConcept(RouteSystem, route.Basis.Spelling(), Display(route.Basis), null),
        });
    }

    public static string Display(RouteBasis basis) => basis switch
    {
        RouteBasis.Performer => "The provider the referral named",
        RouteBasis.Activity => "Providers offering the activity",
        RouteBasis.LinkWorkerService => "The activity could not be placed: the link-worker service",
        RouteBasis.None => "No provider could be found: escalated",
        _ => throw new ArgumentOutOfRangeException(nameof(basis), basis, null),
    };
}

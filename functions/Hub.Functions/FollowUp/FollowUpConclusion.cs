using Hl7.Fhir.Model;
using Hub.Referrals;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.FollowUp;

/// <summary>What the end of a follow-up writes: the stage, and (unless withdrawn, which the cancellation has already
/// told) the Task's final step and outputs: the baseline used, the answers' completeness and the resources made.</summary>
public sealed record FollowUpConclusion(FollowUpOutcome Outcome, BaselineSource Baseline, SurveyResponse? FollowUp)
{
    public static FollowUpConclusion Of(FollowUpOutcome outcome, IReadOnlyList<SurveyResponse> responses) =>
        new(outcome, FollowUpStart.BaselineOf(responses), responses.FirstOrDefault(r => r.Kind == SurveyKind.FollowUp));

    public bool CompletesTask => Outcome != FollowUpOutcome.Withdrawn;

    private bool ListsAnswers => Outcome == FollowUpOutcome.Answered && FollowUp is not null;

    /// <summary>The answers whose resources the Task lists: the hub's own surveys, not what came with the referral.</summary>
    public IEnumerable<SurveyResponse> ResponsesToList(IEnumerable<SurveyResponse> responses) =>
        ListsAnswers ? responses.Where(r => r.Source != AnswerSource.WithReferral) : [];

    public TaskStep TaskStep => new(FhirTask.TaskStatus.Completed,
        Outcome switch
        {
            FollowUpOutcome.Answered => TaskBusinessStatus.OutcomeRecorded,
            FollowUpOutcome.OptedOut => TaskBusinessStatus.OptedOut,
            _ => TaskBusinessStatus.NoResponse,
        },
        Baseline == BaselineSource.None ? "No baseline: change cannot be measured for this person." : null);

    /// <param name="listed">Each response of <see cref="ResponsesToList"/> with its stored resources.</param>
    public IReadOnlyList<FhirTask.OutputComponent> Outputs(IEnumerable<(SurveyResponse Response, IReadOnlyList<Resource> Resources)> listed)
    {
        var outputs = new List<FhirTask.OutputComponent>
        {
            // Which baseline the change is measured from: a follow-up without one still counts, flagged.
            new() { Type = new CodeableConcept { Text = "baseline" }, Value = new FhirString(Baseline.Spelling()) },
        };
        if (ListsAnswers)
        {
            outputs.Add(new FhirTask.OutputComponent { Type = new CodeableConcept { Text = "answers" }, Value = new FhirString(FollowUp!.Complete ? "complete" : "partial") });
            foreach (var (response, resources) in listed)
            {
                outputs.AddRange(resources.Select(resource => new FhirTask.OutputComponent
                {
                    Type = new CodeableConcept { Text = resource.TypeName == "QuestionnaireResponse" ? $"{response.Kind.Spelling()}-questionnaire-response" : $"{response.Kind.Spelling()}-observation" },
                    Value = new ResourceReference($"{resource.TypeName}/{resource.Id}"),
                }));
            }
        }

        return outputs;
    }

    /// <summary>Writes the final step and replaces the outputs an earlier end (a retried activity) may have left.</summary>
    public void ApplyTo(FhirTask task, IReadOnlyList<FhirTask.OutputComponent> outputs)
    {
        TaskStep.ApplyTo(task);
        task.Output.RemoveAll(o => o.Type?.Text is "baseline" or "answers" || o.Value is ResourceReference);
        task.Output.AddRange(outputs);
    }
}

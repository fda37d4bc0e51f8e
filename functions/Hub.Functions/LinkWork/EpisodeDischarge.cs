using System.Globalization;
using System.Text;
using Hl7.Fhir.Model;
using Hub.Referrals;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.LinkWork;

/// <summary>The message back to the GP when the episode closes, as outputs of the referral's Task (each output's
/// <c>type.text</c> names it; the same close applied again replaces them, never adds twice):
/// <list type="bullet">
/// <item><c>care-plan</c>: Reference to <c>CarePlan/{referralId}</c> (readable by the practice).</item>
/// <item><c>episode-close-reason</c>: the close reason (<see cref="EpisodeCodes.CloseReasonSystem"/>).</item>
/// <item><c>episode-contacts</c>, <c>episode-contact-minutes</c>: how many contacts, and their minutes in all.</item>
/// <item><c>plan-actions</c>, <c>plan-actions-done</c>: the plan's actions offered, and those done (taken up).</item>
/// <item><c>plan-goal</c>, one per goal: its achievement status (goal-achievement code), with the goal's words as text only
/// with consent, and its importance and confidence as <c>Goal/{id}</c> carries them.</item>
/// <item><c>episode-assessment</c>, one per wellbeing assessment: Reference to its <c>QuestionnaireResponse/{referralId}-lw{n}</c>
/// (readable by the practice, with its Observations), the display the date taken and the scores by measure code, numbers only.</item>
/// <item><c>episode-summary</c>: a narrative (what matters, the goals and where they stand) only with consent
/// (<see cref="ReferralDocument.HasConsent"/>).</item>
/// </list>
/// Onward connections (what was offered and taken up in the community) are the onward-connection slice's, not these.</summary>
public static class EpisodeDischarge
{
    private static readonly string[] Types = ["care-plan", "episode-close-reason", "episode-contacts", "episode-contact-minutes", "plan-actions", "plan-actions-done", "plan-goal", "episode-assessment", "episode-summary"];

    public static void Record(FhirTask task, Episode episode, ReferralDocument document, Questionnaire instrument)
    {
        task.Output.RemoveAll(o => o.Type?.Text is { } type && Types.Contains(type));
        var reason = episode.Closed ?? EpisodeCloseReason.GoalsMet;
        Add(task, "care-plan", new ResourceReference($"CarePlan/{episode.CarePlanId}"));
        Add(task, "episode-close-reason", new CodeableConcept(EpisodeCodes.CloseReasonSystem, reason.Spelling(), reason.Label(), reason.Label()));
        Add(task, "episode-contacts", new UnsignedInt(episode.Contacts.Count));
        Add(task, "episode-contact-minutes", new UnsignedInt(episode.Contacts.Sum(c => c.Minutes)));
        Add(task, "plan-actions", new UnsignedInt(episode.Actions));
        Add(task, "plan-actions-done", new UnsignedInt(episode.Goals.Sum(g => g.Actions.Count(a => a.Status == PlanActionStatus.Completed))));
        foreach (var goal in episode.Goals)
        {
            var text = document.HasConsent ? $"{goal.Text}: {goal.Progress.Label().ToLowerInvariant()}" : $"Goal {goal.Number}: {goal.Progress.Label().ToLowerInvariant()}";
            Add(task, "plan-goal", new CodeableConcept(EpisodeCodes.GoalAchievementSystem, goal.Progress.Spelling(), null, text));
        }

        foreach (var assessment in episode.Taken)
        {
            var id = Episode.AssessmentId(episode.ReferralId, assessment.Number);
            Add(task, "episode-assessment", new ResourceReference($"QuestionnaireResponse/{id}",
                $"{assessment.Date.ToString("O", CultureInfo.InvariantCulture)}: {EpisodeAssessments.Numbers(assessment, instrument)}"));
        }

        if (document.HasConsent)
        {
            var summary = new StringBuilder();
            if (episode.WhatMatters is { } matters)
            {
                summary.Append(CultureInfo.InvariantCulture, $"What matters to the person: {matters}\n");
            }

            foreach (var goal in episode.Goals)
            {
                summary.Append(CultureInfo.InvariantCulture, $"Goal {goal.Number}: {goal.Text} (importance {goal.Importance}/10, confidence {goal.Confidence}/10): {goal.Progress.Label().ToLowerInvariant()}\n");
            }

            summary.Append(CultureInfo.InvariantCulture, $"Closed: {reason.Label().ToLowerInvariant()}.");
            Add(task, "episode-summary", new FhirString(summary.ToString()));
        }
    }

    private static void Add(FhirTask task, string type, DataType value) =>
        task.Output.Add(new FhirTask.OutputComponent { Type = new CodeableConcept { Text = type }, Value = value });
}

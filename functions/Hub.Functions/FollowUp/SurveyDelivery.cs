using Hub.Referrals;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.FollowUp;

/// <summary>One survey email, as the follow-up decides it: the stage it opens, its once-keys, how long its link works,
/// who gets it when the patient's address is refused, and what the Task says once it is sent.</summary>
public sealed record SurveyDelivery(SurveyKind Kind, SurveyStepName Step)
{
    public static SurveyDelivery Of(SurveyStep step) => new(step.Kind, step.Step);

    public bool IsReminder => Step != SurveyStepName.FirstSend;

    public FollowUpStage Opens => Kind == SurveyKind.Baseline ? FollowUpStage.BaselineSent : IsReminder ? FollowUpStage.SurveyReminded : FollowUpStage.SurveySent;

    public TimeSpan LinkLifetime(FollowUpOptions options) => Kind == SurveyKind.Baseline ? options.BaselineWindow : options.SurveyWindow;

    /// <summary>The email's once-key; the provider's copy has its own, so a fallback after a refusal still goes.</summary>
    public string EmailKey(SurveyRecipient to) => $"survey-{Kind.Spelling()}-{Step.Value}{(to == SurveyRecipient.Provider ? "-provider" : string.Empty)}";

    /// <summary>The survey step and recipient an email's once-key names (<see cref="EmailKey"/> read back); null for a key
    /// that is not a survey email's.</summary>
    public static (SurveyDelivery Delivery, SurveyRecipient To)? FromEmailKey(string emailKey)
    {
        const string ProviderSuffix = "-provider";
        foreach (var kind in Enum.GetValues<SurveyKind>())
        {
            var prefix = $"survey-{kind.Spelling()}-";
            if (!emailKey.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = emailKey[prefix.Length..];
            var to = rest.EndsWith(ProviderSuffix, StringComparison.Ordinal) ? SurveyRecipient.Provider : SurveyRecipient.Patient;
            var step = SurveyStepName.FromStored(to == SurveyRecipient.Provider ? rest[..^ProviderSuffix.Length] : rest);
            if (step == SurveyStepName.FirstSend || (step.IsReminder && int.TryParse(step.Value["reminder-".Length..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)))
            {
                return (new SurveyDelivery(kind, step), to);
            }
        }

        return null;
    }

    /// <summary>The patient's address was refused: the provider goes through the survey with them instead.</summary>
    public static SurveyRecipient AfterPatientRefused => SurveyRecipient.Provider;

    public TaskStep TaskStep(SurveyRecipient recipient) => new(
        FhirTask.TaskStatus.InProgress,
        Kind == SurveyKind.Baseline ? TaskBusinessStatus.BaselineSurveySent : IsReminder ? TaskBusinessStatus.SurveyReminded : TaskBusinessStatus.SurveySent,
        recipient == SurveyRecipient.Provider ? "The provider is asked to go through the survey with the patient." : null);
}

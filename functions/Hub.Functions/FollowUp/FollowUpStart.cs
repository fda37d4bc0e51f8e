namespace Hub.FollowUp;

/// <summary>How a follow-up starts, decided at acceptance: which baseline the change will be measured from, and who the
/// surveys go to.</summary>
public sealed record FollowUpStart(BaselineSource Baseline, SurveyRecipient Recipient)
{
    /// <summary>The referral brought no baseline and the patient can be emailed: a baseline survey goes out now.</summary>
    public bool SendsBaselineSurvey => Baseline == BaselineSource.Survey;

    /// <param name="canEmailPatient">The referral has the patient's address and their consent.</param>
    /// <param name="baselineCameWithReferral">The GP system sent baseline answers with the referral.</param>
    public static FollowUpStart Decide(bool canEmailPatient, bool baselineCameWithReferral) => new(
        baselineCameWithReferral ? BaselineSource.WithReferral : canEmailPatient ? BaselineSource.Survey : BaselineSource.None,
        canEmailPatient ? SurveyRecipient.Patient : SurveyRecipient.Provider);

    /// <summary>Which baseline a follow-up ended with: the one its answers came from (a baseline survey sent but never
    /// answered leaves none).</summary>
    public static BaselineSource BaselineOf(IEnumerable<SurveyResponse> responses) =>
        responses.FirstOrDefault(r => r.Kind == SurveyKind.Baseline)?.Source is { } source
            ? source == AnswerSource.WithReferral ? BaselineSource.WithReferral : BaselineSource.Survey
            : BaselineSource.None;
}

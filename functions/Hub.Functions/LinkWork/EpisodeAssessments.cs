using Hl7.Fhir.Model;
using Hub.FollowUp;
using Hub.Providers;
using Hub.Referrals;

namespace Hub.LinkWork;

/// <summary>One question of the assessment as the page and the API ask it: the instrument's linkId, its text, its range.</summary>
public sealed record AssessmentQuestion(string LinkId, string Text, int Min, int Max)
{
    /// <summary>The field a form or an API call sends the score in.</summary>
    public string Field => $"assessment-{LinkId}";
}

/// <summary>The wellbeing assessments a link worker takes: the ONS4 section (<see cref="Section"/>) of the configured
/// follow-up Questionnaire, so the link worker asks the very questions the follow-up survey asks and the answers become
/// the same QuestionnaireResponse and Observations (<see cref="OutcomeResources.Build"/>), recorded as the link worker's:
/// ids <c>{referralId}-lw{n}</c> (<see cref="Episode.AssessmentId"/>), the QuestionnaireResponse's author and each
/// Observation's performer the service (the Organization reference <c>CarePlan.author</c> carries), effective the date
/// taken, basedOn the referral, derivedFrom the QuestionnaireResponse. Numbers only: no words of the person's.</summary>
public sealed class EpisodeAssessments
{
    public const string Section = "ons4";

    public EpisodeAssessments(QuestionnaireLibrary library)
    {
        Instrument = library.FollowUp;
        var group = QuestionnaireLibrary.All(Instrument.Item).FirstOrDefault(i => i.LinkId == Section && i.Type == Questionnaire.QuestionnaireItemType.Group)
                    ?? throw new InvalidOperationException($"The follow-up questionnaire '{Instrument.Id}' has no '{Section}' group for the link worker's assessment.");
        Questions = [.. QuestionnaireLibrary.Questions(group.Item).Where(i => i.Type == Questionnaire.QuestionnaireItemType.Integer)
            .Select(i => { var (min, max) = QuestionnaireLibrary.IntegerRange(i); return new AssessmentQuestion(i.LinkId!, i.Text ?? i.LinkId!, min, max); })];
        if (Questions.Count == 0)
        {
            throw new InvalidOperationException($"The '{Section}' group of '{Instrument.Id}' has no whole-number questions.");
        }
    }

    public Questionnaire Instrument { get; }

    public IReadOnlyList<AssessmentQuestion> Questions { get; }

    /// <summary>The assessment as FHIR: its QuestionnaireResponse first, then one Observation per question; none when the
    /// referral has no NHS number to name the person by.</summary>
    public IReadOnlyList<Resource> Resources(Episode episode, EpisodeAssessment assessment, ReferralRecord record, ReferralDocument document, Provider? service)
    {
        if (document.NhsNumber is not { } nhs)
        {
            return [];
        }

        var answers = assessment.Scores.ToDictionary(s => s.Key, s => new SurveyAnswer(s.Key, Number: s.Value), StringComparer.Ordinal);
        var subject = new OutcomeSubject(record.ReferralId, nhs, new Identifier(record.IdentifierSystem, record.IdentifierValue));
        var built = OutcomeResources.Build(Instrument, answers, subject, "assessment", assessment.Recorded).Entry.Select(e => e.Resource!).ToList();
        var id = Episode.AssessmentId(episode.ReferralId, assessment.Number);
        var performer = CarePlanResources.Author(episode, service);
        var prefix = OutcomeResources.ResponseId(record.ReferralId, "assessment");
        var taken = new FhirDateTime(assessment.Date.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        foreach (var resource in built)
        {
            switch (resource)
            {
                case QuestionnaireResponse response:
                    response.Id = id;
                    response.Identifier = new Identifier(OutcomeResources.OutcomeIdSystem, id);
                    response.Author = (ResourceReference)performer.DeepCopy();
                    break;
                case Observation observation:
                    // The survey's id is {response id}-{linkId}: keep the linkId under the assessment's id.
                    var linkId = observation.Id![(prefix.Length + 1)..];
                    observation.Id = $"{id}-{linkId}";
                    observation.Identifier = [new Identifier(OutcomeResources.OutcomeIdSystem, observation.Id)];
                    observation.Performer = [(ResourceReference)performer.DeepCopy()];
                    observation.Effective = (FhirDateTime)taken.DeepCopy();
                    observation.DerivedFrom = [new ResourceReference($"QuestionnaireResponse/{id}")];
                    break;
            }
        }

        return built;
    }

    /// <summary>An assessment's scores in the instrument's codes, for the discharge message: "ons4-life-satisfaction 7, …".</summary>
    public static string Numbers(EpisodeAssessment assessment, Questionnaire instrument)
    {
        var codes = QuestionnaireLibrary.Questions(instrument.Item).Where(i => i.LinkId is not null && i.Code.Count > 0)
            .ToDictionary(i => i.LinkId!, i => i.Code[0].Code ?? i.LinkId!, StringComparer.Ordinal);
        return string.Join(", ", assessment.Scores.Select(s => $"{codes.GetValueOrDefault(s.Key, s.Key)} {s.Value}"));
    }
}

/// <summary>The link worker's assessments beside the follow-up's answers in the practice's <c>fhir/Observation</c> and
/// <c>fhir/QuestionnaireResponse</c> reads (<see cref="OutcomeReadHttp"/>).</summary>
public sealed class EpisodeAssessmentOutcomes(EpisodeStore episodes, EpisodeAssessments assessments, ReferralDocuments documents, ProviderDirectory providers) : IOutcomeSource
{
    public async Task<IReadOnlyList<Resource>> ResourcesAsync(ReferralRecord record, CancellationToken cancellationToken = default)
    {
        var episode = await episodes.GetAsync(record.ReferralId, cancellationToken);
        if (episode is null || episode.Taken.Count == 0 || await documents.LoadAsync(record, cancellationToken) is not { } loaded)
        {
            return [];
        }

        var service = await providers.GetAsync(episode.ServiceId, cancellationToken);
        return [.. episode.Taken.SelectMany(a => assessments.Resources(episode, a, record, loaded.Document, service))];
    }
}

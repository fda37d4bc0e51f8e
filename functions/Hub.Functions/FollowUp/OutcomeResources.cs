using System.Security.Cryptography;
using System.Text;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;

namespace Hub.FollowUp;

/// <summary>What the patient is, for outcome resources: referenced by NHS number, as the GP record knows them.</summary>
/// <param name="GpIdentifier">The referral's id in the GP system, which write-back points <c>basedOn</c> at.</param>
public sealed record OutcomeSubject(string ReferralId, string NhsNumber, Identifier? GpIdentifier);

/// <summary>A survey's answers as FHIR: one QuestionnaireResponse and one Observation per coded item, plus the totals
/// the instrument defines, all pointing at the referral (<c>basedOn</c>) and the response (<c>derivedFrom</c>). Ids and
/// identifiers come from the referral and the item, so building twice gives the same resources and write-back can make
/// them conditional creates.</summary>
public static class OutcomeResources
{
    public const string OutcomeIdSystem = FhirCodes.HubBase + "/Id/outcome";
    private const string ObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category";

    public static string ResponseId(string referralId, string kind) => $"{referralId}-{(kind == "baseline" ? "bl" : "fu")}";

    /// <summary>The referral a response or observation id belongs to (ids start with it), so a read can check access.</summary>
    public static string? ReferralIdOf(string resourceId) => resourceId.Length >= 39 && Guid.TryParse(resourceId[..36], out _) ? resourceId[..36] : null;

    /// <summary>The hub's copy: a collection Bundle with the QuestionnaireResponse first, then its Observations.</summary>
    public static Bundle Build(Questionnaire questionnaire, IReadOnlyDictionary<string, SurveyAnswer> answers, OutcomeSubject subject, string kind, DateTimeOffset authored)
    {
        var responseId = ResponseId(subject.ReferralId, kind);
        var patient = new ResourceReference { Type = "Patient", Identifier = new Identifier(FhirCodes.NhsNumberSystem, subject.NhsNumber) };
        var basedOn = new ResourceReference($"ServiceRequest/{subject.ReferralId}") { Type = "ServiceRequest", Identifier = subject.GpIdentifier };
        var when = new FhirDateTime(authored);
        var response = new QuestionnaireResponse
        {
            Id = responseId,
            Identifier = new Identifier(OutcomeIdSystem, responseId),
            Questionnaire = $"{questionnaire.Url}|{questionnaire.Version}",
            Status = QuestionnaireResponse.QuestionnaireResponseStatus.Completed,
            Subject = patient,
            Source = patient,
            AuthoredElement = when,
            BasedOn = [basedOn],
            Item = Items(questionnaire.Item, answers),
        };

        var bundle = new Bundle { Id = responseId, Type = Bundle.BundleType.Collection };
        bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"QuestionnaireResponse/{responseId}", Resource = response });
        Observation Observe(AskedMeasure measure, DataType value) => new()
        {
            Id = $"{responseId}-{measure.LinkId}",
            Identifier = [new Identifier(OutcomeIdSystem, $"{responseId}-{measure.LinkId}")],
            Status = ObservationStatus.Final,
            Category = [new CodeableConcept(ObservationCategory, "survey", "Survey")],
            Code = new CodeableConcept { Coding = [.. measure.Codings.Select(c => new Coding(c.System, c.Code, c.Display))], Text = measure.Display },
            Subject = patient,
            Effective = when,
            Issued = authored,
            BasedOn = [basedOn],
            DerivedFrom = [new ResourceReference($"QuestionnaireResponse/{responseId}")],
            Value = value,
        };

        // The measures as the instrument asks them: each answered question, then the totals it defines.
        var asked = AskedMeasure.In(questionnaire).ToList();
        foreach (var item in asked.Where(m => m.Kind == MeasureKind.Item))
        {
            if (answers.TryGetValue(item.LinkId, out var answer) && answer.Score is { } score)
            {
                DataType value = answer.YesNo is { } yes ? new FhirBoolean(yes) : new Integer((int)score);
                Add(bundle, Observe(item, value));
            }
        }

        var measures = SurveyAnswers.Measures(questionnaire, answers);
        foreach (var total in asked.Where(m => m.Kind == MeasureKind.Total))
        {
            if (measures.TryGetValue(total.Code, out var sum))
            {
                Add(bundle, Observe(total, new Integer((int)sum)));
            }
        }

        return bundle;
    }

    /// <summary>The practice's copy: a transaction of conditional creates (<c>ifNoneExist</c> on the hub's identifier), so a
    /// retried write-back never duplicates. References point at the GP's own records: the patient by NHS number, the
    /// referral by the GP system's identifier, the response by its place in this Bundle.</summary>
    public static Bundle Transaction(Bundle stored)
    {
        var transaction = new Bundle { Type = Bundle.BundleType.Transaction };
        var resources = stored.Entry.Select(e => e.Resource!).ToList();
        var fullUrls = resources.ToDictionary(r => $"{r.TypeName}/{r.Id}", r => $"urn:uuid:{StableUuid(r.Id!)}", StringComparer.Ordinal);
        foreach (var original in resources)
        {
            var resource = (Resource)original.DeepCopy();
            var identifier = resource switch
            {
                QuestionnaireResponse qr => qr.Identifier!,
                Observation o => o.Identifier.First(),
                _ => throw new InvalidOperationException($"Unexpected {resource.TypeName} in an outcome bundle."),
            };
            var basedOn = resource is QuestionnaireResponse r ? r.BasedOn : ((Observation)resource).BasedOn;
            foreach (var reference in basedOn)
            {
                // The hub's ServiceRequest id means nothing to the GP system; its own identifier does.
                reference.Reference = reference.Identifier is null ? reference.Reference : null;
            }

            if (resource is Observation observation)
            {
                foreach (var derived in observation.DerivedFrom)
                {
                    derived.Reference = fullUrls[derived.Reference!];
                }
            }

            var localId = resource.Id;
            resource.Id = null;
            transaction.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = fullUrls[$"{resource.TypeName}/{localId}"],
                Resource = resource,
                Request = new Bundle.RequestComponent
                {
                    Method = Bundle.HTTPVerb.POST,
                    Url = resource.TypeName,
                    IfNoneExist = $"identifier={identifier.System}|{identifier.Value}",
                },
            });
        }

        return transaction;
    }

    private static void Add(Bundle bundle, Observation observation) =>
        bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"Observation/{observation.Id}", Resource = observation });

    private static List<QuestionnaireResponse.ItemComponent> Items(IEnumerable<Questionnaire.ItemComponent> items, IReadOnlyDictionary<string, SurveyAnswer> answers)
    {
        var result = new List<QuestionnaireResponse.ItemComponent>();
        foreach (var item in items)
        {
            if (item.Type == Questionnaire.QuestionnaireItemType.Display)
            {
                continue;
            }

            var children = Items(item.Item, answers);
            var answered = answers.TryGetValue(item.LinkId!, out var found) ? found : null;
            if (answered is null && children.Count == 0)
            {
                continue;
            }

            var responseItem = new QuestionnaireResponse.ItemComponent { LinkId = item.LinkId, Text = item.Text };
            if (item.Type == Questionnaire.QuestionnaireItemType.Group)
            {
                responseItem.Item = children;
            }
            else if (answered is not null)
            {
                // A question's nested items (hints are display items and are skipped) would go inside its answer.
                responseItem.Answer = [new QuestionnaireResponse.AnswerComponent
                {
                    Value = answered.Number is { } n ? new Integer(n) : answered.YesNo is { } b ? new FhirBoolean(b) : new Coding(answered.Coding!.System, answered.Coding.Code, answered.Coding.Display),
                }];
            }

            result.Add(responseItem);
        }

        return result;
    }

    private static Guid StableUuid(string id)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(id));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}

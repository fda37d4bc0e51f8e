using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Hub.Platform.Storage;
using Hub.Referrals;

namespace Hub.FollowUp;

/// <summary>Where a referral's outcome follow-up is: which survey is open, who answers it (the patient by email, or the
/// provider with the patient), and whether the patient opted out. The survey page reads it to tell a live link from a
/// closed one.</summary>
/// <param name="OpenSurvey">The survey whose link works now, or null.</param>
public sealed record FollowUpState(
    string ReferralId,
    string PracticeOds,
    string ProviderId,
    SurveyRecipient Recipient,
    BaselineSource Baseline,
    SurveyKind? OpenSurvey,
    FollowUpStage Stage,
    DateTimeOffset? OptedOutAt);

/// <summary>One survey's answers, as the evidence reports read them: a score per measure code (totals included), whether
/// every item was answered, and where the answers came from. The FHIR resources made from them are in the document store.</summary>
/// <param name="DocumentName">The resources' document in the document store: one per attempt at recording, so that two
/// submissions of the same survey never write over each other's (null for rows written before, under the kind's name).</param>
public sealed record SurveyResponse(
    string ReferralId,
    string PracticeOds,
    SurveyKind Kind,
    string QuestionnaireUrl,
    AnswerSource Source,
    DateTimeOffset Authored,
    bool Complete,
    IReadOnlyDictionary<string, decimal> Measures,
    int DocumentChunks,
    WriteBackState WriteBack,
    string? WriteBackDetail = null,
    string? DocumentName = null);

public sealed class FollowUpStore(HubTables tables, DocumentStore documents)
{
    public const string FollowUps = "FollowUps";
    public const string SurveyResponses = "SurveyResponses";

    public static string DocumentName(SurveyKind kind) => $"outcome-{kind.Spelling()}";

    public async Task SetAsync(FollowUpState state, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(FollowUps);
        await table.UpsertEntityAsync(EntityOf(state), TableUpdateMode.Replace, cancellationToken);
    }

    private static TableEntity EntityOf(FollowUpState state) => new(state.ReferralId, "state")
    {
        ["PracticeOds"] = state.PracticeOds,
        ["ProviderId"] = state.ProviderId,
        ["Recipient"] = state.Recipient.Spelling(),
        ["Baseline"] = state.Baseline.Spelling(),
        ["OpenSurvey"] = state.OpenSurvey?.Spelling(),
        ["Stage"] = state.Stage.Spelling(),
        ["OptedOutAt"] = state.OptedOutAt,
    };

    public async Task<FollowUpState?> GetAsync(string referralId, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(referralId))
        {
            return null;
        }

        var table = await tables.GetAsync(FollowUps);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(referralId, "state", cancellationToken: cancellationToken);
        if (!row.HasValue)
        {
            return null;
        }

        return StateOf(row.Value!);
    }

    private static FollowUpState StateOf(TableEntity e)
    {
        var referralId = e.PartitionKey;
        return new FollowUpState(referralId, e.GetString("PracticeOds"), e.GetString("ProviderId"),
            StoredSpelling.Parse<SurveyRecipient>(e.GetString("Recipient")), StoredSpelling.Parse<BaselineSource>(e.GetString("Baseline")),
            StoredSpelling.ParseOrNull<SurveyKind>(e.GetString("OpenSurvey")), StoredSpelling.Parse<FollowUpStage>(e.GetString("Stage")), e.GetDateTimeOffset("OptedOutAt"));
    }

    /// <summary>Changes the state if it is there (a follow-up that has not started has nothing to change). Conditional on
    /// the row read: an opt-out written meanwhile is read again and kept, never overwritten by a survey step.</summary>
    /// <returns>The state as written, or null when there is none.</returns>
    public async Task<FollowUpState?> UpdateAsync(string referralId, Func<FollowUpState, FollowUpState> change, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(referralId))
        {
            return null;
        }

        var table = await tables.GetAsync(FollowUps);
        for (var attempt = 0; ; attempt++)
        {
            var row = await table.GetEntityIfExistsAsync<TableEntity>(referralId, "state", cancellationToken: cancellationToken);
            if (!row.HasValue)
            {
                return null;
            }

            var changed = change(StateOf(row.Value!));
            try
            {
                await table.UpdateEntityAsync(EntityOf(changed), row.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
                return changed;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < 10)
            {
                // Someone wrote in between: read their change and apply ours on top.
            }
        }
    }

    /// <summary>Stores a survey's answers and the FHIR made from them: the document first, then the row that points at
    /// it, so a reader never finds a row without its resources. Insert-only: the first submission stays.</summary>
    /// <returns>False when answers of this kind were already stored.</returns>
    public async Task<bool> TryAddResponseAsync(SurveyResponse response, string resourcesJson, CancellationToken cancellationToken = default)
    {
        if (await GetResponseAsync(response.PracticeOds, response.ReferralId, response.Kind, cancellationToken) is not null)
        {
            return false;
        }

        // A document of its own, then the row pointing to it: the row added first (the only one kept) names whole resources.
        var name = $"{DocumentName(response.Kind)}-{Guid.NewGuid():N}";
        var chunks = await documents.WriteAsync(response.ReferralId, name, resourcesJson, cancellationToken);
        var table = await tables.GetAsync(SurveyResponses);
        await new ReferralChanges(tables).NoteAsync(response.ReferralId, response.PracticeOds, NotedSource.Answers, cancellationToken);
        try
        {
            await table.AddEntityAsync(EntityOf(response with { DocumentChunks = chunks, DocumentName = name }), cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Another submission's row came first: its document stands, this one's is nobody's.
            await documents.DeleteAsync(response.ReferralId, name, chunks, CancellationToken.None);
            return false;
        }
    }

    public async Task SetWriteBackAsync(string practiceOds, string referralId, SurveyKind kind, WriteBackState state, string? detail, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(SurveyResponses);
        await table.UpdateEntityAsync(new TableEntity(practiceOds, RowKey(referralId, kind)) { ["WriteBack"] = state.Spelling(), ["WriteBackDetail"] = detail },
            ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    public async Task<SurveyResponse?> GetResponseAsync(string practiceOds, string referralId, SurveyKind kind, CancellationToken cancellationToken = default)
    {
        if (!TableKeys.IsSafe(practiceOds) || !TableKeys.IsSafe(referralId))
        {
            return null;
        }

        var table = await tables.GetAsync(SurveyResponses);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(practiceOds, RowKey(referralId, kind), cancellationToken: cancellationToken);
        return row.HasValue ? ToResponse(row.Value!) : null;
    }

    /// <summary>A referral's stored responses (baseline and follow-up), for the FHIR API.</summary>
    public async Task<IReadOnlyList<SurveyResponse>> ResponsesAsync(string practiceOds, string referralId, CancellationToken cancellationToken = default)
    {
        var found = new List<SurveyResponse>();
        if (!TableKeys.IsSafe(practiceOds) || !TableKeys.IsSafe(referralId))
        {
            return found;
        }

        // One query for every kind: the rows `{referralId}-{kind}` sort together in the practice's partition.
        var table = await tables.GetAsync(SurveyResponses);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {practiceOds} and RowKey gt {referralId + "-"} and RowKey lt {referralId + "."} and ReferralId eq {referralId}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            found.Add(ToResponse(row));
        }

        return found.OrderBy(r => r.Kind).ToList();
    }

    /// <summary>Every stored survey's scores, for the evidence snapshot: (referral id, kind, measures), no FHIR parsed.</summary>
    public async IAsyncEnumerable<SurveyResponse> AllResponsesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(SurveyResponses);
        await foreach (var row in table.QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            yield return ToResponse(row);
        }
    }

    public Task<string?> ReadResourcesAsync(SurveyResponse response, CancellationToken cancellationToken = default) =>
        documents.ReadAsync(response.ReferralId, response.DocumentName ?? DocumentName(response.Kind), response.DocumentChunks, cancellationToken);

    private static string RowKey(string referralId, SurveyKind kind) => $"{referralId}-{kind.Spelling()}";

    /// <summary>A survey's answers as the table holds them: one partition per practice.</summary>
    public static TableEntity EntityOf(SurveyResponse r) => new(r.PracticeOds, RowKey(r.ReferralId, r.Kind))
    {
        ["ReferralId"] = r.ReferralId,
        ["Kind"] = r.Kind.Spelling(),
        ["QuestionnaireUrl"] = r.QuestionnaireUrl,
        ["Source"] = r.Source.Spelling(),
        ["Authored"] = r.Authored,
        ["Complete"] = r.Complete,
        ["Measures"] = JsonSerializer.Serialize(r.Measures),
        ["DocumentChunks"] = r.DocumentChunks,
        ["WriteBack"] = r.WriteBack.Spelling(),
        ["WriteBackDetail"] = r.WriteBackDetail,
        ["DocumentName"] = r.DocumentName,
    };

    private static SurveyResponse ToResponse(TableEntity e) => new(
        e.GetString("ReferralId"),
        e.PartitionKey,
        StoredSpelling.Parse<SurveyKind>(e.GetString("Kind")),
        e.GetString("QuestionnaireUrl"),
        StoredSpelling.Parse<AnswerSource>(e.GetString("Source")),
        e.GetDateTimeOffset("Authored") ?? default,
        e.GetBoolean("Complete") ?? false,
        JsonSerializer.Deserialize<Dictionary<string, decimal>>(e.GetString("Measures") ?? "{}") ?? [],
        e.GetInt32("DocumentChunks") ?? 1,
        StoredSpelling.Parse<WriteBackState>(e.GetString("WriteBack")),
        e.GetString("WriteBackDetail"),
        e.GetString("DocumentName"));
}

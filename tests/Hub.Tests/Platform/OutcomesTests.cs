using System.Net;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;

namespace Hub.Tests.Platform;

/// <summary>Error answers carry NHS http-error-codes that exist: a client (or a validator) looking a code up in
/// https://fhir.nhs.uk/CodeSystem/http-error-codes finds it, and no status is coded as another (a 412 as a "500").</summary>
[Trait("Category", "Unit")]
public sealed class OutcomesTests
{
    /// <summary>Seen in the published CodeSystem, or in the BaRS guide's failure scenarios and OperationOutcome examples.</summary>
    private static readonly HashSet<string> Published =
    [
        "REC_BAD_REQUEST", "REC_UNAUTHORIZED", "REC_FORBIDDEN", "REC_NOT_FOUND", "REC_METHOD_NOT_ALLOWED", "REC_NOT_ACCEPTABLE",
        "REC_CONFLICT", "REC_UNPROCESSABLE_ENTITY", "REC_SERVER_ERROR", "REC_NOT_IMPLEMENTED", "REC_SERVICE_UNAVAILABLE",
    ];

    /// <summary>Kept, and named in Outcomes as not yet confirmed in a terminology source.</summary>
    private static readonly HashSet<string> Unconfirmed = ["REC_PAYLOAD_TOO_LARGE", "REC_UNSUPPORTED_MEDIA_TYPE", "REC_TOO_MANY_REQUESTS"];

    private static OperationOutcome.IssueComponent Issue(HttpStatusCode status) =>
        Outcomes.For(status, new FhirProblem(OperationOutcome.IssueType.Conflict, "x")).Issue.Single();

    [Theory]
    [InlineData(HttpStatusCode.PreconditionFailed, "412: Precondition failed.")]
    [InlineData(HttpStatusCode.PreconditionRequired, "428: Precondition required.")]
    public void A_precondition_answer_carries_no_invented_code_and_says_its_status(HttpStatusCode status, string text)
    {
        var issue = Issue(status);

        Assert.Empty(issue.Details.Coding);
        Assert.Equal(text, issue.Details.Text);
    }

    [Fact]
    public void Every_code_written_is_a_published_one_whose_display_names_its_own_status()
    {
        foreach (var status in Enum.GetValues<HttpStatusCode>().Where(s => (int)s >= 400).Distinct())
        {
            var coding = Issue(status).Details.Coding.SingleOrDefault();
            if (coding is null)
            {
                Assert.StartsWith($"{(int)status}: ", Issue(status).Details.Text, StringComparison.Ordinal);
                continue;
            }

            Assert.Equal(FhirCodes.NhsHttpErrorCodes, coding.System);
            Assert.True(Published.Contains(coding.Code) || Unconfirmed.Contains(coding.Code), $"{(int)status} is coded {coding.Code}");
            var shown = (int)status >= 500 && coding.Code == "REC_SERVER_ERROR" ? 500 : (int)status;
            Assert.StartsWith($"{shown}: ", coding.Display, StringComparison.Ordinal);
        }
    }
}

using Hub.Chase;

namespace Hub.Tests.Chase;

/// <summary>The provider's page asks for a reason to decline and, optionally, the first session's date on accepting:
/// what the provider typed is checked before anything is recorded.</summary>
[Trait("Category", "Unit")]
public sealed class ProviderAnswerFormTests
{
    private static Func<string, string> Form(params (string Name, string Value)[] fields) =>
        name => fields.FirstOrDefault(f => f.Name == name).Value ?? string.Empty;

    [Fact]
    public void A_decline_takes_a_listed_reason_and_a_trimmed_note()
    {
        var answer = ProviderAnswerForm.Read("decline", Form(("reason", "out-of-area"), ("note", "  We cover LS6 only. ")));
        Assert.Empty(answer.Errors);
        Assert.Equal((DeclineReason.OutOfArea, "We cover LS6 only."), (answer.Reason, answer.Note));
    }

    [Fact]
    public void A_decline_without_a_reason_or_with_a_long_note_names_each_field()
    {
        var answer = ProviderAnswerForm.Read("decline", Form(("reason", "busy"), ("note", new string('x', 501))));
        Assert.Equal(["reason", "note"], answer.Errors.Select(e => e.Field));
        Assert.Null(answer.Reason);
        Assert.Null(ProviderAnswerForm.Read("decline", Form(("reason", "other"))).Note);   // an empty note is no note
    }

    [Fact]
    public void An_acceptance_may_give_a_real_first_session_date_or_none()
    {
        Assert.Equal(new DateOnly(2027, 3, 7), ProviderAnswerForm.Read("accept", Form(("day", "7"), ("month", "3"), ("year", "2027"))).FirstSession);
        Assert.Null(ProviderAnswerForm.Read("accept", Form()).FirstSession);
        Assert.Empty(ProviderAnswerForm.Read("accept", Form()).Errors);

        var wrong = ProviderAnswerForm.Read("accept", Form(("day", "31"), ("month", "2"), ("year", "2027")));
        Assert.Equal("day", Assert.Single(wrong.Errors).Field);
        Assert.Null(wrong.FirstSession);
    }
}

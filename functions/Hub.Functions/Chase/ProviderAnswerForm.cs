using System.Globalization;
using Hub.Referrals;

namespace Hub.Chase;

/// <summary>What a provider filled in on the accept or decline page, checked: a decline needs one of the listed reasons
/// and a note of at most 500 characters; an acceptance may give the first session's date, which must be a real date.</summary>
public sealed record ProviderAnswerForm(DeclineReason? Reason, string? Note, DateOnly? FirstSession, List<(string Field, string Message)> Errors)
{
    public const int NoteLimit = 500;

    /// <param name="action">The link's action: <c>accept</c> or <c>decline</c>.</param>
    /// <param name="field">A form field's value, empty when absent.</param>
    public static ProviderAnswerForm Read(string action, Func<string, string> field)
    {
        var errors = new List<(string Field, string Message)>();
        if (action == "decline")
        {
            var note = field("note").Trim();
            DeclineReason? reason = StoredSpelling.TryParse<DeclineReason>(field("reason"), out var chosen) ? chosen : null;
            if (reason is null)
            {
                errors.Add(("reason", "Select why you cannot take this referral"));
            }

            if (note.Length > NoteLimit)
            {
                errors.Add(("note", $"The note must be {NoteLimit} characters or fewer"));
            }

            return new ProviderAnswerForm(reason, note.Length == 0 ? null : note, null, errors);
        }

        var (day, month, year) = (field("day").Trim(), field("month").Trim(), field("year").Trim());
        DateOnly? firstSession = null;
        if (day.Length + month.Length + year.Length > 0)
        {
            if (DateOnly.TryParseExact($"{year}-{month.PadLeft(2, '0')}-{day.PadLeft(2, '0')}", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                firstSession = date;
            }
            else
            {
                errors.Add(("day", "The first session date must be a real date, like 27 3 2027, or left empty"));
            }
        }

        return new ProviderAnswerForm(null, null, firstSession, errors);
    }
}

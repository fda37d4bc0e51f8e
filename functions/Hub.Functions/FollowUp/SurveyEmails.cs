using System.Net;
using Hub.Email;
using Hub.Referrals;

namespace Hub.FollowUp;

/// <summary>The survey emails. A patient's carries their first name, the activity and the practice, and nothing
/// clinical; a provider's asks them to go through the survey with the person. Every email has an opt-out link.</summary>
public static class SurveyEmails
{
    public static EmailMessage ToPatient(string to, ReferralDocument referral, SurveyKind kind, bool reminder, string surveyUrl, string optOutUrl)
    {
        var name = referral.PatientFirstName ?? "there";
        var (subject, why) = kind == SurveyKind.Baseline
            ? ("Before you start: a few questions about how you are", $"You have been referred to {referral.Activity} by {referral.PracticeName}. Before you start, please answer a few short questions about how you are feeling, so we can see later whether it helped.")
            : ("How are you doing? A few questions about your social prescription", $"A few months ago {referral.PracticeName} referred you to {referral.Activity}. Please tell us how you are doing now. Your answers go to your GP record and help us see whether the service helps people.");
        subject = reminder ? $"Reminder: {subject}" : subject;
        var text = $"Dear {name},\n\n{why}\n\nIt takes about 3 minutes: {surveyUrl}\n\n" +
                   $"If you do not want to be asked again, stop these emails: {optOutUrl}\n";
        var html = $"<p>Dear {E(name)},</p><p>{E(why)}</p><p><a href=\"{E(surveyUrl)}\">Answer the questions</a> (about 3 minutes)</p>" +
                   $"<p>If you do not want to be asked again, <a href=\"{E(optOutUrl)}\">stop these emails</a>.</p>";
        return new EmailMessage(to, null, subject, text, html);
    }

    public static EmailMessage ToProvider(string to, string providerName, ReferralDocument referral, bool reminder, string surveyUrl, string optOutUrl)
    {
        var who = referral.PatientFirstName ?? "the person";
        var subject = $"{(reminder ? "Reminder: " : string.Empty)}Please go through the follow-up questions with {who}";
        var why = $"{who} was referred to you by {referral.PracticeName} for {referral.Activity} and we cannot email them. " +
                  $"Please go through a few short questions with {who} (by phone or at a session) and enter their answers on this page. The questions are for {who} to answer, in their own words.";
        var text = $"Dear {providerName},\n\n{why}\n\nThe questions: {surveyUrl}\n\nIf {who} does not want to be asked, record that here: {optOutUrl}\n";
        var html = $"<p>Dear {E(providerName)},</p><p>{E(why)}</p><p><a href=\"{E(surveyUrl)}\">Open the questions</a></p>" +
                   $"<p>If {E(who)} does not want to be asked, <a href=\"{E(optOutUrl)}\">record that here</a>.</p>";
        return new EmailMessage(to, providerName, subject, text, html);
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}

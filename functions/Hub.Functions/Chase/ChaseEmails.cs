using System.Net;
using Hub.Email;
using Hub.Referrals;

namespace Hub.Chase;

/// <summary>The emails of the chase. Each carries the minimum its reader needs to act: a provider gets the first name,
/// the activity, the practice and (with consent) the reason; a referrer gets their own referral reference and the
/// provider's name, never the patient's details. Everything shown is HTML-encoded.</summary>
public static class ChaseEmails
{
    public static EmailMessage Offer(string to, string providerName, ReferralDocument referral, string acceptUrl, string declineUrl, DateTimeOffset expires, bool reminder)
    {
        var who = referral.PatientFirstName ?? "A patient";
        var subject = reminder ? $"Reminder: a social prescribing referral is waiting for your answer ({referral.Activity})" : $"New social prescribing referral: {referral.Activity}";
        var reason = referral.ReasonIfShareable;
        var text =
            $"Dear {providerName},\n\n" +
            $"{referral.PracticeName} has referred {who} to you for {referral.Activity}.\n" +
            (reason is null ? string.Empty : $"In the referrer's words: {reason}\n") +
            $"\nPlease tell us whether you can take this referral:\n  Accept: {acceptUrl}\n  Decline: {declineUrl}\n\n" +
            $"Each link opens a page where you confirm. The links work until {expires:d MMMM yyyy}.\n";
        var html =
            $"<p>Dear {E(providerName)},</p>" +
            $"<p>{E(referral.PracticeName)} has referred <strong>{E(who)}</strong> to you for <strong>{E(referral.Activity)}</strong>.</p>" +
            (reason is null ? string.Empty : $"<p>In the referrer's words: {E(reason)}</p>") +
            "<p>Please tell us whether you can take this referral:</p>" +
            $"<p><a href=\"{E(acceptUrl)}\">Accept the referral</a></p><p><a href=\"{E(declineUrl)}\">Decline the referral</a></p>" +
            $"<p>Each link opens a page where you confirm. The links work until {expires:d MMMM yyyy}.</p>";
        return new EmailMessage(to, providerName, subject, text, html);
    }

    public static EmailMessage Withdrawn(string to, string providerName, ReferralDocument referral)
    {
        var who = referral.PatientFirstName ?? "the patient";
        var text = $"Dear {providerName},\n\n{referral.PracticeName} has withdrawn its referral of {who} for {referral.Activity}. No action is needed; please do not contact {who} about it.\n";
        var html = $"<p>Dear {E(providerName)},</p><p>{E(referral.PracticeName)} has withdrawn its referral of {E(who)} for {E(referral.Activity)}. No action is needed; please do not contact {E(who)} about it.</p>";
        return new EmailMessage(to, providerName, $"Referral withdrawn: {referral.Activity}", text, html);
    }

    /// <summary>A fresh link to the handover, which the accepting provider asked for: the link and the activity only,
    /// nothing of the person (the page behind the link shows the referral, to this provider only).</summary>
    public static EmailMessage HandoverLink(string to, string providerName, ReferralDocument referral, string url, DateTimeOffset expires)
    {
        var text =
            $"Dear {providerName},\n\nHere is the link you asked for, to a referral for {referral.Activity} that you accepted from {referral.PracticeName}:\n" +
            $"  Open: {url}\n\nThe link works until {expires:d MMMM yyyy}. If you did not ask for it, you can ignore this email.\n";
        var html =
            $"<p>Dear {E(providerName)},</p><p>Here is the link you asked for, to a referral for <strong>{E(referral.Activity)}</strong> that you accepted from {E(referral.PracticeName)}:</p>" +
            $"<p><a href=\"{E(url)}\">Open the referral</a></p><p>The link works until {expires:d MMMM yyyy}. If you did not ask for it, you can ignore this email.</p>";
        return new EmailMessage(to, providerName, $"Your link to a referral you accepted ({referral.Activity})", text, html);
    }

    /// <summary>A reminder to a provider that accepted and has reported nothing since: a fresh handover link, the activity
    /// and the practice only.</summary>
    public static EmailMessage ProgressReminder(string to, string providerName, ReferralDocument referral, string url, DateTimeOffset expires)
    {
        var text =
            $"Dear {providerName},\n\nYou accepted a referral for {referral.Activity} from {referral.PracticeName}, and we have not heard how it is going.\n" +
            $"Please tell us (contacted, first session, sessions, or that it ended) on the referral's page:\n  Open: {url}\n\nThe link works until {expires:d MMMM yyyy}.\n";
        var html =
            $"<p>Dear {E(providerName)},</p><p>You accepted a referral for <strong>{E(referral.Activity)}</strong> from {E(referral.PracticeName)}, and we have not heard how it is going.</p>" +
            $"<p>Please tell us (contacted, first session, sessions, or that it ended) on <a href=\"{E(url)}\">the referral's page</a>.</p><p>The link works until {expires:d MMMM yyyy}.</p>";
        return new EmailMessage(to, providerName, $"How is it going? A referral you accepted ({referral.Activity})", text, html);
    }

    /// <summary>News for the referrer, by their own referral reference.</summary>
    public static EmailMessage ToReferrer(string to, ReferralDocument referral, string headline, string detail, string taskUrl)
    {
        var reference = referral.ReferrerReference is null ? "your social prescribing referral" : $"your social prescribing referral {referral.ReferrerReference}";
        var text = $"About {reference} ({referral.Activity}):\n\n{headline}\n{detail}\n\nProgress: {taskUrl}\n";
        var html = $"<p>About {E(reference)} ({E(referral.Activity)}):</p><p><strong>{E(headline)}</strong></p><p>{E(detail)}</p><p>Progress: <a href=\"{E(taskUrl)}\">{E(taskUrl)}</a></p>";
        return new EmailMessage(to, null, $"Social prescribing referral {referral.ReferrerReference}: {headline}", text, html);
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}

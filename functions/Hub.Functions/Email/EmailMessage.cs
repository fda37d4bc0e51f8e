namespace Hub.Email;

/// <summary>One email to one person. Passed to the sender only: none of it is ever stored or logged.</summary>
public sealed record EmailMessage(string ToEmail, string? ToName, string Subject, string PlainText, string Html);

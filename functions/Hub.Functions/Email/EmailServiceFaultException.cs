namespace Hub.Email;

/// <summary>SendGrid refused the email for the hub's own fault, not the recipient's: a revoked or rotated key (401), an
/// unverified sender or a forbidden account (403), or any other refusal that does not name the recipient's address.
/// Thrown so the step is retried and, when retries run out, held; the step is not recorded as bounced, so once email
/// works again it sends exactly once. The message carries ids and the status only.</summary>
public sealed class EmailServiceFaultException : Exception
{
    public EmailServiceFaultException()
    {
    }

    public EmailServiceFaultException(string message)
        : base(message)
    {
    }

    public EmailServiceFaultException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public EmailServiceFaultException(string message, int statusCode)
        : base(message)
    {
        StatusCode = statusCode;
    }

    /// <summary>SendGrid's HTTP status.</summary>
    public int? StatusCode { get; }
}

namespace Hub.Email;

/// <summary>SendGrid could not take the email just now (429, 5xx, timeout, network). Thrown rather than returned so the
/// Durable retry policy retries the activity; the send is not recorded, so the retry sends again.</summary>
public sealed class TransientEmailException : Exception
{
    public TransientEmailException()
    {
    }

    public TransientEmailException(string message)
        : base(message)
    {
    }

    public TransientEmailException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public TransientEmailException(string message, int? statusCode, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        RetryAfter = retryAfter;
    }

    /// <summary>SendGrid's HTTP status, or null when no answer came (timeout, network failure).</summary>
    public int? StatusCode { get; }

    /// <summary>SendGrid's <c>Retry-After</c> on a 429, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; }
}

using System.Net;
using System.Security.Cryptography;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;

namespace Hub.Intake;

/// <summary>A referral read, checked and mapped, ready to be stored: everything intake does that needs no I/O.</summary>
public sealed class IncomingReferral
{
    private IncomingReferral(ReferralSubmission submission, ReferralFacts facts, string contentHash)
    {
        Submission = submission;
        Facts = facts;
        ContentHash = contentHash;
    }

    public ReferralSubmission Submission { get; }

    public ReferralFacts Facts { get; }

    /// <summary>What makes two posts "the same referral" (see <see cref="HashContent"/>).</summary>
    public string ContentHash { get; }

    /// <summary>Reads the referral from what was posted and checks it. Returns the refusal when it cannot be taken:
    /// 400 for the wrong shape, 403 for a practice the caller does not act for, 422 for broken rules (all at once).</summary>
    public static (IncomingReferral? Referral, IntakeResult? Refusal) Read(Resource resource, IntakeRoute route, Func<string, bool> mayActFor,
        IReadOnlyCollection<string> acceptedCodes, FhirSerializer fhir)
    {
        var read = ReferralReader.Read(resource, route);
        if (read.IsStructural)
        {
            return (null, IntakeResult.Refused(HttpStatusCode.BadRequest, read.Problems));
        }

        if (read.Submission is not { } submission)
        {
            return (null, IntakeResult.Refused(HttpStatusCode.UnprocessableEntity, read.Problems));
        }

        var ods = ReferralRules.FindPracticeOds(submission, out var odsPath);
        if (ods is not null && !mayActFor(ods))
        {
            return (null, IntakeResult.Refused(HttpStatusCode.Forbidden,
                [new FhirProblem(OperationOutcome.IssueType.Forbidden, $"This API client may not post referrals for practice {ods}.", odsPath ?? $"{submission.ServiceRequestPath}.requester")])
                with { PracticeOds = ods });
        }

        var (facts, problems) = ReferralRules.Check(submission, acceptedCodes);
        if (read.Problems.Count > 0 || facts is null)
        {
            var identifier = submission.ServiceRequest.Identifier.FirstOrDefault();
            return (null, IntakeResult.Refused(HttpStatusCode.UnprocessableEntity, read.Problems.Concat(problems)) with
            {
                PracticeOds = ods,
                IdentifierSystem = identifier?.System,
                IdentifierValue = identifier?.Value,
            });
        }

        return (new IncomingReferral(submission, facts, HashContent(submission)), null);
    }

    /// <summary>An onward connection, built by the link-work stage from what the link-worker service sent and the parent
    /// referral (<see cref="ReferralIntake.SubmitOnwardAsync"/>): the same rules, with the parent's practice.
    /// Returns the refusal (422, every broken rule at once) when it cannot be taken.</summary>
    public static (IncomingReferral? Referral, IntakeResult? Refusal) ReadOnward(ReferralSubmission submission, string practiceOds, IReadOnlyCollection<string> acceptedCodes)
    {
        var (facts, problems) = ReferralRules.Check(submission, acceptedCodes, practiceOds);
        return facts is null
            ? (null, IntakeResult.Refused(HttpStatusCode.UnprocessableEntity, problems) with { PracticeOds = practiceOds })
            : (new IncomingReferral(submission, facts, HashContent(submission)), null);
    }

    /// <summary>The referral as the hub keeps it: the ServiceRequest with the hub's id and version, and everything that came
    /// with it, in one collection Bundle. Built only from the submission, the id and the time, so a retry writes the same bytes.</summary>
    public (ServiceRequest ServiceRequest, Bundle Document) StoredForm(string referralId, DateTimeOffset receivedAt)
    {
        // The parsed ServiceRequest is this request's own object: stamping it in place saves a deep copy.
        var serviceRequest = Submission.ServiceRequest;
        serviceRequest.Id = referralId;
        serviceRequest.Meta ??= new Meta();
        serviceRequest.Meta.VersionId = "1";
        serviceRequest.Meta.LastUpdated = receivedAt;

        var document = new Bundle
        {
            Id = referralId,
            Type = Bundle.BundleType.Collection,
            Timestamp = receivedAt,
        };

        // The ServiceRequest keeps its own fullUrl so the bundle's internal references still resolve.
        document.Entry.Add(new Bundle.EntryComponent { FullUrl = Submission.ServiceRequestFullUrl ?? $"urn:uuid:{referralId}", Resource = serviceRequest });
        foreach (var related in Submission.Related)
        {
            document.Entry.Add(new Bundle.EntryComponent { FullUrl = related.FullUrl, Resource = related.Resource });
        }

        return (serviceRequest, document);
    }

    /// <summary>The ServiceRequest and Patient as sent, without ids, meta, narrative or the bundle-local reference strings
    /// (engines mint new urn:uuids on every retry), so the same referral in JSON or XML, resent, hashes the same.</summary>
    private static string HashContent(ReferralSubmission submission)
    {
        using var fingerprint = new ContentFingerprint();
        fingerprint.Add(submission.ServiceRequest);
        if (submission.Resolve(submission.ServiceRequest.Subject) is Patient patient)
        {
            fingerprint.Add(patient);
        }

        return fingerprint.Hash();
    }

    /// <summary>SHA-256 over every element name and value in document order, with structure marks, leaving out what
    /// differs between copies of the same referral. One walk, no copy, no re-serializing.</summary>
    private sealed class ContentFingerprint : ElementWalk, IDisposable
    {
        // Written into one buffer and hashed once: many tiny hash updates cost more than the walk itself.
        private readonly System.Buffers.ArrayBufferWriter<byte> _buffer = new(4096);

        public void Add(Resource resource)
        {
            Append('R', resource.TypeName);
            Walk(resource, resource.TypeName);
        }

        public string Hash() => Convert.ToHexStringLower(SHA256.HashData(_buffer.WrittenSpan));

        protected override bool Enter(string name, Base element, ElementPath path)
        {
            if ((path.Depth == 1 && name is "id" or "meta" or "text") || name == "reference")
            {
                return false;
            }

            Append('{', name);
            return true;
        }

        protected override void Leave(string name, Base element, ElementPath path) => Append('}', name);

        protected override void Value(string name, object value, ElementPath path) =>
            Append('=', value is IFormattable f ? f.ToString(null, System.Globalization.CultureInfo.InvariantCulture) : value.ToString() ?? string.Empty);

        private void Append(char mark, string text)
        {
            var span = _buffer.GetSpan(System.Text.Encoding.UTF8.GetMaxByteCount(text.Length) + 2);
            span[0] = (byte)mark;
            var written = System.Text.Encoding.UTF8.GetBytes(text, span[1..]);
            span[written + 1] = 0;
            _buffer.Advance(written + 2);
        }

        public void Dispose() => _buffer.Clear();
    }
}

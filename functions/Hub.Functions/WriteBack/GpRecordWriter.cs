using System.Net;
using System.Net.Http.Headers;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Hub.FollowUp;
using Microsoft.Extensions.Options;

namespace Hub.WriteBack;

/// <summary>The practice's FHIR server failed in a way worth trying again (down, 5xx, 429, timeout). The message names the
/// status only, never the content, because it lands in orchestration history and logs.</summary>
public sealed class PracticeUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <param name="State">Written, no endpoint, or refused.</param>
/// <param name="Detail">For a refusal: the status and the server's OperationOutcome diagnostics.</param>
public sealed record GpWriteResult(WriteBackState State, string? Detail, Bundle? Response = null);

/// <summary>Writes outcome resources into a practice's GP record through its FHIR endpoint, with the Firely client, as one
/// transaction of conditional creates. Transient failures throw <see cref="PracticeUnavailableException"/> for the
/// orchestration to retry with backoff; a refusal (4xx) comes back as a result with the server's reasons.</summary>
public sealed class GpRecordWriter(IOptions<WriteBackOptions> options, IHttpClientFactory httpClients)
{
    public const string HttpClientName = "practice-fhir";

    public bool HasEndpoint(string practiceOds) => options.Value.Practices.TryGetValue(practiceOds, out var endpoint) && !string.IsNullOrWhiteSpace(endpoint.BaseUrl);

    public async Task<GpWriteResult> WriteAsync(string practiceOds, Bundle transaction, CancellationToken cancellationToken = default)
    {
        if (!options.Value.Practices.TryGetValue(practiceOds, out var endpoint) || string.IsNullOrWhiteSpace(endpoint.BaseUrl))
        {
            return new GpWriteResult(WriteBackState.NoEndpoint, null);
        }

        var http = httpClients.CreateClient(HttpClientName);
        // With its own HttpClient the Firely client ignores its Timeout setting: the HttpClient's applies.
        http.Timeout = options.Value.Timeout;
        if (!string.IsNullOrEmpty(endpoint.BearerToken))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", endpoint.BearerToken);
        }

        using var client = new FhirClient(endpoint.BaseUrl, http, new FhirClientSettings { PreferredFormat = ResourceFormat.Json, VerifyFhirVersion = false });
        Bundle? response;
        try
        {
            response = await client.TransactionAsync(transaction, cancellationToken);
        }
        catch (FhirOperationException ex) when ((int)ex.Status >= 500 || ex.Status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout)
        {
            throw new PracticeUnavailableException($"The practice's FHIR endpoint answered {(int)ex.Status} {ex.Status}.", ex);
        }
        catch (FhirOperationException ex)
        {
            var reasons = ex.Outcome?.Issue.Select(i => i.Diagnostics ?? i.Details?.Text ?? i.Code?.ToString()).Where(t => !string.IsNullOrWhiteSpace(t)).ToList() ?? [];
            return new GpWriteResult(WriteBackState.Refused, $"{(int)ex.Status} {ex.Status}: {(reasons.Count > 0 ? string.Join("; ", reasons) : "no OperationOutcome was returned")}");
        }
        catch (HttpRequestException ex)
        {
            throw new PracticeUnavailableException("The practice's FHIR endpoint could not be reached.", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PracticeUnavailableException($"The practice's FHIR endpoint did not answer within {options.Value.Timeout.TotalSeconds:0} s.", ex);
        }

        // A transaction is all or nothing: a 2xx answer means every entry was created or already there.
        var failed = response?.Entry.Where(e => e.Response?.Status is { } status && !status.StartsWith('2')).Select(e => e.Response!.Status).ToList() ?? [];
        return failed.Count > 0
            ? new GpWriteResult(WriteBackState.Refused, $"The transaction answer lists failed entries: {string.Join(", ", failed)}")
            : new GpWriteResult(WriteBackState.Written, null, response);
    }
}

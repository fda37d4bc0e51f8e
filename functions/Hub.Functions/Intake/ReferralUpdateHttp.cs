using Hub.Access;
using Hub.Platform.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Hub.Intake;

/// <summary><c>PUT /fhir/ServiceRequest/{id}</c>: the practice withdraws a referral (status revoked or entered-in-error),
/// with intake's rules on content type, size and scope.</summary>
public sealed class ReferralUpdateHttp(ReferralWithdrawal withdrawal, ReferralLookup lookup, ApiKeys keys, FhirHttp http, IOptions<IntakeOptions> options)
{
    [Function("UpdateServiceRequest")]
    public async Task<IActionResult> Update(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "fhir/ServiceRequest/{id}")] HttpRequest request, string id,
        [DurableClient] DurableTaskClient durable)
    {
        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), request.HttpContext.RequestAborted) is not { } caller)
        {
            return http.Unauthorized(request);
        }

        var body = await http.ReadAsync(request, options.Value.MaxBodyBytes, request.HttpContext.RequestAborted);
        if (body.Refusal is not null)
        {
            return body.Refusal;
        }

        var result = await withdrawal.UpdateAsync(id, body.Resource!, request.Headers.IfMatch.ToString(), caller, durable, CancellationToken.None);
        if (!result.IsStored)
        {
            return http.Outcome(request, result.Status, result.Outcome!);
        }

        // Handed out as reads hand it out: references into its bundle made resolvable.
        var served = (await lookup.ByIdAsync(caller.PracticeOdsCodes, id, CancellationToken.None))?.ServiceRequest ?? result.ServiceRequest!;
        var meta = served.Meta!;
        return http.Resource(request, served, result.Status, new Dictionary<string, string>
        {
            ["ETag"] = $"W/\"{meta.VersionId}\"",
            ["Last-Modified"] = meta.LastUpdated!.Value.ToString("R"),
        });
    }
}

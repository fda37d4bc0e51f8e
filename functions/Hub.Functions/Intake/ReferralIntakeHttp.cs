using System.Net;
using Hub.Access;
using Hub.Platform.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Hub.Intake;

/// <summary>HTTP intake: GP systems post FHIR referrals here. Authenticates the caller, reads the body, hands it to
/// <see cref="ReferralIntake"/> and shapes the answer.</summary>
public sealed class ReferralIntakeHttp(ReferralIntake intake, ApiKeys keys, FhirHttp http, IOptions<IntakeOptions> options)
{
    [Function("PostServiceRequest")]
    public Task<IActionResult> PostServiceRequest(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "fhir/ServiceRequest")] HttpRequest request,
        [DurableClient] DurableTaskClient durable) =>
        SubmitAsync(request, durable, IntakeRoute.ServiceRequest);

    [Function("PostBundle")]
    public Task<IActionResult> PostBundle(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "fhir")] HttpRequest request,
        [DurableClient] DurableTaskClient durable) =>
        SubmitAsync(request, durable, IntakeRoute.Bundle);

    [Function("ProcessMessage")]
    public Task<IActionResult> ProcessMessage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "fhir/$process-message")] HttpRequest request,
        [DurableClient] DurableTaskClient durable) =>
        SubmitAsync(request, durable, IntakeRoute.ProcessMessage);

    private async Task<IActionResult> SubmitAsync(HttpRequest request, DurableTaskClient durable, IntakeRoute route)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        if (await keys.AuthenticateAsync(ApiKeyHeader.From(request), cancellationToken) is not { } caller)
        {
            return http.Unauthorized(request);
        }

        var body = await http.ReadAsync(request, options.Value.MaxBodyBytes, cancellationToken);
        if (body.Refusal is not null)
        {
            return body.Refusal;
        }

        // The caller going away must not leave a referral half-stored: intake runs to the end once started.
        var result = await intake.SubmitAsync(body.Resource!, route, caller, "http", durable, CancellationToken.None);
        if (!result.IsStored)
        {
            return http.Outcome(request, result.Status, result.Outcome!);
        }

        var baseUrl = FhirHttp.BaseUrl(request);
        var meta = result.ServiceRequest!.Meta!;
        var headers = new Dictionary<string, string>
        {
            ["Location"] = $"{baseUrl}/ServiceRequest/{result.ReferralId}",
            ["ETag"] = $"W/\"{meta.VersionId}\"",
            ["Last-Modified"] = meta.LastUpdated!.Value.ToString("R"),
            ["X-Task-Id"] = result.TaskId!,
            ["Link"] = $"<{baseUrl}/Task/{result.TaskId}>; rel=\"related\"",
        };
        return http.Resource(request, result.ServiceRequest, result.Status, headers);
    }
}

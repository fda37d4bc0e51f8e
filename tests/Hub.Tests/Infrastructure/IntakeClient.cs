using Hub.Intake;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;

namespace Hub.Tests.Infrastructure;

/// <summary>Posts to the intake endpoints as a GP system would, through the real trigger methods.</summary>
public static class IntakeClient
{
    public const string ServiceRequestPath = "/api/fhir/ServiceRequest";
    public const string BasePath = "/api/fhir";
    public const string ProcessMessagePath = "/api/fhir/$process-message";

    public static Task<HttpAnswer> PostAsync(this TestHub hub, string path, byte[] body, string? contentType, string? key, string? accept = null, DurableTaskClient? durable = null)
    {
        durable ??= hub.Durable;
        var intake = hub.Function<ReferralIntakeHttp>();
        var request = HttpCall.Request("POST", path, body, contentType, key, accept);
        Func<HttpRequest, Task<IActionResult>> trigger = path switch
        {
            ServiceRequestPath => r => intake.PostServiceRequest(r, durable),
            ProcessMessagePath => r => intake.ProcessMessage(r, durable),
            BasePath => r => intake.PostBundle(r, durable),
            _ => throw new ArgumentException("Not an intake path: " + path),
        };
        return TestHub.CallAsync(request, trigger);
    }
}

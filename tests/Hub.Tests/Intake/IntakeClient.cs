using Hub.Intake;
using Hub.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Hub.Tests.Intake;

/// <summary>Posts to the intake endpoints as a GP system would, through the real trigger methods.</summary>
public static class IntakeClient
{
    public const string ServiceRequestPath = "/api/fhir/ServiceRequest";
    public const string BasePath = "/api/fhir";
    public const string ProcessMessagePath = "/api/fhir/$process-message";

    public static Task<HttpAnswer> PostAsync(this TestHub hub, string path, byte[] body, string? contentType, string? key, string? accept = null)
    {
        var intake = hub.Function<ReferralIntakeHttp>();
        var request = HttpCall.Request("POST", path, body, contentType, key, accept);
        Func<HttpRequest, Task<IActionResult>> trigger = path switch
        {
            ServiceRequestPath => r => intake.PostServiceRequest(r, hub.Durable),
            ProcessMessagePath => r => intake.ProcessMessage(r, hub.Durable),
            BasePath => r => intake.PostBundle(r, hub.Durable),
            _ => throw new ArgumentException("Not an intake path: " + path),
        };
        return TestHub.CallAsync(request, trigger);
    }
}

using Hub.Platform.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Hub.Operations;

/// <summary>Operators list and replay poison messages. Admin level (the host's master key).</summary>
public sealed class PoisonMessagesHttp(PoisonMessages poison)
{
    [Function("ListPoisonMessages")]
    public async Task<IActionResult> List(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "manage/poison")] HttpRequest request) =>
        JsonBody.Result(200, new { queue = poison.PoisonName, messages = await poison.ListAsync(request.HttpContext.RequestAborted) });

    [Function("ReplayPoisonMessages")]
    public async Task<IActionResult> Replay(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "manage/poison/replay")] HttpRequest request)
    {
        var messageId = request.Query["messageId"].ToString();
        var replayed = await poison.ReplayAsync(string.IsNullOrWhiteSpace(messageId) ? null : messageId, request.HttpContext.RequestAborted);
        return JsonBody.Result(200, new { to = poison.InboundName, replayed });
    }
}

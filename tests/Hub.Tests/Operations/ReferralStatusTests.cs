using System.Text.Json;
using Hub.Operations;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Operations;

/// <summary>The operators' status endpoint says what the referral's Task says, as soon as the Task says it.</summary>
public sealed class ReferralStatusTests(TestHub hub) : IClassFixture<TestHub>
{
    private async Task<JsonElement> StatusAsync(string referralId)
    {
        var answer = await TestHub.CallAsync(HttpCall.Request("GET", $"/api/referrals/{referralId}/status"), r => hub.Function<ReferralStatusHttp>().Status(r, referralId, hub.Durable));
        Assert.Equal(200, answer.Status);
        return JsonDocument.Parse(answer.Body).RootElement.Clone();
    }

    [Fact]
    public async System.Threading.Tasks.Task The_status_carries_the_Task_s_status_and_business_status_whenever_the_Task_has_moved()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        await hub.OfferAsync("alpha", referralId);

        // Once the Task is seen to move, the endpoint already says the same (the instance's own step may lag).
        await hub.TaskWhenAsync(taskId, t => t.BusinessStatus?.Coding[0].Code == "awaiting-provider");
        var status = await StatusAsync(referralId);
        Assert.Equal(("received", "awaiting-provider"), (status.GetProperty("taskStatus").GetString(), status.GetProperty("businessStatus").GetString()));
        Assert.Equal(taskId, status.GetProperty("taskId").GetString());

        await hub.WithdrawAsync(referralId);
        await hub.TaskWhenAsync(taskId, t => t.BusinessStatus?.Coding[0].Code == "withdrawn");
        var withdrawn = await StatusAsync(referralId);
        Assert.Equal(("cancelled", "withdrawn"), (withdrawn.GetProperty("taskStatus").GetString(), withdrawn.GetProperty("businessStatus").GetString()));
    }
}

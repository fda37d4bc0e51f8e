using System.Text.Json;
using Hl7.Fhir.Model;
using Hub.Operations;
using Hub.Tests.Infrastructure;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.Chase;

public sealed class ChaseDetailTests(ChaseHub hub) : IClassFixture<ChaseHub>
{
    [Fact]
    public async System.Threading.Tasks.Task A_provider_can_accept_from_a_reminder_and_operators_see_each_step()
    {
        var (referralId, taskId, _) = await hub.ReferAsync();
        var status = await StatusAsync(referralId);
        Assert.True(status.GetProperty("runtimeStatus").GetString() is "Pending" or "Running", status.ToString());

        var reminder = await hub.OfferAsync("alpha", referralId, count: 2);
        Assert.StartsWith("Reminder:", reminder.Subject, StringComparison.Ordinal);
        Assert.Equal("provider-reminded", (await hub.TaskWhenAsync(taskId, t => t.BusinessStatus?.Coding[0].Code == "provider-reminded")).BusinessStatus.Coding[0].Code);
        // The Task is written inside the reminder activity; the status after it (the next timer) once the episode ends.
        var waiting = await Eventually.ValueAsync(() => StatusAsync(referralId),
            s => s.GetProperty("detail").GetString()?.Contains("next: reminder-1", StringComparison.Ordinal) == false);
        Assert.Equal("awaiting-provider", waiting.GetProperty("step").GetString());
        Assert.Equal("alpha", waiting.GetProperty("providerId").GetString());
        Assert.True(waiting.GetProperty("nextTimerAt").GetDateTime() > DateTime.UtcNow.AddSeconds(-1));

        await hub.ConfirmAsync(ProviderLinks.Find(reminder, "Accept")!);

        await hub.TaskWhenAsync(taskId, t => t.Status == FhirTask.TaskStatus.InProgress);
        // Accepted: the follow-up takes over, and the status shows its step. Its instance runs before it writes that step
        // (after planning), so wait for the step itself rather than for the instance to be Running.
        var accepted = await Eventually.ValueAsync(() => StatusAsync(referralId),
            s => s.GetProperty("followUpStatus").GetString() is "Running" && s.GetProperty("step").GetString() == "awaiting-follow-up");
        Assert.Equal("Running", accepted.GetProperty("followUpStatus").GetString());
        Assert.Equal("awaiting-follow-up", accepted.GetProperty("step").GetString());
        Assert.Equal("alpha", accepted.GetProperty("providerId").GetString());
        var unknown = await TestHub.CallAsync(HttpCall.Request("GET", "/api/referrals/nope/status"), r => hub.Function<ReferralStatusHttp>().Status(r, "nope", hub.Durable));
        Assert.Equal(404, unknown.Status);
    }

    [Fact]
    public async System.Threading.Tasks.Task Text_from_a_referral_reaches_pages_and_emails_encoded()
    {
        const string hostile = "<img src=x onerror=alert(1)>";
        var (referralId, _, _) = await hub.ReferAsync(b => ((Patient)b.Entry[1].Resource!).Name[0].Given = [hostile]);

        var offer = await hub.OfferAsync("alpha", referralId);
        Assert.DoesNotContain(hostile, offer.Html, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", offer.Html, StringComparison.Ordinal);
        var page = await hub.OpenAsync(ProviderLinks.Find(offer, "Accept")!);
        Assert.DoesNotContain(hostile, page.Body, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", page.Body, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", page.Headers["Content-Security-Policy"].ToString(), StringComparison.Ordinal);
        Assert.Equal("no-referrer", page.Headers["Referrer-Policy"].ToString());
    }

    private async Task<JsonElement> StatusAsync(string referralId)
    {
        var answer = await TestHub.CallAsync(HttpCall.Request("GET", $"/api/referrals/{referralId}/status"), r => hub.Function<ReferralStatusHttp>().Status(r, referralId, hub.Durable));
        Assert.Equal(200, answer.Status);
        return JsonDocument.Parse(answer.Body).RootElement.Clone();
    }
}

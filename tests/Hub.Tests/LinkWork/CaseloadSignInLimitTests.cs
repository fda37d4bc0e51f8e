using System.Text.RegularExpressions;
using Hub.LinkWork;
using Hub.Providers;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.LinkWork;

/// <summary>A link-work hub allowing two sign-in requests an hour per address, service id and service.</summary>
public sealed class CaseloadSignInLimitHub : TestHub
{
    protected override void Setup(HubSetup hub) => hub.FastChase().Set("Caseload:SignInLimit", "2").Set("Caseload:SignInLimitWindow", "01:00:00");
}

/// <summary>Asking for caseload sign-in links again and again is limited per address typed, per service id and per
/// service; the limit's page is the same whether or not the address is registered, and a service past its own limit
/// gets no more emails while the page still says only "check your email".</summary>
public sealed class CaseloadSignInLimitTests(CaseloadSignInLimitHub hub) : IClassFixture<CaseloadSignInLimitHub>
{
    private async Task<HttpAnswer> AskAsync(params (string Name, string Value)[] fields)
    {
        var form = await TestHub.CallAsync(HttpCall.Request("GET", "/api/provider/caseload/sign-in"), r => System.Threading.Tasks.Task.FromResult(CaseloadSignInHttp.Show(r)));
        var csrf = Regex.Match(form.Body, "name=\"csrf\" value=\"([^\"]+)\"").Groups[1].Value;
        var body = string.Join('&', fields.Append(("csrf", csrf)).Select(f => $"{f.Item1}={Uri.EscapeDataString(f.Item2)}"));
        var request = HttpCall.Request("POST", "/api/provider/caseload/sign-in", TestHub.Utf8(body), "application/x-www-form-urlencoded");
        request.Headers.Cookie = form.Headers.SetCookie.ToString().Split(';')[0];
        return await TestHub.CallAsync(request, r => hub.Function<CaseloadSignInHttp>().Ask(r));
    }

    private int SignInEmailsTo(string address) => hub.Mail.Emails.Count(e => e.Subject == "Your sign-in link to your caseload" && e.To.Contains(address));

    [Fact]
    public async Task Repeated_requests_are_limited_alike_for_registered_and_unknown_addresses_and_per_service()
    {
        var id = $"limit-{Guid.NewGuid():N}"[..20];
        var address = $"{id}@providers.example.org";
        await hub.Get<ProviderDirectory>().SaveAsync(new Provider { Id = id, Name = "Limited Link Workers", Emails = [address], Categories = [ActivityCategories.LinkWorker] });
        var unknown = $"nobody-{Guid.NewGuid():N}@elsewhere.example.org";

        // Two each: the registered address gets two links; the unknown one gets the same answers.
        for (var i = 0; i < 2; i++)
        {
            var known = await AskAsync(("email", address));
            var other = await AskAsync(("email", unknown));
            Assert.Equal((200, 200), (known.Status, other.Status));
            Assert.Equal(known.Body, other.Body);
        }

        await Eventually.ValueAsync(() => System.Threading.Tasks.Task.FromResult(SignInEmailsTo(address)), n => n == 2, what: "two sign-in emails");

        // The third: a plain page saying to wait, the same for both, and no email.
        var limitedKnown = await AskAsync(("email", address.ToUpperInvariant()));
        var limitedUnknown = await AskAsync(("email", unknown));
        Assert.Equal((429, 429), (limitedKnown.Status, limitedUnknown.Status));
        Assert.Equal(limitedKnown.Body, limitedUnknown.Body);
        Assert.Contains("Too many sign-in requests", limitedKnown.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("registered", limitedKnown.Body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", limitedKnown.Body, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("no-store", limitedKnown.Headers.CacheControl.ToString());
        Assert.Equal("3600", limitedKnown.Headers["Retry-After"].ToString());

        // By its id instead: the id is fresh, so the page is the ordinary one, but the service has had its two links.
        var byId = await AskAsync(("service", id));
        var byUnknownId = await AskAsync(("service", $"nobody-{Guid.NewGuid():N}"));
        Assert.Equal((200, 200), (byId.Status, byUnknownId.Status));
        Assert.Equal(byId.Body, byUnknownId.Body);
        Assert.Equal(2, SignInEmailsTo(address));
    }
}

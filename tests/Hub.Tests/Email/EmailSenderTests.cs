using Azure.Data.Tables;
using Hub.Email;
using Hub.Platform;
using Hub.Platform.Storage;
using Hub.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hub.Tests.Email;

/// <summary>The real SendGrid client against a local sink, over Azurite: what goes over the wire, what is logged in
/// <c>EmailLog</c>, and that a step sends once however often it runs.</summary>
public sealed class EmailSenderTests : IAsyncLifetime
{
    private const string Address = "jo.bloggs@example.org";
    private const string Subject = "Your referral to the Riverside walking group";

    private static readonly EmailMessage Message = new(
        Address, "Jo Bloggs", Subject,
        "Hello Jo, follow https://hub.example/r/abc?sig=xyz to tell us how it went.",
        "<p>Hello Jo, <a href=\"https://hub.example/r/abc?sig=xyz\">tell us how it went</a>.</p>");

    private readonly string _tablePrefix = "t" + Guid.NewGuid().ToString("N")[..12];
    private SendGridSink _sink = null!;
    private ServiceProvider _services = null!;

    private EmailSender Sender => _services.GetRequiredService<EmailSender>();

    public async Task InitializeAsync()
    {
        _sink = await SendGridSink.StartAsync();
        _services = await BuildAsync(new() { ["SendGrid:ApiKey"] = "SG.test", ["SendGrid:Host"] = _sink.BaseUrl });
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _sink.DisposeAsync();
    }

    [Fact]
    public async Task A_step_that_runs_twice_sends_one_email()
    {
        var referral = NewReferral();

        var first = await Sender.SendOnceAsync(referral, "provider-chase-1", Message);
        var second = await Sender.SendOnceAsync(referral, "provider-chase-1", Message);

        Assert.Equal(EmailOutcomeKind.Sent, first.Kind);
        Assert.Equal(EmailOutcome.AlreadySent, second);
        var email = Assert.Single(_sink.Emails);
        Assert.Equal("Bearer SG.test", email.Authorization);
        Assert.Equal([Address], email.To);
        Assert.Equal(Subject, email.Subject);
        Assert.Equal(Message.PlainText, email.PlainText);
        Assert.Equal(Message.Html, email.Html);
        Assert.False(email.ClickTrackingEnabled);
        Assert.Contains("\"no-reply@social-prescribing-hub.nhs.example\"", email.Body, StringComparison.Ordinal);
        Assert.Equal("sent", (await LogRowAsync(referral, "provider-chase-1"))!.GetString("Status"));
    }

    [Fact]
    public async Task Each_step_of_a_referral_sends_its_own_email()
    {
        var referral = NewReferral();

        await Sender.SendOnceAsync(referral, "provider-chase-1", Message);
        await Sender.SendOnceAsync(referral, "provider-chase-2", Message);

        Assert.Equal(2, _sink.Emails.Count);
    }

    [Fact]
    public async Task A_429_throws_transient_and_the_retry_sends()
    {
        var referral = NewReferral();
        _sink.RespondNext(429, 202);

        var failure = await Assert.ThrowsAsync<TransientEmailException>(() => Sender.SendOnceAsync(referral, "welcome", Message));
        Assert.Equal(429, failure.StatusCode);
        Assert.Equal("sending", (await LogRowAsync(referral, "welcome"))!.GetString("Status"));

        var retried = await Sender.SendOnceAsync(referral, "welcome", Message);

        Assert.Equal(EmailOutcome.Sent, retried);
        Assert.Equal([429, 202], _sink.Emails.Select(e => e.RespondedWith));
        Assert.Equal("sent", (await LogRowAsync(referral, "welcome"))!.GetString("Status"));
        Assert.Equal(EmailOutcome.AlreadySent, await Sender.SendOnceAsync(referral, "welcome", Message));
        Assert.Equal(2, _sink.Emails.Count);
    }

    [Fact]
    public async Task A_500_throws_transient_and_records_nothing_as_sent()
    {
        var referral = NewReferral();
        _sink.RespondNext(500);

        var failure = await Assert.ThrowsAsync<TransientEmailException>(() => Sender.SendOnceAsync(referral, "welcome", Message));

        Assert.Equal(500, failure.StatusCode);
        Assert.Equal("sending", (await LogRowAsync(referral, "welcome"))!.GetString("Status"));
    }

    [Fact]
    public async Task An_unreachable_SendGrid_throws_transient()
    {
        await using var unreachable = await BuildAsync(new() { ["SendGrid:ApiKey"] = "SG.test", ["SendGrid:Host"] = "http://127.0.0.1:1" });

        var failure = await Assert.ThrowsAsync<TransientEmailException>(() =>
            unreachable.GetRequiredService<EmailSender>().SendOnceAsync(NewReferral(), "welcome", Message));

        Assert.Null(failure.StatusCode);
        Assert.IsType<HttpRequestException>(failure.InnerException);
    }

    [Fact]
    public async Task A_400_is_rejected_with_SendGrids_reason_and_not_sent_again()
    {
        var referral = NewReferral();
        _sink.RespondNext(400);

        var outcome = await Sender.SendOnceAsync(referral, "welcome", Message);
        var again = await Sender.SendOnceAsync(referral, "welcome", Message);

        Assert.Equal(EmailOutcome.Rejected(400, "Does not contain a valid address."), outcome);
        Assert.Equal(outcome, again);
        Assert.Single(_sink.Emails);
        var row = (await LogRowAsync(referral, "welcome"))!;
        Assert.Equal("bounced", row.GetString("Status"));
        Assert.Equal(400, row.GetInt32("StatusCode"));
    }

    [Fact]
    public async Task A_refused_key_or_sender_is_the_hubs_fault_nothing_bounces_and_the_step_sends_once_email_works()
    {
        var referral = NewReferral();
        _sink.RespondNext(401, 403);
        var health = _services.GetRequiredService<EmailHealth>();

        var revoked = await Assert.ThrowsAsync<EmailServiceFaultException>(() => Sender.SendOnceAsync(referral, "provider-chase-1", Message));
        Assert.Equal(401, revoked.StatusCode);
        Assert.Equal(401, (await health.LastFaultAsync())!.StatusCode);
        Assert.Contains("API key", (await health.LastFaultAsync())!.Problem, StringComparison.Ordinal);
        var unverified = await Assert.ThrowsAsync<EmailServiceFaultException>(() => Sender.SendOnceAsync(referral, "provider-chase-1", Message));
        Assert.Equal(403, unverified.StatusCode);
        Assert.Equal(403, (await health.LastFaultAsync())!.StatusCode);
        Assert.DoesNotContain("@", revoked.Message + unverified.Message, StringComparison.Ordinal);
        Assert.Equal("sending", (await LogRowAsync(referral, "provider-chase-1"))!.GetString("Status"));

        var sent = await Sender.SendOnceAsync(referral, "provider-chase-1", Message);

        Assert.Equal(EmailOutcome.Sent, sent);
        Assert.Equal(EmailOutcome.AlreadySent, await Sender.SendOnceAsync(referral, "provider-chase-1", Message));
        Assert.Equal([401, 403, 202], _sink.Emails.Select(e => e.RespondedWith));
        Assert.Equal("sent", (await LogRowAsync(referral, "provider-chase-1"))!.GetString("Status"));
        Assert.Null(await health.LastFaultAsync());
    }

    [Fact]
    public async Task A_400_that_names_no_recipient_is_the_hubs_fault()
    {
        var referral = NewReferral();
        _sink.RespondNextWithBody(400, """{"errors":[{"message":"The from address does not match a verified Sender Identity.","field":"from.email"}]}""");

        var failure = await Assert.ThrowsAsync<EmailServiceFaultException>(() => Sender.SendOnceAsync(referral, "welcome", Message));

        Assert.Equal(400, failure.StatusCode);
        Assert.Equal("sending", (await LogRowAsync(referral, "welcome"))!.GetString("Status"));
        Assert.Equal(EmailOutcome.Sent, await Sender.SendOnceAsync(referral, "welcome", Message));
    }

    [Fact]
    public async Task Each_email_carries_its_referral_and_step_for_SendGrids_events_and_nothing_else()
    {
        var referral = NewReferral();

        await Sender.SendOnceAsync(referral, "offer-alpha", Message);

        using var json = System.Text.Json.JsonDocument.Parse(Assert.Single(_sink.Emails).Body);
        var args = json.RootElement.GetProperty("personalizations")[0].GetProperty("custom_args");
        Assert.Equal(referral, args.GetProperty(EmailSender.ReferralArg).GetString());
        Assert.Equal("offer-alpha", args.GetProperty(EmailSender.StepArg).GetString());
        Assert.Equal(2, args.EnumerateObject().Count());
    }

    [Fact]
    public async Task An_unresolved_Key_Vault_reference_stops_the_hub_at_start_naming_the_setting()
    {
        await using var unresolved = await BuildAsync(new() { ["SendGrid:ApiKey"] = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/SendGridApiKey/)", ["SendGrid:Host"] = _sink.BaseUrl });

        var failure = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => unresolved.GetRequiredService<EmailSender>());

        Assert.Contains("SendGrid:ApiKey is an unresolved Key Vault reference", failure.Message, StringComparison.Ordinal);
        Assert.Empty(_sink.Emails);
    }

    [Fact]
    public async Task A_rejection_reason_loses_any_address_and_is_cut_to_200_characters()
    {
        var referral = NewReferral();
        var longTail = new string('x', 300);
        _sink.RespondNextWithBody(400, $$"""{"errors":[{"message":"The to address {{Address}} is invalid {{longTail}}","field":"personalizations.0.to.0.email"}]}""");

        var outcome = await Sender.SendOnceAsync(referral, "welcome", Message);

        Assert.Equal(400, outcome.StatusCode);
        Assert.StartsWith("The to address [address] is invalid x", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(200, outcome.Reason!.Length);
        Assert.DoesNotContain("@", await LogRowTextAsync(referral, "welcome"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_email_log_holds_no_address_subject_or_content()
    {
        var referral = NewReferral();
        await Sender.SendOnceAsync(referral, "sent-step", Message);
        _sink.RespondNext(400);
        await Sender.SendOnceAsync(referral, "bounced-step", Message);

        foreach (var step in new[] { "sent-step", "bounced-step" })
        {
            var row = (await LogRowAsync(referral, step))!;
            var text = await LogRowTextAsync(referral, step);
            Assert.DoesNotContain("@", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Jo", text, StringComparison.Ordinal);
            Assert.DoesNotContain("walking", text, StringComparison.Ordinal);
            Assert.DoesNotContain("sig=", text, StringComparison.Ordinal);
            Assert.Subset(new HashSet<string>(["PartitionKey", "RowKey", "Timestamp", "odata.etag", "Status", "At", "StatusCode", "Reason"]),
                row.Keys.ToHashSet());
        }
    }

    [Fact]
    public async Task Without_an_api_key_outside_development_the_hub_refuses_to_start()
    {
        await using var unconfigured = await BuildAsync([]);

        var failure = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => unconfigured.GetRequiredService<EmailSender>());

        Assert.Contains("SendGrid:ApiKey is not set", failure.Message, StringComparison.Ordinal);
        Assert.Empty(_sink.Emails);
    }

    [Fact]
    public async Task Without_an_api_key_in_development_emails_go_to_the_local_outbox_page()
    {
        await using var development = await BuildAsync(new() { ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development", ["Links:SigningKeys:k1"] = new string('k', 40), ["Links:CurrentKeyId"] = "k1" });

        var outcome = await development.GetRequiredService<EmailSender>().SendOnceAsync(NewReferral(), "welcome", Message);

        Assert.Equal(EmailOutcomeKind.Sent, outcome.Kind);
        Assert.Empty(_sink.Emails);
        var kept = Assert.Single(await development.GetRequiredService<DevelopmentOutbox>().ListAsync());
        Assert.Equal(Message.Subject, kept.Subject);
        var request = HttpCall.Request("GET", "/api/dev/outbox");
        var page = await HttpCall.RunAsync(request, await ActivatorUtilities.CreateInstance<OutboxHttp>(development).Show(request));
        Assert.Equal(200, page.Status);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(Message.Subject), page.Body, StringComparison.Ordinal);
    }

    private static string NewReferral() => Guid.NewGuid().ToString();

    private async Task<ServiceProvider> BuildAsync(Dictionary<string, string?> settings)
    {
        settings[PlatformServices.StorageSetting] = (await Azurite.SharedAsync()).ConnectionString;
        settings["Storage:TablePrefix"] = _tablePrefix;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<IConfiguration>(configuration);
        services.AddHub(configuration);
        services.AddEmail(configuration);
        return services.BuildServiceProvider();
    }

    private async Task<TableEntity?> LogRowAsync(string referralId, string stepKey)
    {
        var table = await _services.GetRequiredService<HubTables>().GetAsync(EmailSender.LogTable);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(referralId, stepKey);
        return row.HasValue ? row.Value : null;
    }

    private async Task<string> LogRowTextAsync(string referralId, string stepKey) =>
        string.Join("\n", (await LogRowAsync(referralId, stepKey))!.Select(p => $"{p.Key}={p.Value}"));
}

/// <summary>What an email step returns to its orchestration, without storage or SendGrid.</summary>
[Trait("Category", "Unit")]
public sealed class EmailOutcomeTests
{
    [Fact]
    public void An_outcome_survives_the_json_an_activity_result_travels_in()
    {
        var rejected = EmailOutcome.Rejected(400, "Does not contain a valid address.");

        Assert.Equal(rejected, System.Text.Json.JsonSerializer.Deserialize<EmailOutcome>(System.Text.Json.JsonSerializer.Serialize(rejected)));
        Assert.Equal(EmailOutcome.Sent, System.Text.Json.JsonSerializer.Deserialize<EmailOutcome>(System.Text.Json.JsonSerializer.Serialize(EmailOutcome.Sent)));
    }
}

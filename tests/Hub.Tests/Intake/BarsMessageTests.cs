using Hl7.Fhir.Model;
using Hub.Intake;
using Hub.Platform.Fhir;
using Hub.Tests.Infrastructure;
using Microsoft.DurableTask.Client;
using static Hub.Tests.Infrastructure.ReferralExamples;

namespace Hub.Tests.Intake;

/// <summary>A BaRS sender posts a referral message to <c>$process-message</c> and gets the answers the BaRS Core guide and
/// FHIR R4 messaging name (see <see cref="BarsResponse"/>): 200 with a response message, a 409 duplicate for the same
/// message again, an OperationOutcome with the NHS error code for an invalid one; its transaction-integrity headers back.</summary>
public sealed class BarsMessageTests(TestHub hub) : IClassFixture<TestHub>
{
    private const string SenderEndpoint = "https://gp-system.example.nhs.uk/bars/$process-message";

    /// <summary>A BaRS referral message: MessageHeader first (event servicerequest-request, focus the ServiceRequest).</summary>
    private static Bundle Message(string identifier, string? headerId, string headerFullUrl)
    {
        var message = ReferralBundle(identifier, Bundle.BundleType.Message);
        message.Id = Guid.NewGuid().ToString();
        message.Entry.Insert(0, new Bundle.EntryComponent
        {
            FullUrl = headerFullUrl,
            Resource = new MessageHeader
            {
                Id = headerId,
                Event = new Coding(FhirCodes.BarsMessageEvents, FhirCodes.ServiceRequestRequestEvent),
                Source = new MessageHeader.MessageSourceComponent { Endpoint = SenderEndpoint },
                Focus = [new ResourceReference(message.Entry[0].FullUrl)],
            },
        });
        return message;
    }

    private async Task<HttpAnswer> PostAsync(Bundle message, string key, string requestId, string correlationId)
    {
        var request = HttpCall.Request("POST", IntakeClient.ProcessMessagePath, Json(message), FhirMediaTypes.Json, key);
        request.Headers[BarsResponse.RequestIdHeader] = requestId;
        request.Headers[BarsResponse.CorrelationIdHeader] = correlationId;
        return await TestHub.CallAsync(request, r => hub.Function<ReferralIntakeHttp>().ProcessMessage(r, hub.Durable));
    }

    [Fact]
    public async System.Threading.Tasks.Task An_accepted_message_is_answered_200_with_a_response_message_naming_it_and_the_stored_referral()
    {
        var key = await hub.KeyForAsync("bars-sender", Practice);
        var headerId = Guid.NewGuid().ToString();
        var (requestId, correlationId) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());

        var answer = await PostAsync(Message("bars-accepted", headerId, $"urn:uuid:{headerId}"), key, requestId, correlationId);

        Assert.Equal(200, answer.Status);
        Assert.Equal(requestId, answer.Headers[BarsResponse.RequestIdHeader].ToString());
        Assert.Equal(correlationId, answer.Headers[BarsResponse.CorrelationIdHeader].ToString());
        var response = answer.As<Bundle>();
        Assert.Equal(Bundle.BundleType.Message, response.Type);
        var header = Assert.IsType<MessageHeader>(response.Entry[0].Resource);
        Assert.Equal(headerId, header.Response.Identifier);
        Assert.Equal(MessageHeader.ResponseType.Ok, header.Response.Code);
        Assert.Equal(FhirCodes.ServiceRequestRequestEvent, ((Coding)header.Event).Code);
        Assert.Equal(SenderEndpoint, header.Destination.Single().Endpoint);

        // The focus is the stored referral, carried in the message under the URL the hub serves it at.
        var focused = response.Entry.Single(e => e.FullUrl == header.Focus.Single().Reference);
        var referral = Assert.IsType<ServiceRequest>(focused.Resource);
        Assert.EndsWith($"/ServiceRequest/{referral.Id}", focused.FullUrl, StringComparison.Ordinal);
        Assert.Equal("bars-accepted", referral.Identifier.Single().Value);
        var id = referral.Id!;
        var read = await TestHub.CallAsync(HttpCall.Request("GET", $"/api/fhir/ServiceRequest/{id}", apiKey: key), r => hub.Function<ReferralReadHttp>().ReadServiceRequest(r, id));
        Assert.Equal(200, read.Status);
        Assert.Equal(answer.Headers["X-Task-Id"].ToString(), (await hub.Get<Hub.Referrals.ReferralStore>().GetAsync(Practice, id))!.TaskId);

        var instance = await hub.Durable.WaitForInstanceStartAsync(id, new CancellationTokenSource(TimeSpan.FromSeconds(Eventually.DefaultTimeoutSeconds)).Token);
        Assert.NotNull(instance);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_message_whose_header_has_only_a_urn_uuid_fullUrl_as_in_the_BaRS_examples_is_named_by_that_uuid()
    {
        var key = await hub.KeyForAsync("bars-sender", Practice);
        var uuid = Guid.NewGuid().ToString();

        var answer = await PostAsync(Message("bars-no-header-id", null, $"urn:uuid:{uuid}"), key, Guid.NewGuid().ToString(), Guid.NewGuid().ToString());

        Assert.Equal(200, answer.Status);
        Assert.Equal(uuid, ((MessageHeader)answer.As<Bundle>().Entry[0].Resource!).Response.Identifier);
    }

    [Fact]
    public async System.Threading.Tasks.Task The_same_message_again_is_a_409_duplicate_naming_the_referral_it_made_and_stores_nothing()
    {
        var key = await hub.KeyForAsync("bars-sender", Practice);
        var headerId = Guid.NewGuid().ToString();
        var message = Message("bars-repeated", headerId, $"urn:uuid:{headerId}");
        var (requestId, correlationId) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        var first = await PostAsync(message, key, requestId, correlationId);
        Assert.Equal(200, first.Status);
        var referralId = first.As<Bundle>().Entry.Select(e => e.Resource).OfType<ServiceRequest>().Single().Id;
        var rows = await hub.CountRowsAsync();
        var orchestrations = await hub.CountOrchestrationsAsync();

        // A retry keeps the request id (BaRS "Retry scenario").
        var again = await PostAsync(message, key, requestId, correlationId);

        Assert.Equal(409, again.Status);
        Assert.Equal(requestId, again.Headers[BarsResponse.RequestIdHeader].ToString());
        Assert.Equal(correlationId, again.Headers[BarsResponse.CorrelationIdHeader].ToString());
        var issue = again.Outcome.Issue.Single();
        Assert.Equal(OperationOutcome.IssueType.Duplicate, issue.Code);
        Assert.Equal("REC_CONFLICT", issue.Details!.Coding.Single().Code);
        Assert.Contains($"ServiceRequest/{referralId}", issue.Diagnostics, StringComparison.Ordinal);
        Assert.Equal(first.Headers["X-Task-Id"].ToString(), again.Headers["X-Task-Id"].ToString());
        Assert.Equal(orchestrations, await hub.CountOrchestrationsAsync());
        var after = await hub.CountRowsAsync();
        Assert.Equal(rows["Referrals"], after["Referrals"]);
        Assert.Equal(rows["Tasks"], after["Tasks"]);
    }

    [Fact]
    public async System.Threading.Tasks.Task An_invalid_message_is_an_OperationOutcome_with_the_NHS_error_code_and_the_element_at_fault_and_stores_nothing()
    {
        var key = await hub.KeyForAsync("bars-sender", Practice);
        var headerId = Guid.NewGuid().ToString();
        var message = Message("bars-invalid", headerId, $"urn:uuid:{headerId}");
        ((MessageHeader)message.Entry[0].Resource!).Focus.Clear();
        var requestId = Guid.NewGuid().ToString();
        var rows = await hub.CountRowsAsync();

        var answer = await PostAsync(message, key, requestId, Guid.NewGuid().ToString());

        Assert.Equal(422, answer.Status);
        Assert.Equal(requestId, answer.Headers[BarsResponse.RequestIdHeader].ToString());
        var issue = answer.Outcome.Issue.Single();
        Assert.Equal("REC_UNPROCESSABLE_ENTITY", issue.Details!.Coding.Single().Code);
        Assert.Equal("Bundle.entry[0].resource.ofType(MessageHeader).focus", issue.Expression.Single());
        Assert.Equal(rows, await hub.CountRowsAsync());

        // Not a message at all: 400 REC_BAD_REQUEST, naming the first entry.
        message.Entry.RemoveAt(0);
        var notAMessage = await PostAsync(message, key, requestId, Guid.NewGuid().ToString());
        Assert.Equal(400, notAMessage.Status);
        Assert.Equal("REC_BAD_REQUEST", notAMessage.Outcome.Issue.Single().Details!.Coding.Single().Code);
        Assert.Equal("Bundle.entry[0].resource", notAMessage.Expressions.Single());
    }

    [Fact]
    public async System.Threading.Tasks.Task A_message_with_no_id_anywhere_is_refused_because_the_answer_could_not_name_it()
    {
        var key = await hub.KeyForAsync("bars-sender", Practice);
        var message = Message("bars-anonymous", null, null!);
        message.Id = null;

        var answer = await PostAsync(message, key, Guid.NewGuid().ToString(), Guid.NewGuid().ToString());

        Assert.Equal(422, answer.Status);
        Assert.Equal("Bundle.entry[0].fullUrl", answer.Expressions.Single());
    }
}

using System.Net;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Hub.Tests.Infrastructure;
using static Hub.Tests.Infrastructure.ReferralExamples;

namespace Hub.Tests.Intake;

/// <summary>A GP system's developer uses Firely's own FhirClient against the hub, as they would against any FHIR server.</summary>
public sealed class FhirClientTests(TestHub hub) : IClassFixture<TestHub>
{
    [Fact]
    public async System.Threading.Tasks.Task Create_then_read_through_the_client_library()
    {
        var client = hub.FhirClient(await hub.KeyForAsync("fc-create", Practice));

        var created = await client.CreateAsync(ServiceRequest());

        Assert.NotNull(created);
        Assert.Equal("1", created!.Meta.VersionId);
        Assert.Equal("201", client.LastResult!.Status);
        var read = await client.ReadAsync<ServiceRequest>($"ServiceRequest/{created.Id}");
        Assert.Equal(created.Id, read!.Id);
        Assert.Equal(created.Identifier.Single().Value, read.Identifier.Single().Value);
    }

    [Fact]
    public async System.Threading.Tasks.Task An_unknown_referral_is_a_not_found_the_client_reports()
    {
        var client = hub.FhirClient(await hub.KeyForAsync("fc-404", Practice));

        var error = await Assert.ThrowsAsync<FhirOperationException>(() => client.ReadAsync<ServiceRequest>("ServiceRequest/nope"));

        Assert.Equal(HttpStatusCode.NotFound, error.Status);
        Assert.Equal(OperationOutcome.IssueType.NotFound, error.Outcome.Issue.Single().Code);
    }
}

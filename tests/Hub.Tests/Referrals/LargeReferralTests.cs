using Hl7.Fhir.Model;
using Hub.Intake;
using Hub.Platform.Fhir;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using static Hub.Tests.Infrastructure.ReferralExamples;

namespace Hub.Tests.Referrals;

/// <summary>A referral larger than one table entity is kept whole, never truncated.</summary>
public sealed class LargeReferralTests(TestHub hub) : IClassFixture<TestHub>
{
    [Fact]
    public async System.Threading.Tasks.Task A_referral_far_larger_than_a_table_property_is_stored_and_read_back_whole()
    {
        var key = await hub.KeyForAsync("large-client", Practice);
        var sr = ServiceRequest();
        // About 700 KB of notes, with multi-byte characters, split across dozens of rows.
        sr.Note = [.. Enumerable.Range(0, 7).Select(i => new Annotation { Text = $"Note {i}: " + string.Concat(Enumerable.Repeat("Café visits — weekly. ", 4_500)) })];

        var created = await hub.PostAsync(IntakeClient.ServiceRequestPath, Json(sr), FhirMediaTypes.Json, key);

        Assert.Equal(201, created.Status);
        var id = created.As<ServiceRequest>().Id!;
        var record = await hub.Get<ReferralStore>().GetAsync(Practice, id);
        Assert.True(record!.DocumentChunks > 20, $"{record.DocumentChunks} chunks");
        var read = await TestHub.CallAsync(HttpCall.Request("GET", $"/api/fhir/ServiceRequest/{id}", apiKey: key),
            r => hub.Function<ReferralReadHttp>().ReadServiceRequest(r, id));
        var back = read.As<ServiceRequest>();
        Assert.Equal(sr.Note.Select(n => n.Text), back.Note.Select(n => n.Text));
    }
}

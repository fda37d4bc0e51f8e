using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Intake;

/// <summary>The README's curl examples post the files in samples/: they must stay acceptable referrals.</summary>
public sealed class ReadmeSampleTests(TestHub hub) : IClassFixture<TestHub>
{
    [Theory]
    [InlineData("servicerequest.json", IntakeClient.ServiceRequestPath)]
    [InlineData("bundle.json", IntakeClient.BasePath)]
    public async System.Threading.Tasks.Task The_sample_referrals_are_accepted(string file, string path)
    {
        var key = await hub.KeyForAsync("readme-client", ReferralExamples.Practice);
        var body = await File.ReadAllBytesAsync(Path.Combine(Azurite.RepositoryRoot(), "samples", file));

        var answer = await hub.PostAsync(path, body, FhirMediaTypes.Json, key);

        Assert.True(answer.Created, answer.ToString());
        var location = answer.Resource is Bundle response ? response.Entry[0].Response.Location : answer.Headers.Location.ToString();
        Assert.EndsWith($"ServiceRequest/{answer.Referral.Id}/_history/1", location, StringComparison.Ordinal);
    }
}

using Hub.Chase;
using Hub.Tests.Infrastructure;
using Microsoft.DurableTask.Client;
using Moq;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Tests.Chase;

/// <summary>The decline page asks "anything the referrer should know": what a provider writes there reaches the referrer
/// (on the Task and by email), and never travels through durable history, which keeps every event and input for good.</summary>
public sealed class DeclineNoteTests(ChaseHub hub) : IClassFixture<ChaseHub>
{
    [Fact]
    public async System.Threading.Tasks.Task A_providers_note_reaches_the_referrer_and_stays_out_of_the_orchestrations_events()
    {
        var (referralId, taskId, reference) = await hub.ReferAsync();
        var offer = await hub.OfferAsync("alpha", referralId);

        var raised = new List<object?>();
        var recording = new Mock<DurableTaskClient>("recording") { CallBase = true };
        recording.Setup(c => c.GetInstanceAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .Returns((string id, bool inputs, CancellationToken ct) => hub.Durable.GetInstanceAsync(id, inputs, ct));
        recording.Setup(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()))
            .Returns((string id, string name, object? payload, CancellationToken ct) =>
            {
                raised.Add(payload);
                return hub.Durable.RaiseEventAsync(id, name, payload, ct);
            });
        const string note = "Full until spring; the Tuesday group at St Mary's may have room.";
        var (_, cookie, csrf) = await ProviderLinks.OpenFormAsync(hub, ProviderLinks.Find(offer, "Decline")!);
        var page = await ProviderLinks.PostAsync(hub, recording.Object, ProviderLinks.Token(ProviderLinks.Find(offer, "Decline")!), csrf, cookie,
            ("reason", "no-capacity"), ("note", note));
        Assert.Contains("Referral declined", page.Body, StringComparison.Ordinal);

        var answer = Assert.IsType<ProviderAnswer>(Assert.Single(raised));
        Assert.Equal((false, DeclineCode.Of(DeclineReason.NoCapacity), (string?)null), (answer.Accepted, answer.ReasonCode, answer.Note));

        var task = await hub.TaskWhenAsync(taskId, t => t.Note.Any(n => n.Text == note));
        Assert.Equal("Alpha Befriending", task.Note.Single().Author is Hl7.Fhir.Model.FhirString author ? author.Value : null);
        var told = await hub.Mail.WaitForEmailAsync(e => e.Subject?.Contains(reference, StringComparison.Ordinal) == true
            && e.Subject.Contains("declined the referral", StringComparison.Ordinal));
        Assert.Contains(note, told.PlainText, StringComparison.Ordinal);
        Assert.Contains("no space", told.PlainText, StringComparison.Ordinal);
        Assert.Equal(FhirTask.TaskStatus.Received, task.Status);
    }
}

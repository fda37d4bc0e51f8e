using Hub.Platform.Fhir;
using Hub.Referrals;
using Hub.Tests.Infrastructure;
using static Hub.Tests.Infrastructure.ReferralExamples;

namespace Hub.Tests.Intake;

/// <summary>Intake writes one note in the changes index for a new referral (its row, its Task and its received entry are
/// written side by side): the audit entry's note, carrying the practice, so the nightly evidence update finds the
/// referral and its practice without reading its audit trail.</summary>
public sealed class IntakeNoteTests(TestHub hub) : IClassFixture<TestHub>
{
    [Fact]
    public async System.Threading.Tasks.Task A_new_referral_is_noted_with_its_practice_and_its_received_entry()
    {
        var key = await hub.KeyForAsync("note-client", Practice);
        var since = ReferralChanges.Now().AddMinutes(-1);

        var created = await hub.PostAsync(IntakeClient.ServiceRequestPath, Json(ServiceRequest("noted-with-practice")), FhirMediaTypes.Json, key);

        Assert.Equal(201, created.Status);
        var notes = new List<ReferralChange>();
        await foreach (var change in hub.Get<ReferralChanges>().SinceAsync(since))
        {
            if (change.ReferralId == created.Referral.Id && change.Events.Any(e => e.Event == AuditEventName.ReferralReceived.Spelling()))
            {
                notes.Add(change);
            }
        }

        var note = Assert.Single(notes);
        Assert.Equal(Practice, note.PracticeOds);
    }
}

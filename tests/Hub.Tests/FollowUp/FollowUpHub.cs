using Hub.Tests.Infrastructure;

namespace Hub.Tests.FollowUp;

/// <summary>A hub whose whole referral life runs in seconds: the chase (<see cref="HubSetup.FastChase"/>) and the
/// follow-up into a practice FHIR server inside the test (<see cref="HubSetup.FastFollowUp"/>).</summary>
public sealed class FollowUpHub : TestHub
{
    protected override void Setup(HubSetup hub) => hub.FastChase().FastFollowUp();
}

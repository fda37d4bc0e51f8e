using System.Text.Json;
using Hub.Tests.Infrastructure;

namespace Hub.Tests.Operations;

/// <summary>Orchestrator and activity names are stored in the history of every instance in flight: a referral waiting
/// months for its follow-up replays under them. The checked-in list pins every name the built app declares.</summary>
[Trait("Category", "Unit")]
public sealed class FunctionNamesTests
{
    private static readonly string AppFolder = Path.Combine(Azurite.RepositoryRoot(), "functions", "Hub.Functions");

    private static List<(string Trigger, string Name)> Pinned() =>
        File.ReadAllLines(Path.Combine(AppFolder, "functions.names.txt"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' ', 2))
            .Select(p => (p[0], p[1]))
            .ToList();

    private static List<(string Trigger, string Name)> Built()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppFolder, "bin", configuration, "net10.0", "functions.metadata")));
        return metadata.RootElement.EnumerateArray()
            .Select(f => (f.GetProperty("bindings")[0].GetProperty("type").GetString()!, f.GetProperty("name").GetString()!))
            .ToList();
    }

    [Fact]
    public void Every_pinned_orchestrator_and_activity_name_is_still_in_the_built_app()
    {
        var built = Built().ToHashSet();
        var gone = Pinned().Where(p => p.Trigger is "orchestrationTrigger" or "activityTrigger" && !built.Contains(p)).ToList();
        Assert.True(gone.Count == 0, $"Instances in flight replay under these names, which the app no longer declares: {string.Join(", ", gone)}. Keep each name, or keep a shim under the old one.");
    }

    [Fact]
    public void The_pinned_list_is_exactly_what_the_app_declares()
    {
        Assert.Equal(Pinned().Order(), Built().Order());
    }

    [Fact]
    public void The_list_holds_every_name_earlier_deployments_stored()
    {
        // The names in history before this list existed: version 1 to 3 of the chase and the follow-up.
        string[] stored = ["ReferralOrchestration", "FollowUpOrchestration", "RecordReferralReceived", "PlanChase", "OfferToProvider",
            "RemindProvider", "EscalateToReferrer", "EscalateNoProvider", "RecordDecline", "AcceptReferral", "RejectReferral",
            "CancelReferral", "PlanFollowUp", "SendSurvey", "WriteBack", "ParkWriteBack", "EndFollowUp"];
        var durable = Pinned().Where(p => p.Trigger is "orchestrationTrigger" or "activityTrigger").Select(p => p.Name).ToHashSet();
        Assert.All(stored, name => Assert.Contains(name, durable));
    }
}

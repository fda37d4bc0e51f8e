namespace Hub.FollowUp;

/// <summary>The follow-up's activity names, as stored in every instance's history: literals, so renaming a method or class
/// cannot change them (functions.durable-names.txt and a test pin them). The write-back steps are implemented in
/// WriteBack/WriteBackActivities; the follow-up only calls them.</summary>
public static class FollowUpActivityNames
{
    public const string PlanFollowUp = "PlanFollowUp";
    public const string SendSurvey = "SendSurvey";
    public const string EndFollowUp = "EndFollowUp";
    public const string WriteBack = "WriteBack";
    public const string ParkWriteBack = "ParkWriteBack";
}

using Hub.FollowUp;
using Hub.Referrals;

namespace Hub.WriteBack;

/// <summary>The write-back's audit events. A survey is written (or skipped) once: both share one key.</summary>
public static class WriteBackAudit
{
    public static LifecycleEvent Skipped(SurveyKind kind) =>
        new(AuditEventName.WriteBackSkipped, AuditActor.Hub, $"{kind.Spelling()}:{WriteBackState.NoEndpoint.Spelling()}", $"write-back-{kind.Spelling()}");

    public static LifecycleEvent Written(SurveyKind kind) =>
        new(AuditEventName.WrittenBack, AuditActor.Hub, kind.Spelling(), $"write-back-{kind.Spelling()}");

    /// <summary>Not once: each parking after an operator's retry is its own line.</summary>
    public static LifecycleEvent Parked(SurveyKind kind, WriteBackState state) =>
        new(AuditEventName.WriteBackParked, AuditActor.Hub, $"{kind.Spelling()}:{state.Spelling()}");
}

using System.Reflection;
using System.Text.Json;
using Hub.Chase;
using Hub.FollowUp;
using Hub.Providers;
using Hub.Referrals;
using Hub.WriteBack;

namespace Hub.Tests.Referrals;

/// <summary>Every lifecycle word as tables, audit rows, Task JSON, custom status and durable history hold it. These
/// strings are read back months later: a failure here means stored data would no longer read. Long because it is one
/// table of every stored word, kept whole so a new word has one obvious place to be pinned.</summary>
[Trait("Category", "Unit")]
public sealed class StoredSpellingsTests
{
    public static TheoryData<Enum, string> Spellings => new()
    {
        { TaskBusinessStatus.Received, "received" },
        { TaskBusinessStatus.AwaitingProvider, "awaiting-provider" },
        { TaskBusinessStatus.ProviderReminded, "provider-reminded" },
        { TaskBusinessStatus.Escalated, "escalated" },
        { TaskBusinessStatus.ProviderDeclined, "provider-declined" },
        { TaskBusinessStatus.Accepted, "accepted" },
        { TaskBusinessStatus.AwaitingFollowUp, "awaiting-follow-up" },
        { TaskBusinessStatus.AllDeclined, "all-declined" },
        { TaskBusinessStatus.Withdrawn, "withdrawn" },
        { TaskBusinessStatus.BaselineSurveySent, "baseline-survey-sent" },
        { TaskBusinessStatus.SurveySent, "survey-sent" },
        { TaskBusinessStatus.SurveyReminded, "survey-reminded" },
        { TaskBusinessStatus.WrittenBack, "written-back" },
        { TaskBusinessStatus.WriteBackParked, "write-back-parked" },
        { TaskBusinessStatus.PersonContacted, "person-contacted" },
        { TaskBusinessStatus.ContactAttempted, "contact-attempted" },
        { TaskBusinessStatus.CouldNotContact, "could-not-contact" },
        { TaskBusinessStatus.FirstSessionAttended, "first-session-attended" },
        { TaskBusinessStatus.Attending, "attending" },
        { TaskBusinessStatus.PersonDeclined, "person-declined" },
        { TaskBusinessStatus.Finished, "finished" },
        { TaskBusinessStatus.Stopped, "stopped" },
        { TaskBusinessStatus.OutcomeRecorded, "outcome-recorded" },
        { TaskBusinessStatus.OptedOut, "opted-out" },
        { TaskBusinessStatus.NoResponse, "no-response" },
        { TaskBusinessStatus.StepHeld, "step-held" },

        { ProgressStep.Received, "received" },
        { ProgressStep.AwaitingProvider, "awaiting-provider" },
        { ProgressStep.Escalated, "escalated" },
        { ProgressStep.Accepted, "accepted" },
        { ProgressStep.FollowingUp, "following-up" },
        { ProgressStep.Rejected, "rejected" },
        { ProgressStep.Withdrawn, "withdrawn" },
        { ProgressStep.AwaitingFollowUp, "awaiting-follow-up" },
        { ProgressStep.SurveySent, "survey-sent" },
        { ProgressStep.WriteBackParked, "write-back-parked" },
        { ProgressStep.Answered, "answered" },
        { ProgressStep.NoResponse, "no-response" },
        { ProgressStep.OptedOut, "opted-out" },
        { ProgressStep.Held, "held" },

        { ActivityMatchMethod.Code, "code" },
        { ActivityMatchMethod.Snomed, "snomed" },
        { ActivityMatchMethod.Synonym, "synonym" },
        { RouteBasis.Performer, "performer" },
        { RouteBasis.Activity, "activity" },
        { RouteBasis.LinkWorkerService, "link-worker-service" },
        { RouteBasis.None, "none" },

        { WithdrawalStatus.Revoked, "revoked" },
        { WithdrawalStatus.EnteredInError, "entered-in-error" },

        { AuditEventName.ReferralReceived, "referral-received" },
        { AuditEventName.DuplicateReceived, "duplicate-received" },
        { AuditEventName.WithdrawnByPractice, "withdrawn-by-practice" },
        { AuditEventName.ContactWithheld, "contact-withheld" },
        { AuditEventName.StepHeld, "step-held" },
        { AuditEventName.StepResumed, "step-resumed" },
        { AuditEventName.OrchestrationStarted, "orchestration-started" },
        { AuditEventName.ChasePlanned, "chase-planned" },
        { AuditEventName.Offered, "offered" },
        { AuditEventName.Reminded, "reminded" },
        { AuditEventName.EmailRejected, "email-rejected" },
        { AuditEventName.Escalated, "escalated" },
        { AuditEventName.ProviderAccepted, "provider-accepted" },
        { AuditEventName.ProviderDeclined, "provider-declined" },
        { AuditEventName.Declined, "declined" },
        { AuditEventName.Accepted, "accepted" },
        { AuditEventName.Rejected, "rejected" },
        { AuditEventName.Withdrawn, "withdrawn" },
        { AuditEventName.HandoverViewed, "handover-viewed" },
        { AuditEventName.HandoverLinkSent, "handover-link-sent" },
        { AuditEventName.ProgressReported, "progress-reported" },
        { AuditEventName.ProgressReminded, "progress-reminded" },
        { AuditEventName.ProgressEscalated, "progress-escalated" },
        { AuditEventName.FollowUpPlanned, "follow-up-planned" },
        { AuditEventName.SurveySent, "survey-sent" },
        { AuditEventName.SurveyUndeliverable, "survey-undeliverable" },
        { AuditEventName.SurveyAnswered, "survey-answered" },
        { AuditEventName.OptedOut, "opted-out" },
        { AuditEventName.FollowUpEnded, "follow-up-ended" },
        { AuditEventName.WriteBackSkipped, "write-back-skipped" },
        { AuditEventName.WrittenBack, "written-back" },
        { AuditEventName.WriteBackParked, "write-back-parked" },

        { Hub.Platform.Durable.EventDelivery.Pending, "pending" },
        { Hub.Platform.Durable.EventDelivery.Delivered, "delivered" },
        { Hub.Platform.Durable.EventDelivery.NoReceiver, "no-receiver" },
        { Hub.Platform.Durable.EventDelivery.GivenUp, "given-up" },

        { SurveyKind.Baseline, "baseline" },
        { SurveyKind.FollowUp, "follow-up" },
        { SurveyRecipient.Patient, "patient" },
        { SurveyRecipient.Provider, "provider" },
        { AnswerSource.Patient, "patient" },
        { AnswerSource.Provider, "provider" },
        { AnswerSource.WithReferral, "with-referral" },
        { BaselineSource.WithReferral, "with-referral" },
        { BaselineSource.Survey, "survey" },
        { BaselineSource.None, "none" },
        { FollowUpStage.Waiting, "waiting" },
        { FollowUpStage.BaselineSent, "baseline-sent" },
        { FollowUpStage.SurveySent, "survey-sent" },
        { FollowUpStage.SurveyReminded, "survey-reminded" },
        { FollowUpStage.Answered, "answered" },
        { FollowUpStage.NoResponse, "no-response" },
        { FollowUpStage.OptedOut, "opted-out" },
        { FollowUpStage.Withdrawn, "withdrawn" },
        { FollowUpOutcome.Answered, "answered" },
        { FollowUpOutcome.NoResponse, "no-response" },
        { FollowUpOutcome.OptedOut, "opted-out" },
        { FollowUpOutcome.Withdrawn, "withdrawn" },
        { WriteBackState.Pending, "pending" },
        { WriteBackState.Written, "written" },
        { WriteBackState.NoEndpoint, "no-endpoint" },
        { WriteBackState.NotNeeded, "not-needed" },
        { WriteBackState.Refused, "refused" },
        { WriteBackState.Unreachable, "unreachable" },
        { WriteBackState.Parked, "parked" },

        { DeclineReason.NoCapacity, "no-capacity" },
        { DeclineReason.NotSuitable, "not-suitable" },
        { DeclineReason.OutOfArea, "out-of-area" },
        { DeclineReason.Other, "other" },
        { ProgressReport.Contacted, "contacted" },
        { ProgressReport.CouldNotContact, "could-not-contact" },
        { ProgressReport.FirstSession, "first-session" },
        { ProgressReport.Sessions, "sessions" },
        { ProgressReport.Declined, "declined" },
        { ProgressReport.Finished, "finished" },
        { ProgressReport.Stopped, "stopped" },
        { FinishOutcome.GoalsMet, "goals-met" },
        { FinishOutcome.GoalsPartlyMet, "goals-partly-met" },
        { FinishOutcome.ConnectedOnward, "connected-onward" },
        { FinishOutcome.Other, "other" },
        { StopReason.StoppedAttending, "stopped-attending" },
        { StopReason.Health, "health" },
        { StopReason.MovedAway, "moved-away" },
        { StopReason.ServiceUnsuitable, "service-unsuitable" },
        { StopReason.Other, "other" },
        { ChaseEndReason.NoProvider, "no-provider" },
        { ChaseEndReason.NoResponse, "no-response" },
        { ChaseEndReason.AllDeclined, "all-declined" },
        { ChaseEndReason.Withdrawn, "withdrawn" },
        { ProviderWebhookEvent.Offered, "offered" },
        { ProviderWebhookEvent.Reminded, "reminded" },
        { ProviderWebhookEvent.Accepted, "accepted" },
        { ProviderWebhookEvent.Updated, "updated" },
        { ProviderWebhookEvent.Ended, "ended" },
        { ProviderWebhookEvent.Withdrawn, "withdrawn" },
        { ProviderWebhookState.Waiting, "waiting" },
        { ProviderWebhookState.Delivered, "delivered" },
        { ProviderWebhookState.GivenUp, "given-up" },
        { GpProgressPoint.Declined, "declined" },
        { GpProgressPoint.Started, "started" },
        { GpProgressPoint.Finished, "finished" },
        { GpWriteKind.Outcomes, "outcomes" },
        { GpWriteKind.Progress, "progress" },
        { GpWriteKind.Discharge, "discharge" },
        { GpWriteKind.DischargeAmendment, "discharge-amendment" },
        { Hub.LinkWork.ConnectionOutcome.AwaitingProvider, "awaiting-provider" },
        { Hub.LinkWork.ConnectionOutcome.Accepted, "accepted" },
        { Hub.LinkWork.ConnectionOutcome.TakenUp, "taken-up" },
        { Hub.LinkWork.ConnectionOutcome.NotTakenUp, "not-taken-up" },

        { Hub.Access.KeyRole.Reader, "reader" },
        { Hub.Access.KeyRole.Analyst, "analyst" },
        { Hub.Access.KeyRole.Provider, "provider" },

        { Hub.LinkWork.ContactMode.FaceToFace, "face-to-face" },
        { Hub.LinkWork.ContactMode.Phone, "phone" },
        { Hub.LinkWork.ContactMode.Video, "video" },
        { Hub.LinkWork.ContactMode.HomeVisit, "home-visit" },
        { Hub.LinkWork.GoalProgress.InProgress, "in-progress" },
        { Hub.LinkWork.GoalProgress.Achieved, "achieved" },
        { Hub.LinkWork.GoalProgress.NotAchieved, "not-achieved" },
        { Hub.LinkWork.PlanActionStatus.NotStarted, "not-started" },
        { Hub.LinkWork.PlanActionStatus.InProgress, "in-progress" },
        { Hub.LinkWork.PlanActionStatus.Completed, "completed" },
        { Hub.LinkWork.PlanActionStatus.Stopped, "stopped" },
        { Hub.LinkWork.EpisodeChange.Contact, "contact" },
        { Hub.LinkWork.EpisodeChange.Need, "need" },
        { Hub.LinkWork.EpisodeChange.WhatMatters, "what-matters" },
        { Hub.LinkWork.EpisodeChange.Goal, "goal" },
        { Hub.LinkWork.EpisodeChange.GoalProgress, "goal-progress" },
        { Hub.LinkWork.EpisodeChange.Action, "action" },
        { Hub.LinkWork.EpisodeChange.ActionStatus, "action-status" },
        { Hub.LinkWork.EpisodeChange.ReviewDate, "review-date" },
        { Hub.LinkWork.EpisodeChange.Assessment, "assessment" },
        { Hub.LinkWork.EpisodeChange.Close, "close" },
        { Hub.LinkWork.EpisodeCloseReason.GoalsMet, "goals-met" },
        { Hub.LinkWork.EpisodeCloseReason.PersonDeclined, "person-declined" },
        { Hub.LinkWork.EpisodeCloseReason.CouldNotEngage, "could-not-engage" },
        { Hub.LinkWork.EpisodeCloseReason.MovedAway, "moved-away" },
        { Hub.LinkWork.EpisodeCloseReason.ReferredElsewhere, "referred-elsewhere" },
        { Hub.LinkWork.NextAction.ReviewDue, "review-due" },
        { Hub.LinkWork.NextAction.NoContactYet, "no-contact-yet" },
        { Hub.LinkWork.NextAction.NoPlanYet, "no-plan-yet" },
        { Hub.LinkWork.NextAction.ConnectionAwaitingProvider, "connection-awaiting-provider" },
        { Hub.LinkWork.NextAction.None, "none" },
    };

    [Theory]
    [MemberData(nameof(Spellings))]
    public void Each_value_has_its_stored_spelling_in_tables_and_in_json_and_reads_back(Enum value, string stored)
    {
        var type = value.GetType();
        Assert.Equal(stored, Call(nameof(StoredSpelling.Spelling), type, value));
        Assert.Equal(value, Call(nameof(StoredSpelling.Parse), type, stored));
        Assert.Equal($"\"{stored}\"", JsonSerializer.Serialize(value, type));
        Assert.Equal($"\"{stored}\"", JsonSerializer.Serialize(value, type, JsonSerializerOptions.Web));
        Assert.Equal(value, JsonSerializer.Deserialize($"\"{stored}\"", type));
    }

    [Fact]
    public void Every_value_of_every_lifecycle_enum_is_pinned_above()
    {
        var pinned = Spellings.Select(row => (Enum)row[0]).ToHashSet();
        foreach (var type in pinned.Select(v => v.GetType()).Distinct())
        {
            Assert.All(Enum.GetValues(type).Cast<Enum>(), v => Assert.Contains(v, pinned));
        }
    }

    [Fact]
    public void Open_ended_words_keep_their_spellings()
    {
        Assert.Equal(
            ["offer", "reminder-1", "reminder-12", "escalation", "expired", "email-rejected"],
            new[] { ChaseStepName.Offer, ChaseStepName.Reminder(1), ChaseStepName.Reminder(12), ChaseStepName.Escalation, ChaseStepName.Expired, ChaseStepName.EmailRejected }.Select(s => s.Value));
        Assert.Equal(
            ["routed", "offer", "reminder-2", "escalation", "email-rejected", "no-provider", "declined-alpha", "accepted", "rejected", "withdrawn"],
            new[] { ChaseStage.Routed, ChaseStage.At(ChaseStepName.Offer), ChaseStage.At(ChaseStepName.Reminder(2)), ChaseStage.At(ChaseStepName.Escalation), ChaseStage.At(ChaseStepName.EmailRejected),
                ChaseStage.NoProvider, ChaseStage.DeclinedBy("alpha"), ChaseStage.Accepted, ChaseStage.Rejected, ChaseStage.Withdrawn }.Select(s => s.Value));
        Assert.Equal(
            ["no-response", "email-rejected", "unspecified", "no-capacity", "unspecified"],
            new[] { DeclineCode.NoResponse, DeclineCode.EmailRejected, DeclineCode.Unspecified, DeclineCode.Of(DeclineReason.NoCapacity), DeclineCode.Of(null) }.Select(c => c.Value));
        Assert.Equal(DeclineReason.OutOfArea, DeclineCode.FromStored("out-of-area").Reason);
        Assert.Null(DeclineCode.NoResponse.Reason);

        Assert.Equal("\"reminder-3\"", JsonSerializer.Serialize(ChaseStepName.Reminder(3)));
        Assert.Equal(ChaseStepName.Reminder(3), JsonSerializer.Deserialize<ChaseStepName>("\"reminder-3\""));
        Assert.True(ChaseStepName.Reminder(3).IsReminder);
        Assert.Equal(["survey", "reminder-1", "reminder-12", "closed"],
            new[] { SurveyStepName.FirstSend, SurveyStepName.Reminder(1), SurveyStepName.Reminder(12), SurveyStepName.Closed }.Select(s => s.Value));
        Assert.Equal("\"reminder-2\"", JsonSerializer.Serialize(SurveyStepName.Reminder(2)));
        Assert.Equal(SurveyStepName.FirstSend, JsonSerializer.Deserialize<SurveyStepName>("\"survey\""));
        Assert.True(SurveyStepName.Reminder(2).IsReminder);
        Assert.False(SurveyStepName.FirstSend.IsReminder);
        Assert.Equal("\"no-capacity\"", JsonSerializer.Serialize(DeclineCode.Of(DeclineReason.NoCapacity)));
        Assert.Equal(DeclineCode.NoResponse, JsonSerializer.Deserialize<DeclineCode>("\"no-response\""));
        Assert.True(ChaseStage.Accepted.IsDecided && ChaseStage.Rejected.IsDecided && !ChaseStage.Withdrawn.IsDecided);
    }

    [Theory]
    [InlineData("hub", AuditActorKind.Hub, null)]
    [InlineData("patient", AuditActorKind.Patient, null)]
    [InlineData("provider", AuditActorKind.ProviderForPatient, null)]
    [InlineData("provider:alpha", AuditActorKind.Provider, "alpha")]
    [InlineData("client:practice-system", AuditActorKind.Client, "practice-system")]
    [InlineData("admin", AuditActorKind.Other, "admin")]
    public void Actors_read_back_as_written(string stored, AuditActorKind kind, string? id)
    {
        var actor = AuditActor.Parse(stored);
        Assert.Equal(new AuditActor(kind, id), actor);
        Assert.Equal(stored, actor.Spelling);
        Assert.Equal(kind == AuditActorKind.Provider ? id : null, actor.ProviderId);
    }

    public static TheoryData<LifecycleEvent, string, string, string?, string?> Events => new()
    {
        // Each row is what the code before the typed lifecycle wrote: event, actor, outcome, once-key.
        { LifecycleEvent.ReferralReceived("c1", "http"), "referral-received", "client:c1", "http", "referral-received" },
        { LifecycleEvent.DuplicateReceived("c1", "queue"), "duplicate-received", "client:c1", "queue", null },
        { LifecycleEvent.WithdrawnByPractice("c1", WithdrawalStatus.EnteredInError), "withdrawn-by-practice", "client:c1", "entered-in-error", "withdrawn-by-practice" },
        { LifecycleEvent.OrchestrationStarted(), "orchestration-started", "hub", "received", "orchestration-started" },
        // New with the re-check before contact (no earlier spelling to match): what it writes from now on.
        { LifecycleEvent.ContactWithheld("reminder-1-alpha"), "contact-withheld", "hub", "reminder-1-alpha", "contact-withheld-reminder-1-alpha" },
        // New with held steps.
        { LifecycleEvent.StepHeld("OfferToProvider", 2, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)), "step-held", "hub", "OfferToProvider:2", "step-held-OfferToProvider-639028224000000000" },
        { LifecycleEvent.StepResumed("OfferToProvider", 2, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)), "step-resumed", "hub", "OfferToProvider:2", "step-resumed-OfferToProvider-639028224000000000" },
        { LifecycleEvent.EmailRefused("referrer-accepted", 550), "email-rejected", "hub", "referrer-accepted:550", "email-rejected-referrer-accepted" },
        { LifecycleEvent.EmailRefused("withdrawn-alpha", null), "email-rejected", "hub", "withdrawn-alpha:", "email-rejected-withdrawn-alpha" },
        { LifecycleEvent.EmailRefused("survey-follow-up-reminder-1-provider", 400), "email-rejected", "hub", "survey-follow-up-reminder-1-provider:400", "email-rejected-survey-follow-up-reminder-1-provider" },
        { ChaseAudit.Planned(3), "chase-planned", "hub", "3 provider(s)", "chase-planned" },
        { ChaseAudit.Offered("alpha", ChaseStepName.Offer, reminder: false), "offered", "provider:alpha", "offer", "offer-alpha" },
        { ChaseAudit.Offered("alpha", ChaseStepName.Reminder(2), reminder: true), "reminded", "provider:alpha", "reminder-2", "reminder-2-alpha" },
        { ChaseAudit.OfferRefused("alpha", ChaseStepName.Offer, 550), "email-rejected", "hub", "offer:alpha:550", "email-rejected-offer-alpha" },
        { ChaseAudit.Escalated("alpha", ChaseStepName.EmailRejected), "escalated", "hub", "email-rejected:alpha", "escalated-email-rejected-alpha" },
        { ChaseAudit.Escalated("alpha", ChaseStepName.Escalation), "escalated", "hub", "escalation:alpha", "escalated-escalation-alpha" },
        { ChaseAudit.EscalatedNoProvider(), "escalated", "hub", "no-provider", "escalated-no-provider" },
        { ChaseAudit.Answered("alpha", accepted: true, null), "provider-accepted", "provider:alpha", null, "answer-alpha" },
        { ChaseAudit.Answered("alpha", accepted: false, DeclineReason.NoCapacity), "provider-declined", "provider:alpha", "no-capacity", "answer-alpha" },
        { ChaseAudit.Declined(new Decline("alpha", DeclineCode.NoResponse, null)), "declined", "provider:alpha", "no-response", "declined-alpha" },
        { ChaseAudit.Accepted("alpha", new DateOnly(2027, 3, 27)), "accepted", "provider:alpha", "2027-03-27", "accepted" },
        { ChaseAudit.Accepted("alpha", null), "accepted", "provider:alpha", null, "accepted" },
        { ChaseAudit.HandoverViewed("alpha", "accept"), "handover-viewed", "provider:alpha", "accept", null },
        { ChaseAudit.ProgressReported("alpha", ProgressReport.CouldNotContact, "2", 3), "progress-reported", "provider:alpha", "could-not-contact:2", "progress-alpha-3" },
        { ChaseAudit.ProgressReported("alpha", ProgressReport.Declined, null, 1), "progress-reported", "provider:alpha", "declined", "progress-alpha-1" },
        { ChaseAudit.ProgressReminded("alpha", "progress-reminder-alpha"), "progress-reminded", "provider:alpha", null, "progress-reminder-alpha" },
        { ChaseAudit.ProgressEscalated("alpha"), "progress-escalated", "hub", "alpha", "progress-escalated-alpha" },
        { ChaseAudit.Rejected([new Decline("alpha", DeclineCode.Of(DeclineReason.OutOfArea), null), new Decline("beta", DeclineCode.EmailRejected, null)]), "rejected", "hub", "alpha: out-of-area; beta: email-rejected", "rejected" },
        { ChaseAudit.Withdrawn("alpha"), "withdrawn", "hub", "alpha", "withdrawn" },
        { ChaseAudit.Withdrawn(null), "withdrawn", "hub", null, "withdrawn" },
        { FollowUpAudit.Planned(BaselineSource.WithReferral, SurveyRecipient.Provider), "follow-up-planned", "hub", "baseline:with-referral;survey-to:provider", "follow-up-planned" },
        { FollowUpAudit.Undeliverable(SurveyKind.Baseline), "survey-undeliverable", "hub", "baseline", "survey-undeliverable-baseline" },
        { FollowUpAudit.Sent(SurveyRecipient.Patient, SurveyKind.FollowUp, SurveyStepName.Reminder(1)), "survey-sent", "patient", "follow-up:reminder-1", "survey-follow-up-reminder-1" },
        { FollowUpAudit.Sent(SurveyRecipient.Provider, SurveyKind.Baseline, SurveyStepName.FirstSend), "survey-sent", "provider", "baseline:survey", "survey-baseline-survey" },
        { FollowUpAudit.Answered(SurveyKind.FollowUp, administered: false, complete: true), "survey-answered", "patient", "follow-up:complete", "survey-answered-follow-up" },
        { FollowUpAudit.Answered(SurveyKind.Baseline, administered: true, complete: false), "survey-answered", "provider", "baseline:partial", "survey-answered-baseline" },
        { FollowUpAudit.OptedOut(administered: false), "opted-out", "patient", null, "opted-out" },
        { FollowUpAudit.OptedOut(administered: true), "opted-out", "provider", null, "opted-out" },
        { FollowUpAudit.Ended(FollowUpOutcome.NoResponse, BaselineSource.None), "follow-up-ended", "hub", "no-response;baseline:none", "follow-up-ended" },
        { WriteBackAudit.Skipped(SurveyKind.FollowUp), "write-back-skipped", "hub", "follow-up:no-endpoint", "write-back-follow-up" },
        { WriteBackAudit.Written(SurveyKind.Baseline), "written-back", "hub", "baseline", "write-back-baseline" },
        { WriteBackAudit.Parked(SurveyKind.FollowUp, WriteBackState.Unreachable), "write-back-parked", "hub", "follow-up:unreachable", null },
    };

    [Theory]
    [MemberData(nameof(Events))]
    public void Audit_events_are_written_as_before(LifecycleEvent written, string name, string actor, string? outcome, string? onceKey)
    {
        Assert.Equal(name, written.Name.Spelling());
        Assert.Equal(actor, written.Actor.Spelling);
        Assert.Equal(outcome, written.Outcome);
        Assert.Equal(onceKey, written.OnceKey);
    }

    [Fact]
    public void The_typed_readers_read_what_the_writers_wrote()
    {
        static AuditEntry Row(LifecycleEvent e) => new("r1", e.Name.Spelling(), e.Actor.Spelling, DateTimeOffset.UnixEpoch, e.Outcome);

        var accepted = Row(ChaseAudit.Accepted("alpha", new DateOnly(2027, 3, 27)));
        Assert.Equal(AuditEventName.Accepted, accepted.Name);
        Assert.Equal("alpha", accepted.By.ProviderId);
        Assert.Equal(new DateOnly(2027, 3, 27), ChaseAudit.FirstSessionOf(accepted));
        Assert.Equal(DeclineCode.Of(DeclineReason.Other), ChaseAudit.DeclineOf(Row(ChaseAudit.Declined(new Decline("a", DeclineCode.Of(DeclineReason.Other), null)))));
        Assert.Equal(DeclineCode.Unspecified, ChaseAudit.DeclineOf(new AuditEntry("r1", "declined", "provider:a", DateTimeOffset.UnixEpoch, null)));
        Assert.Equal((false, ChaseStepName.EmailRejected, "alpha"), ChaseAudit.EscalationOf(Row(ChaseAudit.Escalated("alpha", ChaseStepName.EmailRejected))));
        Assert.True(ChaseAudit.EscalationOf(Row(ChaseAudit.EscalatedNoProvider())).NoProvider);
        Assert.Equal(SurveyKind.FollowUp, FollowUpAudit.KindOf(Row(FollowUpAudit.Sent(SurveyRecipient.Patient, SurveyKind.FollowUp, SurveyStepName.FirstSend))));
        Assert.Equal(SurveyKind.Baseline, FollowUpAudit.KindOf(Row(FollowUpAudit.Answered(SurveyKind.Baseline, false, true))));
        Assert.Equal(FollowUpOutcome.OptedOut, FollowUpAudit.OutcomeOf(Row(FollowUpAudit.Ended(FollowUpOutcome.OptedOut, BaselineSource.Survey))));
        Assert.Null(new AuditEntry("k", "api-key-issued", "admin", DateTimeOffset.UnixEpoch, null).Name);
    }

    [Fact]
    public void The_withdrawn_check_knows_both_statuses()
    {
        static ReferralRecord With(string status) => new("r1", "A81001", "t1", "s", "v", "h", status, "http", 1, DateTimeOffset.UnixEpoch, 1);
        Assert.True(With("revoked").IsWithdrawn());
        Assert.True(With("entered-in-error").IsWithdrawn());
        Assert.False(With("active").IsWithdrawn());
        Assert.Equal(WithdrawalStatus.Revoked, Withdrawals.FromFhir(Hl7.Fhir.Model.RequestStatus.Revoked));
        Assert.Null(Withdrawals.FromFhir(Hl7.Fhir.Model.RequestStatus.Active));
    }

    [Fact]
    public void Stored_rows_hold_the_same_strings()
    {
        var response = new SurveyResponse("r1", "A81001", SurveyKind.FollowUp, "q|1", AnswerSource.WithReferral, DateTimeOffset.UnixEpoch, true, new Dictionary<string, decimal>(), 1, WriteBackState.NotNeeded);
        var row = FollowUpStore.EntityOf(response);
        Assert.Equal("r1-follow-up", row.RowKey);
        Assert.Equal("follow-up", row["Kind"]);
        Assert.Equal("with-referral", row["Source"]);
        Assert.Equal("not-needed", row["WriteBack"]);
        Assert.Equal("outcome-baseline", FollowUpStore.DocumentName(SurveyKind.Baseline));

        var task = Hub.Referrals.ReferralTasks.Create("t1", "r1", "A81001", "9434765919", DateTimeOffset.UnixEpoch);
        Assert.Equal(("received", "Referral received by the hub"), (task.BusinessStatus.Coding[0].Code, task.BusinessStatus.Text));
        ReferralTaskProgress.Step(task, Hl7.Fhir.Model.Task.TaskStatus.Received, TaskBusinessStatus.AwaitingProvider);
        Assert.Equal(("awaiting-provider", "Offered to a provider; awaiting their answer"), (task.BusinessStatus.Coding[0].Code, task.BusinessStatus.Text));
    }

    // Today's durable records, as they were before their fields were typed: the new records must write the very same JSON
    // and read the JSON these wrote.
    private sealed record OldInput(string ReferralId, string PracticeOds, string TaskId, string? TraceParent = null);
    private sealed record OldChaseStep(OldInput Referral, string ProviderId, int Attempt, string Step);
    private sealed record OldProviderAnswer(string ProviderId, bool Accepted, string? ReasonCode, string? Note, DateOnly? FirstSession);
    private sealed record OldDecline(string ProviderId, string ReasonCode, string? Note);
    private sealed record OldChaseEnd(OldInput Referral, string? ProviderId, IReadOnlyList<OldDecline> Declines, OldProviderAnswer? Answer, string? Reason);
    private sealed record OldProgress(string Step, string? Detail, DateTime? NextTimerAt = null, string? ProviderId = null);
    private sealed record OldWithdrawal(string Status, DateTimeOffset At);
    private sealed record OldFollowUpInput(OldInput Referral, string ProviderId);
    private sealed record OldSurveyStep(OldFollowUpInput FollowUp, string Kind, string Step);
    private sealed record OldSurveySubmitted(string Kind);
    private sealed record OldWriteBackStep(OldFollowUpInput FollowUp, string Kind);
    private sealed record OldWriteBackOutcome(string State, string? Detail);
    private sealed record OldParkedWriteBack(OldFollowUpInput FollowUp, string Kind, OldWriteBackOutcome Outcome);
    private sealed record OldFollowUpEnd(OldFollowUpInput FollowUp, string Outcome);

    // An onward connection's chase input (LinkWork): the parent referral's id, written only when set.
    private sealed record OnwardInput(string ReferralId, string PracticeOds, string TaskId, string? TraceParent, string ParentReferralId);

    private static readonly OldInput OldReferral = new("r1", "A81001", "t1", "00-abc-def-01");
    private static readonly ReferralOrchestrationInput Referral = new("r1", "A81001", "t1", "00-abc-def-01");
    private static readonly OldFollowUpInput OldFollowUp = new(OldReferral, "alpha");
    private static readonly FollowUpInput FollowUp = new(Referral, "alpha");

    public static TheoryData<object, object> DurableRecords => new()
    {
        { new OldChaseStep(OldReferral, "alpha", 2, "reminder-1"), new ChaseStep(Referral, "alpha", 2, ChaseStepName.Reminder(1)) },
        { new OldChaseStep(OldReferral, "alpha", 1, "email-rejected"), new ChaseStep(Referral, "alpha", 1, ChaseStepName.EmailRejected) },
        { new OldProviderAnswer("alpha", false, "not-suitable", "full", null), new ProviderAnswer("alpha", false, DeclineCode.Of(DeclineReason.NotSuitable), "full", null) },
        { new OldProviderAnswer("alpha", true, null, null, new DateOnly(2027, 3, 27)), new ProviderAnswer("alpha", true, null, null, new DateOnly(2027, 3, 27)) },
        {
            new OldChaseEnd(OldReferral, null, [new OldDecline("alpha", "no-response", null), new OldDecline("beta", "other", "n")], null, "all-declined"),
            new ChaseEnd(Referral, null, [new Decline("alpha", DeclineCode.NoResponse, null), new Decline("beta", DeclineCode.Of(DeclineReason.Other), "n")], null, ChaseEndReason.AllDeclined)
        },
        {
            new OldChaseEnd(OldReferral, "alpha", [], new OldProviderAnswer("alpha", true, null, null, null), null),
            new ChaseEnd(Referral, "alpha", [], new ProviderAnswer("alpha", true, null, null, null), null)
        },
        { new OldProgress("write-back-parked", "d", new DateTime(2027, 1, 2, 3, 4, 5, DateTimeKind.Utc), "alpha"), new ReferralProgress(ProgressStep.WriteBackParked, "d", new DateTime(2027, 1, 2, 3, 4, 5, DateTimeKind.Utc), "alpha") },
        { new OldProgress("opted-out", null), new ReferralProgress(ProgressStep.OptedOut, null) },
        { new OldWithdrawal("entered-in-error", DateTimeOffset.UnixEpoch), new Withdrawal(WithdrawalStatus.EnteredInError, DateTimeOffset.UnixEpoch) },
        { new OldSurveyStep(OldFollowUp, "follow-up", "reminder-2"), new SurveyStep(FollowUp, SurveyKind.FollowUp, SurveyStepName.Reminder(2)) },
        { new OldSurveySubmitted("baseline"), new SurveySubmitted(SurveyKind.Baseline) },
        { new OldWriteBackStep(OldFollowUp, "follow-up"), new WriteBackStep(FollowUp, SurveyKind.FollowUp) },
        { new OldWriteBackOutcome("no-endpoint", null), new WriteBackOutcome(WriteBackState.NoEndpoint, null) },
        { new OldParkedWriteBack(OldFollowUp, "baseline", new OldWriteBackOutcome("refused", "422")), new ParkedWriteBack(FollowUp, SurveyKind.Baseline, new WriteBackOutcome(WriteBackState.Refused, "422")) },
        { new OldFollowUpEnd(OldFollowUp, "no-response"), new FollowUpEnd(FollowUp, FollowUpOutcome.NoResponse) },
        { new OnwardInput("r2", "A81001", "t2", null, "r1"), new ReferralOrchestrationInput("r2", "A81001", "t2", null, "r1") },
    };

    [Theory]
    [MemberData(nameof(DurableRecords))]
    public void Durable_records_write_the_json_of_today_and_read_it_back(object today, object typed)
    {
        foreach (var options in new[] { JsonSerializerOptions.Default, JsonSerializerOptions.Web })
        {
            var json = JsonSerializer.Serialize(today, today.GetType(), options);
            Assert.Equal(json, JsonSerializer.Serialize(typed, typed.GetType(), options));
            var read = JsonSerializer.Deserialize(json, typed.GetType(), options);
            // Records with lists compare by reference: compare what they write instead.
            Assert.Equal(json, JsonSerializer.Serialize(read, typed.GetType(), options));
        }
    }

    private static object? Call(string method, Type type, object argument) =>
        typeof(StoredSpelling).GetMethod(method, BindingFlags.Public | BindingFlags.Static)!.MakeGenericMethod(type).Invoke(null, [argument]);
}

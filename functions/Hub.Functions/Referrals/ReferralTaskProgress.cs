using System.Text;
using Hl7.Fhir.Model;
using Hub.Platform.Fhir;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Hub.Referrals;

/// <summary>Moves a referral's FHIR Task along: status, businessStatus, statusReason and lastModified, with a new version
/// each time. Writes are conditional on the ETag read, and re-read on a clash, so two updates never overwrite each other.</summary>
public sealed class ReferralTaskProgress(TaskStore tasks, FhirSerializer fhir, TimeProvider time)
{
    public async System.Threading.Tasks.Task UpdateAsync(string practiceOds, string taskId, Action<FhirTask> change, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var stored = await tasks.GetAsync(practiceOds, taskId, cancellationToken)
                         ?? throw new InvalidOperationException($"Task {taskId} of practice {practiceOds} is missing.");
            var task = (FhirTask)fhir.ParseJson(Encoding.UTF8.GetBytes(stored.Json)).Resource!;
            change(task);
            var now = time.GetUtcNow();
            task.LastModifiedElement = new FhirDateTime(now);
            task.Meta ??= new Meta();
            task.Meta.VersionId = (int.TryParse(task.Meta.VersionId, out var version) ? version + 1 : 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
            task.Meta.LastUpdated = now;
            if (await tasks.TryReplaceAsync(stored, fhir.Serialize(task, FhirFormat.Json), cancellationToken))
            {
                return;
            }
        }

        throw new InvalidOperationException($"Task {taskId} kept changing under an update; giving up for a retry.");
    }

    /// <summary>The Task as it stands, or null when it is missing.</summary>
    public async System.Threading.Tasks.Task<FhirTask?> ReadAsync(string practiceOds, string taskId, CancellationToken cancellationToken = default)
    {
        var stored = await tasks.GetAsync(practiceOds, taskId, cancellationToken);
        return stored is null ? null : (FhirTask)fhir.ParseJson(Encoding.UTF8.GetBytes(stored.Json)).Resource!;
    }

    public static void Step(FhirTask task, FhirTask.TaskStatus status, TaskBusinessStatus businessStatus, string? reason = null)
    {
        task.Status = status;
        task.BusinessStatus = ReferralTasks.BusinessStatus(businessStatus);
        task.StatusReason = reason is null ? null : new CodeableConcept { Text = reason };
    }
}

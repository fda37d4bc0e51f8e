using System.Text.Json.Serialization;

namespace Hub.Chase;

// The provider webhooks' words, as the ProviderWebhookOutbox table and the notification carry them.

/// <summary>What happened to a Task a provider holds (or held), as the id-only notification names it. The provider reads
/// the Task to see the rest.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ProviderWebhookEvent>))]
public enum ProviderWebhookEvent
{
    /// <summary>The Task is offered to the provider (requested, awaiting its answer).</summary>
    [JsonStringEnumMemberName("offered")] Offered,
    /// <summary>The offer is still waiting and the hub sent a reminder.</summary>
    [JsonStringEnumMemberName("reminded")] Reminded,
    /// <summary>Accepted by the provider (through its link or its system).</summary>
    [JsonStringEnumMemberName("accepted")] Accepted,
    /// <summary>Any other change while the provider holds the Task (its own progress, the follow-up's steps).</summary>
    [JsonStringEnumMemberName("updated")] Updated,
    /// <summary>The Task ended (completed, failed, rejected, or cancelled other than by withdrawal).</summary>
    [JsonStringEnumMemberName("ended")] Ended,
    /// <summary>The provider no longer holds the Task: withdrawn by the practice, or offered elsewhere.</summary>
    [JsonStringEnumMemberName("withdrawn")] Withdrawn,
}

/// <summary>Where one notification stands in the outbox.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ProviderWebhookState>))]
public enum ProviderWebhookState
{
    /// <summary>Not yet answered with a 2xx: tried again at <c>NextAttempt</c>.</summary>
    [JsonStringEnumMemberName("waiting")] Waiting,
    [JsonStringEnumMemberName("delivered")] Delivered,
    /// <summary>No 2xx within <see cref="ProviderWebhookOptions.GiveUpAfter"/>: kept, counted and logged, never tried again.</summary>
    [JsonStringEnumMemberName("given-up")] GivenUp,
}

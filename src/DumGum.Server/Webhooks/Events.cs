using System.Globalization;
using System.Text.Json.Nodes;

namespace DumGum.Webhooks;

/// <summary>An answer as delivered in <c>answer.created</c> (docs/behaviour.md, "Events").</summary>
public sealed record Answer(
    string Id,
    string UserProfileId,
    string PersonaProfileId,
    string Type,
    JsonObject Tags,
    decimal Cost,
    int ResponseTime,
    int SequenceNumber,
    DateTimeOffset CreatedAt,
    string? Text,
    string? PictureUrl,
    string? ConversationStopReason,
    DateTimeOffset? ConversationStoppedUntil,
    string? ParentAnswerId);

/// <summary>The event envelopes we send: <c>{ "event": …, "data": … }</c>, exact in what we emit.</summary>
public static class Events
{
    public const string AnswerProcessing = "answer.processing";
    public const string AnswerCreated = "answer.created";
    public const string ConversationDropped = "conversation.dropped";
    /// <summary>The memory webhook's events (docs/memory.md, "Memory webhook"): sent to <c>memoryWebhookUrl</c>, on their own lane.</summary>
    public const string MemoryUpdated = "memory.updated";
    public const string MemoryChanged = "memory.changed";

    public static bool IsMemoryEvent(string @event) => @event is MemoryUpdated or MemoryChanged;

    /// <summary>How long notices that no deadline governs (<c>conversation.dropped</c>) keep being retried.</summary>
    public static readonly TimeSpan NoticeRetention = TimeSpan.FromHours(24);

    public static string Processing(string projectId, string userProfileId, string personaProfileId, JsonObject tags) =>
        Envelope(AnswerProcessing, new JsonObject
        {
            ["projectId"] = projectId,
            ["userProfileId"] = userProfileId,
            ["personaProfileId"] = personaProfileId,
            ["tags"] = tags.DeepClone(),        // additive (older docs carried it)
        });

    public static string Created(string projectId, Answer a) =>
        Envelope(AnswerCreated, new JsonObject
        {
            ["projectId"] = projectId,
            ["answer"] = new JsonObject
            {
                ["id"] = a.Id,
                ["userProfileId"] = a.UserProfileId,
                ["personaProfileId"] = a.PersonaProfileId,
                ["type"] = a.Type,
                ["tags"] = a.Tags.DeepClone(),
                ["cost"] = FormatCost(a.Cost),
                ["responseTime"] = a.ResponseTime,
                ["sequenceNumber"] = a.SequenceNumber,
                ["createdAt"] = FormatInstant(a.CreatedAt),
                ["text"] = a.Text,
                ["pictureUrl"] = a.PictureUrl,
                ["conversationStopReason"] = a.ConversationStopReason,
                ["conversationStoppedUntil"] = a.ConversationStoppedUntil is { } until ? FormatInstant(until) : null,
                ["parentAnswerId"] = a.ParentAnswerId,
                ["replyMode"] = "AI",
            },
        });

    public static string Dropped(string projectId, string userProfileId, string personaProfileId, JsonObject tags, string reason) =>
        Envelope(ConversationDropped, new JsonObject
        {
            ["projectId"] = projectId,
            ["userProfileId"] = userProfileId,
            ["personaProfileId"] = personaProfileId,
            ["tags"] = tags.DeepClone(),
            ["reason"] = reason,
        });

    /// <summary><c>yyyy-MM-dd'T'HH:mm:ss.SSSXXX</c> in UTC, i.e. with a <c>Z</c>.</summary>
    public static string FormatInstant(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string FormatCost(decimal cost) => Math.Round(cost, 4).ToString("0.0000", CultureInfo.InvariantCulture);

    static string Envelope(string name, JsonObject data) => new JsonObject { ["event"] = name, ["data"] = data }.ToJsonString();
}

public static class DropReasons
{
    public const string Timeout = "TIMEOUT";
    public const string GenerationFailed = "GENERATION_FAILED";
    public const string CustomerEndpointFailed = "CUSTOMER_ENDPOINT_FAILED";
    public const string InvalidProfile = "INVALID_PROFILE";
}

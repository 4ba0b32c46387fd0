using System.Text.Json.Nodes;
using DumGum.Projects;
using DumGum.Storage;
using DumGum.Webhooks;

namespace DumGum.Memory;

/// <summary>
/// The memory webhook's events (docs/memory.md, "Memory webhook"): <c>memory.updated</c> with every memory of the pair
/// (FULL_STATE) or <c>memory.changed</c> with what was added and deleted (CHANGES_ONLY), <c>projectId</c> added to
/// <c>data</c> like every other event.
/// </summary>
public static class MemoryEvents
{
    public const string Updated = Events.MemoryUpdated;
    public const string Changed = Events.MemoryChanged;

    /// <summary>
    /// Puts the event for <paramref name="change"/> in the outbox, in the caller's transaction; null when nothing
    /// changed or the project has no memory webhook.
    /// </summary>
    public static Delivery? Emit(WriteQueue.Writer w, Project project, long conversationId, ConversationKey key, long runToken,
        MemoryChange change, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(change);
        if (change.IsEmpty || project.Config.MemoryWebhookUrl is null) return null;
        var changesOnly = project.Config.MemoryWebhookMode == MemoryWebhookModes.ChangesOnly;
        var body = changesOnly ? ChangedBody(project.Id, key, change) : UpdatedBody(project.Id, key, change.State);
        return Outbox.Insert(w, new OutboxEntry(project.Id, conversationId, key.UserProfileId, key.PersonaProfileId, runToken,
            changesOnly ? Changed : Updated, body, now, now + Events.NoticeRetention));
    }

    public static string UpdatedBody(string projectId, ConversationKey key, IEnumerable<MemoryItem> memories) =>
        new JsonObject
        {
            ["event"] = Updated,
            ["data"] = new JsonObject
            {
                ["projectId"] = projectId,
                ["userProfileId"] = key.UserProfileId,
                ["personaProfileId"] = key.PersonaProfileId,
                ["memories"] = new JsonArray([.. memories.Select(ToJson)]),
            },
        }.ToJsonString();

    public static string ChangedBody(string projectId, ConversationKey key, MemoryChange change) =>
        new JsonObject
        {
            ["event"] = Changed,
            ["data"] = new JsonObject
            {
                ["projectId"] = projectId,
                ["userProfileId"] = key.UserProfileId,
                ["personaProfileId"] = key.PersonaProfileId,
                ["added"] = new JsonArray([.. change.Added.Select(ToJson)]),
                ["deleted"] = new JsonArray([.. change.Deleted.Select(d => (JsonNode)new JsonObject
                {
                    ["uniqueIdentifier"] = d.UniqueIdentifier,
                    ["reason"] = d.Reason,
                })]),
            },
        }.ToJsonString();

    /// <summary>The documented Memory object, member for member (the slot is ours and stays inside).</summary>
    public static JsonObject ToJson(MemoryItem m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new JsonObject
        {
            ["uniqueIdentifier"] = m.UniqueIdentifier,
            ["target"] = m.Target,
            ["category"] = m.Category,
            ["description"] = m.Description,
            ["eventStartDate"] = MemoryStore.FormatDate(m.EventStartDate),
            ["eventEndDate"] = MemoryStore.FormatDate(m.EventEndDate),
            ["sourceText"] = m.SourceText,
            ["timestamp"] = Events.FormatInstant(m.Timestamp),
            ["tags"] = new JsonArray([.. m.Tags.Select(t => (JsonNode)JsonValue.Create(t))]),
        };
    }
}

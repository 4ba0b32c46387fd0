using System.Text.Json.Nodes;
using DumGum.Storage;
using DumGum.Webhooks;

namespace DumGum.Playground;

public enum PlaygroundRole { User, Persona }

/// <summary>A profile the Playground can use; <see cref="Source"/> is <c>pasted</c>, <c>copied</c> (from the project's Profile endpoint) or <c>sample</c>.</summary>
public sealed record PlaygroundProfile(string Id, PlaygroundRole Role, string Name, string Source, JsonObject Body, DateTimeOffset UpdatedAt)
{
    public const string Pasted = "pasted", Copied = "copied", Sample = "sample";

    public JsonObject ToJson(bool withBody = false)
    {
        var o = new JsonObject
        {
            ["id"] = Id,
            ["role"] = Role == PlaygroundRole.User ? "USER" : "PERSONA",
            ["name"] = Name,
            ["source"] = Source,
            ["updatedAt"] = Events.FormatInstant(UpdatedAt),
        };
        if (withBody) o["profile"] = Body.DeepClone();
        return o;
    }
}

/// <summary>One message of a playground chat, in the Chat History shape the run fetches.</summary>
public sealed record PlaygroundMessage(string Id, string Sender, DateTimeOffset Date, string? Text, string? PictureUrl)
{
    public const string User = "USER", Persona = "PERSONA";

    public JsonObject ToJson()
    {
        var o = new JsonObject { ["id"] = Id, ["sender"] = Sender, ["date"] = Events.FormatInstant(Date) };
        if (Text is not null) o["text"] = Text;
        if (PictureUrl is not null) o["pictureUrls"] = new JsonArray(PictureUrl);
        return o;
    }
}

/// <summary>One event the playground customer received; <see cref="Sequence"/> orders them and resumes a stream.</summary>
public sealed record PlaygroundEvent(long Sequence, string Event, string WebhookId, bool SignatureValid, DateTimeOffset ReceivedAt, JsonNode? Body)
{
    public JsonObject ToJson() => new()
    {
        ["sequence"] = Sequence,
        ["event"] = Event,
        ["webhookId"] = WebhookId,
        ["signatureValid"] = SignatureValid,
        ["receivedAt"] = Events.FormatInstant(ReceivedAt),
        ["body"] = Body?.DeepClone(),
    };
}

/// <summary>
/// The playground customer's data, in the database so any node can serve a run: profiles per project, chat messages
/// per (project, user, persona) with user ids without the playground prefix, and received events. Writes go through
/// the single writer; reads open their own connections.
/// </summary>
public sealed class PlaygroundStore(Database database, WriteQueue writes)
{
    const int MaxEventsPerRead = 500;
    const int MaxHistory = 500;
    static readonly string[] PairTables = ["playground_messages", "playground_events"];

    public Task SaveProfileAsync(string projectId, PlaygroundRole role, string profileId, JsonObject body, string source, DateTimeOffset now) =>
        writes.WriteAsync(w => w.Command("""
                INSERT INTO playground_profiles(project_id, role, profile_id, body, source, updated_at)
                VALUES(@p, @role, @id, @body, @source, @now)
                ON CONFLICT(project_id, role, profile_id) DO UPDATE SET body = excluded.body, source = excluded.source,
                    updated_at = excluded.updated_at
                """)
            .With("@p", projectId).With("@role", RoleText(role)).With("@id", profileId).With("@body", body.ToJsonString())
            .With("@source", source).With("@now", now.ToUnixMs()).ExecuteNonQuery());

    public Task<bool> DeleteProfileAsync(string projectId, PlaygroundRole role, string profileId) =>
        writes.WriteAsync(w => w.Command("DELETE FROM playground_profiles WHERE project_id = @p AND role = @role AND profile_id = @id")
            .With("@p", projectId).With("@role", RoleText(role)).With("@id", profileId).ExecuteNonQuery() > 0);

    public IReadOnlyList<PlaygroundProfile> Profiles(string projectId, PlaygroundRole? role = null, string? profileId = null)
    {
        using var connection = database.Open();
        using var command = connection.Sql("""
                SELECT role, profile_id, body, source, updated_at FROM playground_profiles
                WHERE project_id = @p AND (CAST(@role AS TEXT) IS NULL OR role = @role) AND (CAST(@id AS TEXT) IS NULL OR profile_id = @id)
                ORDER BY role, profile_id
                """)
            .With("@p", projectId).With("@role", role is { } r ? RoleText(r) : null).With("@id", profileId);
        using var reader = command.ExecuteReader();
        var list = new List<PlaygroundProfile>();
        while (reader.Read())
        {
            var body = JsonNode.Parse(reader.GetString(2)) as JsonObject ?? [];
            var id = reader.GetString(1);
            list.Add(new PlaygroundProfile(id, reader.GetString(0) == "USER" ? PlaygroundRole.User : PlaygroundRole.Persona,
                NameOf(body, id), reader.GetString(3), body, reader.GetInt64(4).FromUnixMs()));
        }
        return list;
    }

    public Task AppendMessageAsync(string projectId, string userId, string personaId, PlaygroundMessage message) =>
        writes.WriteAsync(w => InsertMessage(w, projectId, userId, personaId, message));

    /// <summary>The pair's chat, oldest first (the newest <see cref="MaxHistory"/> messages).</summary>
    public IReadOnlyList<PlaygroundMessage> History(string projectId, string userId, string personaId)
    {
        using var connection = database.Open();
        using var command = connection.Sql("""
                SELECT message_id, sender, sent_at, text, picture_url FROM (
                    SELECT id, message_id, sender, sent_at, text, picture_url FROM playground_messages
                    WHERE project_id = @p AND user_profile_id = @u AND persona_profile_id = @persona
                    ORDER BY sent_at DESC, id DESC LIMIT @limit) newest
                ORDER BY sent_at, id
                """)
            .With("@p", projectId).With("@u", userId).With("@persona", personaId).With("@limit", MaxHistory);
        using var reader = command.ExecuteReader();
        var list = new List<PlaygroundMessage>();
        while (reader.Read())
            list.Add(new PlaygroundMessage(reader.GetString(0), reader.GetString(1), reader.GetInt64(2).FromUnixMs(),
                reader.StringOrNull(3), reader.StringOrNull(4)));
        return list;
    }

    /// <summary>
    /// Records a delivery and, for a verified <c>answer.created</c>, the persona's message, in one transaction. A retried
    /// delivery (same <c>webhook-id</c>) is recorded once. Returns the event's sequence, or null for a repeat.
    /// </summary>
    public Task<long?> ReceiveAsync(string projectId, string userId, string personaId, string webhookId, string @event,
        string body, bool signatureValid, DateTimeOffset receivedAt, PlaygroundMessage? reply) =>
        writes.WriteAsync(w =>
        {
            var sequence = w.Command("""
                    INSERT INTO playground_events(project_id, user_profile_id, persona_profile_id, webhook_id, event, body, signature_valid, received_at)
                    VALUES(@p, @u, @persona, @wid, @event, @body, @valid, @at)
                    ON CONFLICT(project_id, webhook_id) DO NOTHING
                    RETURNING id
                    """)
                .With("@p", projectId).With("@u", userId).With("@persona", personaId).With("@wid", webhookId).With("@event", @event)
                .With("@body", body).With("@valid", signatureValid ? 1L : 0L).With("@at", receivedAt.ToUnixMs())
                .ExecuteScalar().AsInt64();
            if (sequence is not null && reply is not null) InsertMessage(w, projectId, userId, personaId, reply);
            return sequence;
        });

    /// <summary>Events of the pair after <paramref name="after"/>, in order (at most 500 per read).</summary>
    public IReadOnlyList<PlaygroundEvent> Events(string projectId, string userId, string personaId, long after)
    {
        using var connection = database.Open();
        using var command = connection.Sql("""
                SELECT id, event, webhook_id, signature_valid, received_at, body FROM playground_events
                WHERE project_id = @p AND user_profile_id = @u AND persona_profile_id = @persona AND id > @after
                ORDER BY id LIMIT @limit
                """)
            .With("@p", projectId).With("@u", userId).With("@persona", personaId).With("@after", after).With("@limit", MaxEventsPerRead);
        using var reader = command.ExecuteReader();
        var list = new List<PlaygroundEvent>();
        while (reader.Read())
        {
            JsonNode? body;
            try { body = JsonNode.Parse(reader.GetString(5)); }
            catch (System.Text.Json.JsonException) { body = JsonValue.Create(reader.GetString(5)); }
            list.Add(new PlaygroundEvent(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3) != 0,
                reader.GetInt64(4).FromUnixMs(), body));
        }
        return list;
    }

    /// <summary>The pair's newest event sequence (0 when none): a client that starts listening now reads after it.</summary>
    public long LatestSequence(string projectId, string userId, string personaId)
    {
        using var connection = database.Open();
        using var command = connection.Sql("""
                SELECT MAX(id) FROM playground_events WHERE project_id = @p AND user_profile_id = @u AND persona_profile_id = @persona
                """)
            .With("@p", projectId).With("@u", userId).With("@persona", personaId);
        return command.ExecuteScalar().AsInt64() ?? 0;
    }

    /// <summary>Forgets the pair's chat and events (the conversation's bans and answers stay, like a customer's would).</summary>
    public Task ClearAsync(string projectId, string userId, string personaId) => writes.WriteAsync(w =>
    {
        foreach (var table in PairTables)
            w.Command($"DELETE FROM {table} WHERE project_id = @p AND user_profile_id = @u AND persona_profile_id = @persona")
                .With("@p", projectId).With("@u", userId).With("@persona", personaId).ExecuteNonQuery();
    });

    static void InsertMessage(WriteQueue.Writer w, string projectId, string userId, string personaId, PlaygroundMessage m) =>
        w.Command("""
                INSERT INTO playground_messages(project_id, user_profile_id, persona_profile_id, message_id, sender, sent_at, text, picture_url)
                VALUES(@p, @u, @persona, @mid, @sender, @at, @text, @picture)
                ON CONFLICT(project_id, user_profile_id, persona_profile_id, message_id) DO NOTHING
                """)
            .With("@p", projectId).With("@u", userId).With("@persona", personaId).With("@mid", m.Id).With("@sender", m.Sender)
            .With("@at", m.Date.ToUnixMs()).With("@text", m.Text).With("@picture", m.PictureUrl).ExecuteNonQuery();

    public static string RoleText(PlaygroundRole role) => role == PlaygroundRole.User ? "USER" : "PERSONA";

    /// <summary>The name a picker shows: first name, else nickname, else the id.</summary>
    public static string NameOf(JsonObject body, string id) =>
        Text(body, "firstName") ?? Text(body, "nickname") ?? id;

    static string? Text(JsonObject o, string name) =>
        o[name] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String && v.GetValue<string>() is { Length: > 0 } s
        && !string.IsNullOrWhiteSpace(s) ? s : null;
}

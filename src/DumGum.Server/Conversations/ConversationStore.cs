using System.Collections.Concurrent;
using DumGum.Storage;
using Microsoft.Extensions.Options;
using DumGum.Webhooks;

namespace DumGum.Conversations;

public sealed class ConversationOptions
{
    /// <summary>
    /// How long a run's lease lasts without a heartbeat: a run whose process died resumes after at most this (on
    /// another node, or at the next start). Also how long a node may miss its heartbeat before the others adopt its
    /// undelivered events.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>PostgreSQL: how often each node re-reads the pending work, the fallback for notices it missed.</summary>
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Runs in progress at once on this node (they mostly wait on customers and models).</summary>
    public int MaxConcurrentRuns { get; set; } = 256;
}

public sealed record ConversationKey(string ProjectId, string UserProfileId, string PersonaProfileId);

public sealed record AcceptedEnqueue(long ConversationId, ConversationKey Key, long EnqueueId, DateTimeOffset AcceptedAt,
    int BufferSeconds, int MaxProcessingTimeSeconds);

/// <summary>What a run serves: every enqueue of the conversation up to <see cref="Watermark"/>, under lease <see cref="LeaseToken"/>.</summary>
public sealed record Claim(long LeaseToken, long Watermark, DateTimeOffset OldestAcceptedAt)
{
    /// <summary>How often a newer enqueue has restarted the conversation since its last answer (on any node).</summary>
    public int Restarts { get; init; }
}

public sealed record ServedEnqueue(long Id, DateTimeOffset AcceptedAt, string Request);

/// <summary>
/// The conversation tables. Every write goes through the single writer; claims take a lease (owner, expiry, token), and
/// every finish is fenced by the token, so a run whose lease lapsed can never record an outcome.
/// </summary>
public sealed class ConversationStore(Database database, WriteQueue writes, TimeProvider clock, IOptions<ConversationOptions> options)
{
    TimeSpan LeaseDuration => options.Value.LeaseDuration;

    /// <summary>
    /// Conversation ids never change, so the enqueue path looks them up once: after that an enqueue is a single
    /// INSERT (one new row and one index leaf dirtied per commit, the least write amplification we can have).
    /// Bounded: cleared when it grows past <see cref="MaxCachedConversations"/>.
    /// </summary>
    readonly ConcurrentDictionary<ConversationKey, long> conversationIds = new();
    const int MaxCachedConversations = 1_000_000;

    public async Task<AcceptedEnqueue> AcceptAsync(ConversationKey key, string canonicalRequest, int bufferSeconds, int maxProcessingSeconds)
    {
        var accepted = await writes.WriteAsync(w =>
        {
            var now = clock.GetUtcNow();
            var ms = now.ToUnixMs();
            if (!conversationIds.TryGetValue(key, out var conversationId))
                conversationId = ConversationId(w, key);
            var enqueueId = (long)w.Command("INSERT INTO enqueues(conversation_id, accepted_at, request) VALUES(@c, @now, @r) RETURNING id")
                .With("@c", conversationId).With("@now", ms).With("@r", canonicalRequest).ExecuteScalar()!;
            w.Notice(ClusterNotice.Accepted(conversationId, enqueueId, ms, bufferSeconds));
            return new AcceptedEnqueue(conversationId, key, enqueueId, now, bufferSeconds, maxProcessingSeconds);
        });
        // Cached only once committed: an id from a rolled-back batch may be handed to another conversation.
        if (!conversationIds.ContainsKey(key))
        {
            if (conversationIds.Count >= MaxCachedConversations) conversationIds.Clear();
            conversationIds[key] = accepted.ConversationId;
        }
        return accepted;
    }

    /// <summary>
    /// The row of a conversation, created on its first enqueue. Never an update of an existing row: that would lock it
    /// and wait on a node that is claiming or finishing the conversation at that moment.
    /// </summary>
    static long ConversationId(WriteQueue.Writer w, ConversationKey key) =>
        w.Command("""
                INSERT INTO conversations(project_id, user_profile_id, persona_profile_id) VALUES(@p, @u, @s)
                ON CONFLICT(project_id, user_profile_id, persona_profile_id) DO NOTHING
                RETURNING id
                """)
            .With("@p", key.ProjectId).With("@u", key.UserProfileId).With("@s", key.PersonaProfileId).ExecuteScalar().AsInt64()
        ?? (long)w.Command("SELECT id FROM conversations WHERE project_id = @p AND user_profile_id = @u AND persona_profile_id = @s")
            .With("@p", key.ProjectId).With("@u", key.UserProfileId).With("@s", key.PersonaProfileId).ExecuteScalar()!;

    /// <summary>
    /// Takes the lease when it is free or lapsed. Null when it is not to be had: then <c>RetryAt</c> says when to look
    /// again (the lease's expiry, or in a second when another node is claiming or releasing it right now), or is null
    /// when nothing is pending any more. On PostgreSQL the row is taken with <c>FOR UPDATE SKIP LOCKED</c>: nodes racing
    /// for the same conversation never wait on each other, the losers simply find nothing.
    /// </summary>
    public Task<(Claim? Claim, DateTimeOffset? RetryAt)> ClaimAsync(long conversationId, string owner) =>
        writes.WriteAsync(w =>
        {
            var now = clock.GetUtcNow().ToUnixMs();
            using (var claimed = w.Command(w.Database.IsPostgres ? ClaimSql + " FOR UPDATE SKIP LOCKED)" + ClaimReturning : ClaimSql + ")" + ClaimReturning)
                .With("@owner", owner).With("@until", now + (long)LeaseDuration.TotalMilliseconds).With("@id", conversationId)
                .With("@now", now).ExecuteReader())
            {
                if (claimed.Read())
                {
                    var token = claimed.GetInt64(0);
                    var restarts = (int)claimed.GetInt64(1);
                    claimed.Close();
                    using var reader = w.Command("SELECT MAX(id), MIN(accepted_at) FROM enqueues WHERE conversation_id = @id")
                        .With("@id", conversationId).ExecuteReader();
                    reader.Read();
                    if (!reader.IsDBNull(0))
                        return ((Claim?)new Claim(token, reader.GetInt64(0), reader.GetInt64(1).FromUnixMs()) { Restarts = restarts }, (DateTimeOffset?)null);
                    reader.Close();
                    Release(w, conversationId, token);
                    return (null, null);
                }
            }
            var until = w.Command("SELECT lease_until FROM conversations WHERE id = @id").With("@id", conversationId).ExecuteScalar().AsInt64();
            return (null, until > now ? until.Value.FromUnixMs() : (now + 1000).FromUnixMs());
        });

    const string ClaimSql = """
        UPDATE conversations SET lease_owner = @owner, lease_until = @until, lease_token = lease_token + 1
        WHERE id = (SELECT id FROM conversations WHERE id = @id AND (lease_until IS NULL OR lease_until <= @now OR lease_owner = @owner)
        """;
    const string ClaimReturning = " RETURNING lease_token, restarts";

    public IReadOnlyList<ServedEnqueue> LoadServed(long conversationId, long watermark)
    {
        using var connection = database.Open();
        using var command = connection.Sql("SELECT id, accepted_at, request FROM enqueues WHERE conversation_id = @c AND id <= @w ORDER BY id")
            .With("@c", conversationId).With("@w", watermark);
        using var reader = command.ExecuteReader();
        var list = new List<ServedEnqueue>();
        while (reader.Read()) list.Add(new ServedEnqueue(reader.GetInt64(0), reader.GetInt64(1).FromUnixMs(), reader.GetString(2)));
        return list;
    }

    /// <summary>Extends the lease; false when it was lost (then the run must stop without recording anything).</summary>
    public Task<bool> HeartbeatAsync(long conversationId, long leaseToken) =>
        writes.WriteAsync(w => w.Command("UPDATE conversations SET lease_until = @until WHERE id = @id AND lease_token = @t AND lease_owner IS NOT NULL")
            .With("@until", (clock.GetUtcNow() + LeaseDuration).ToUnixMs()).With("@id", conversationId).With("@t", leaseToken)
            .ExecuteNonQuery() == 1);

    /// <summary>Writes events under the lease (fenced); throws <see cref="LeaseLostException"/> when the lease is gone.</summary>
    public Task<List<Delivery>> EmitAsync(long conversationId, long leaseToken, Func<WriteQueue.Writer, List<Delivery>> emit) =>
        writes.WriteAsync(w =>
        {
            EnsureLease(w, conversationId, leaseToken);
            return emit(w);
        });

    /// <summary>
    /// Records a run's outcome atomically: its events, the removal of the enqueues it served, and the release of the
    /// lease. Fenced by the lease token. Returns the events and the acceptance time of the oldest enqueue still pending.
    /// </summary>
    public Task<(List<Delivery> Deliveries, DateTimeOffset? StillPendingSince)> FinishAsync(long conversationId, long leaseToken,
        long watermark, Func<WriteQueue.Writer, List<Delivery>> emit) =>
        writes.WriteAsync(w =>
        {
            EnsureLease(w, conversationId, leaseToken);
            var deliveries = emit(w);
            w.Command("DELETE FROM enqueues WHERE conversation_id = @c AND id <= @w").With("@c", conversationId).With("@w", watermark).ExecuteNonQuery();
            w.Command("UPDATE conversations SET lease_owner = NULL, lease_until = NULL, restarts = 0 WHERE id = @id AND lease_token = @t")
                .With("@id", conversationId).With("@t", leaseToken).ExecuteNonQuery();
            w.Notice(ClusterNotice.Finished(conversationId, watermark));
            var oldest = w.Command("SELECT MIN(accepted_at) FROM enqueues WHERE conversation_id = @c").With("@c", conversationId).ExecuteScalar();
            return (deliveries, oldest is long o ? o.FromUnixMs() : (DateTimeOffset?)null);
        });

    /// <summary>Gives the lease back without recording an outcome (the enqueues stay pending).</summary>
    public Task ReleaseAsync(long conversationId, long leaseToken) => writes.WriteAsync(w => Release(w, conversationId, leaseToken));

    /// <summary>Gives the lease back after a newer enqueue cancelled the run, counting the restart for whichever node runs next.</summary>
    public Task ReleaseForRestartAsync(long conversationId, long leaseToken) =>
        writes.WriteAsync(w => w.Command("UPDATE conversations SET lease_owner = NULL, lease_until = NULL, restarts = restarts + 1 WHERE id = @id AND lease_token = @t")
            .With("@id", conversationId).With("@t", leaseToken).ExecuteNonQuery());

    /// <summary>The key of a conversation another node created (null if unknown).</summary>
    public ConversationKey? FindKey(long conversationId)
    {
        using var connection = database.Open();
        using var reader = connection.Sql("SELECT project_id, user_profile_id, persona_profile_id FROM conversations WHERE id = @id")
            .With("@id", conversationId).ExecuteReader();
        return reader.Read() ? new ConversationKey(reader.GetString(0), reader.GetString(1), reader.GetString(2)) : null;
    }

    static void Release(WriteQueue.Writer w, long conversationId, long leaseToken) =>
        w.Command("UPDATE conversations SET lease_owner = NULL, lease_until = NULL WHERE id = @id AND lease_token = @t")
            .With("@id", conversationId).With("@t", leaseToken).ExecuteNonQuery();

    static void EnsureLease(WriteQueue.Writer w, long conversationId, long leaseToken)
    {
        var held = w.Command("SELECT 1 FROM conversations WHERE id = @id AND lease_token = @t AND lease_owner IS NOT NULL")
            .With("@id", conversationId).With("@t", leaseToken).ExecuteScalar();
        if (held is null) throw new LeaseLostException(conversationId);
    }

    public sealed record PendingConversation(long Id, ConversationKey Key, DateTimeOffset OldestPendingAt, DateTimeOffset LastEnqueueAt,
        long LatestEnqueueId, string LatestRequest, DateTimeOffset? LeaseUntil);

    /// <summary>Every conversation with accepted enqueues not yet served: what a restart must resume.</summary>
    public IReadOnlyList<PendingConversation> LoadPending()
    {
        using var connection = database.Open();
        // Pending work is simply the enqueues not yet served; the newest one of each conversation carries its settings.
        using var command = connection.Sql("""
            SELECT c.id, c.project_id, c.user_profile_id, c.persona_profile_id, p.oldest, p.latest, p.latest_id, e.request, c.lease_until
            FROM (SELECT conversation_id, MIN(accepted_at) AS oldest, MAX(accepted_at) AS latest, MAX(id) AS latest_id
                  FROM enqueues GROUP BY conversation_id) p
            JOIN conversations c ON c.id = p.conversation_id
            JOIN enqueues e ON e.id = p.latest_id
            """);
        using var reader = command.ExecuteReader();
        var list = new List<PendingConversation>();
        while (reader.Read())
            list.Add(new PendingConversation(reader.GetInt64(0), new ConversationKey(reader.GetString(1), reader.GetString(2), reader.GetString(3)),
                reader.GetInt64(4).FromUnixMs(), reader.GetInt64(5).FromUnixMs(), reader.GetInt64(6), reader.GetString(7),
                reader.Int64OrNull(8)?.FromUnixMs()));
        return list;
    }
}

public sealed class LeaseLostException(long conversationId) : Exception($"conversation {conversationId}: the lease was lost");

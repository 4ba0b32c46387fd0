using System.Collections.Concurrent;
using DumGum.Storage;
using Microsoft.Extensions.Options;
using DumGum.Webhooks;

namespace DumGum.Conversations;

public sealed class ConversationOptions
{
    /// <summary>How long a run's lease lasts without a heartbeat: a run whose process died resumes after at most this.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Runs in progress at once on this node (they mostly wait on customers and models).</summary>
    public int MaxConcurrentRuns { get; set; } = 256;
}

public sealed record ConversationKey(string ProjectId, string UserProfileId, string PersonaProfileId);

public sealed record AcceptedEnqueue(long ConversationId, ConversationKey Key, long EnqueueId, DateTimeOffset AcceptedAt,
    int BufferSeconds, int MaxProcessingTimeSeconds);

/// <summary>What a run serves: every enqueue of the conversation up to <see cref="Watermark"/>, under lease <see cref="LeaseToken"/>.</summary>
public sealed record Claim(long LeaseToken, long Watermark, DateTimeOffset OldestAcceptedAt);

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
            {
                conversationId = (long)w.Command("""
                        INSERT INTO conversations(project_id, user_profile_id, persona_profile_id) VALUES(@p, @u, @s)
                        ON CONFLICT(project_id, user_profile_id, persona_profile_id) DO UPDATE SET project_id = excluded.project_id
                        RETURNING id
                        """)
                    .With("@p", key.ProjectId).With("@u", key.UserProfileId).With("@s", key.PersonaProfileId).ExecuteScalar()!;
            }
            var enqueueId = (long)w.Command("INSERT INTO enqueues(conversation_id, accepted_at, request) VALUES(@c, @now, @r) RETURNING id")
                .With("@c", conversationId).With("@now", ms).With("@r", canonicalRequest).ExecuteScalar()!;
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

    /// <summary>Takes the lease when it is free or lapsed; null when another worker holds it (returns its expiry).</summary>
    public Task<(Claim? Claim, DateTimeOffset? HeldUntil)> ClaimAsync(long conversationId, string owner) =>
        writes.WriteAsync(w =>
        {
            var now = clock.GetUtcNow().ToUnixMs();
            var token = w.Command("""
                    UPDATE conversations SET lease_owner = @owner, lease_until = @until, lease_token = lease_token + 1
                    WHERE id = @id AND (lease_until IS NULL OR lease_until <= @now OR lease_owner = @owner)
                    RETURNING lease_token
                    """)
                .With("@owner", owner).With("@until", now + (long)LeaseDuration.TotalMilliseconds).With("@id", conversationId)
                .With("@now", now).ExecuteScalar();
            if (token is null)
            {
                var until = w.Command("SELECT lease_until FROM conversations WHERE id = @id").With("@id", conversationId).ExecuteScalar();
                return ((Claim?)null, until is long u ? u.FromUnixMs() : (DateTimeOffset?)null);
            }
            using var reader = w.Command("SELECT MAX(id), MIN(accepted_at) FROM enqueues WHERE conversation_id = @id")
                .With("@id", conversationId).ExecuteReader();
            reader.Read();
            if (reader.IsDBNull(0))
            {
                reader.Close();
                Release(w, conversationId, (long)token);
                return (null, null);
            }
            return (new Claim((long)token, reader.GetInt64(0), reader.GetInt64(1).FromUnixMs()), null);
        });

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
            Release(w, conversationId, leaseToken);
            var oldest = w.Command("SELECT MIN(accepted_at) FROM enqueues WHERE conversation_id = @c").With("@c", conversationId).ExecuteScalar();
            return (deliveries, oldest is long o ? o.FromUnixMs() : (DateTimeOffset?)null);
        });

    /// <summary>Gives the lease back without recording an outcome (the enqueues stay pending).</summary>
    public Task ReleaseAsync(long conversationId, long leaseToken) => writes.WriteAsync(w => Release(w, conversationId, leaseToken));

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

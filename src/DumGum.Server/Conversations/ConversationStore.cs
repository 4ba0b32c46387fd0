using System.Collections.Concurrent;
using DumGum.Storage;
using Microsoft.Extensions.Options;
using DumGum.Webhooks;

namespace DumGum.Conversations;

public sealed class ConversationOptions
{
    /// <summary>What the start checks: a bad value fails it, naming the key.</summary>
    public static OptionsRules<ConversationOptions> Rules(OptionsRules<ConversationOptions> rules) => rules
        .Between(nameof(LeaseDuration), o => o.LeaseDuration, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1))
        // A heartbeat no more frequent than the lease lets a live run lose its lease.
        .Require(nameof(HeartbeatInterval), o => o.HeartbeatInterval, o => o.HeartbeatInterval > TimeSpan.Zero && o.HeartbeatInterval < o.LeaseDuration,
            "be more than 00:00:00 and less than Conversations:LeaseDuration")
        .Between(nameof(ResyncInterval), o => o.ResyncInterval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1))
        .Between(nameof(MaxConcurrentRuns), o => o.MaxConcurrentRuns, 1, 100_000)
        .Between(nameof(AcceptLatencyTarget), o => o.AcceptLatencyTarget, TimeSpan.Zero, TimeSpan.FromSeconds(10));

    /// <summary>
    /// How long a run's lease lasts without a heartbeat: a run whose process died resumes after at most this (on
    /// another node, or at the next start). Also how long a node may miss its heartbeat before the others adopt its
    /// undelivered events.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// PostgreSQL: how often each node re-reads the pending work, the fallback for notices it missed. Notices are lost
    /// only while a LISTEN connection is down, and a reconnect resyncs at once, so this is a safety net: each resync
    /// scans every pending enqueue, and running it often costs every node CPU under load.
    /// </summary>
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Runs in progress at once on this node (they mostly wait on customers and models).</summary>
    public int MaxConcurrentRuns { get; set; } = 256;

    /// <summary>
    /// An enqueue slower than this to accept, while the CPU is behind, makes runs give way (<see cref="RunAdmission"/>);
    /// zero turns that off. A tenth of the 50 ms an accept should take at most: measured, 15 ms left a p99 of 62 ms at twice the capacity, 5 ms one of 36 ms (BENCHMARKS.md).
    /// </summary>
    public TimeSpan AcceptLatencyTarget { get; set; } = TimeSpan.FromMilliseconds(5);
}

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
        // One kind object per store (a second one made in a race would only form its own group).
        acceptBatch ??= new AcceptBatch(this);
        var accepted = await writes.AcceptAsync(acceptBatch, new AcceptItem(key, canonicalRequest, bufferSeconds, maxProcessingSeconds));
        // Cached only once committed: an id from a rolled-back batch may be handed to another conversation.
        if (!conversationIds.ContainsKey(key))
        {
            if (conversationIds.Count >= MaxCachedConversations) conversationIds.Clear();
            conversationIds[key] = accepted.ConversationId;
        }
        return accepted;
    }

    AcceptBatch? acceptBatch;
    TimeProvider Clock => clock;

    sealed record AcceptItem(ConversationKey Key, string Request, int BufferSeconds, int MaxProcessingSeconds);

    /// <summary>
    /// The enqueues that share a commit, written together: their ids first, handed out in arrival order, so each row's
    /// id is known without trusting the order of a multi-row RETURNING; then the rows (<see cref="SqlDialect.InsertRows{T}"/>:
    /// one statement on PostgreSQL, where a round trip per row would cap a node at a few thousand enqueues a second).
    /// </summary>
    sealed class AcceptBatch(ConversationStore store) : BatchWrite<AcceptItem, AcceptedEnqueue>
    {
        public override IReadOnlyList<AcceptedEnqueue> Execute(WriteQueue.Writer w, IReadOnlyList<AcceptItem> items)
        {
            var now = store.Clock.GetUtcNow();
            var ms = now.ToUnixMs();
            var conversations = new long[items.Count];
            Dictionary<ConversationKey, long>? created = null;
            for (var i = 0; i < items.Count; i++)
            {
                var key = items[i].Key;
                if (store.conversationIds.TryGetValue(key, out conversations[i])) continue;
                created ??= [];
                if (!created.TryGetValue(key, out conversations[i])) created[key] = conversations[i] = ConversationId(w, key);
            }
            var enqueues = w.Database.Dialect.ReserveIds(w, "enqueues", items.Count);
            w.Database.Dialect.InsertRows(w, "enqueues", Enumerable.Range(0, items.Count).ToList(), rows => rows
                .Column("id", i => enqueues[i]).Column("conversation_id", i => conversations[i])
                .Column("accepted_at", _ => ms).Column("request", i => items[i].Request));
            var accepted = new AcceptedEnqueue[items.Count];
            for (var i = 0; i < items.Count; i++)
            {
                w.Notice(ClusterNotice.Accepted(conversations[i], enqueues[i], ms, items[i].BufferSeconds));
                accepted[i] = new AcceptedEnqueue(conversations[i], items[i].Key, enqueues[i], now, items[i].BufferSeconds, items[i].MaxProcessingSeconds);
            }
            return accepted;
        }
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
    public Task<(Claim? Claim, DateTimeOffset? RetryAt)> ClaimAsync(long conversationId, string owner)
    {
        claimBatch ??= new ClaimBatch(this);
        return writes.WriteAsync(claimBatch, (conversationId, owner));
    }

    ClaimBatch? claimBatch;

    /// <summary>
    /// The claims that share a commit. With array parameters (PostgreSQL): one UPDATE takes every lease it can, skipping
    /// locked rows (<see cref="SqlDialect.SkipLocked"/>: rows another node is claiming or finishing at that moment are
    /// skipped, never waited for), one SELECT finds what each serves. Without (SQLite, one writer at a time): one
    /// conversation at a time, in-process.
    /// </summary>
    sealed class ClaimBatch(ConversationStore store) : BatchWrite<(long ConversationId, string Owner), (Claim?, DateTimeOffset?)>
    {
        public override IReadOnlyList<(Claim?, DateTimeOffset?)> Execute(WriteQueue.Writer w, IReadOnlyList<(long ConversationId, string Owner)> items)
        {
            var now = store.Clock.GetUtcNow().ToUnixMs();
            var until = now + (long)store.LeaseDuration.TotalMilliseconds;
            if (!w.Database.Dialect.ArrayParameters) return items.Select(i => ClaimOne(w, i.ConversationId, i.Owner, now, until)).ToList();
            // One owner per node; a store shared by several owners (tests) claims once per owner.
            var results = new (Claim?, DateTimeOffset?)[items.Count];
            foreach (var byOwner in items.Select((item, index) => (item, index)).GroupBy(x => x.item.Owner))
            {
                var claimed = ClaimMany(w, byOwner.Key, byOwner.Select(x => x.item.ConversationId).ToList(), now, until);
                foreach (var ((_, index), result) in byOwner.Zip(claimed)) results[index] = result;
            }
            return results;
        }

        /// <summary>With array parameters: the claims of one owner in one statement; one result per id, in order.</summary>
        static List<(Claim?, DateTimeOffset?)> ClaimMany(WriteQueue.Writer w, string owner, List<long> items, long now, long until)
        {
            var ids = items.Distinct().ToArray();
            var leases = new Dictionary<long, (long Token, int Restarts)>();
            using (var claimed = w.Command($"""
                       UPDATE conversations SET lease_owner = @owner, lease_until = @until, lease_token = lease_token + 1
                       WHERE id IN (SELECT id FROM conversations
                                    WHERE id = ANY(@ids) AND (lease_until IS NULL OR lease_until <= @now OR lease_owner = @owner)
                                    {w.Database.Dialect.SkipLocked})
                       RETURNING id, lease_token, restarts
                       """).With("@owner", owner).With("@until", until).With("@ids", ids).With("@now", now).ExecuteReader())
                while (claimed.Read()) leases[claimed.GetInt64(0)] = (claimed.GetInt64(1), (int)claimed.GetInt64(2));
            var served = new Dictionary<long, (long Watermark, long Oldest)>();
            if (leases.Count > 0)
                using (var reader = w.Command("""
                           SELECT conversation_id, MAX(id), MIN(accepted_at) FROM enqueues WHERE conversation_id = ANY(@ids) GROUP BY conversation_id
                           """).With("@ids", leases.Keys.ToArray()).ExecuteReader())
                    while (reader.Read()) served[reader.GetInt64(0)] = (reader.GetInt64(1), reader.GetInt64(2));
            var idle = leases.Keys.Where(id => !served.ContainsKey(id)).ToArray();
            if (idle.Length > 0)
                w.Command("UPDATE conversations SET lease_owner = NULL, lease_until = NULL WHERE id = ANY(@ids) AND lease_owner = @owner")
                    .With("@ids", idle).With("@owner", owner).ExecuteNonQuery();
            var heldUntil = new Dictionary<long, long?>();
            var missed = ids.Where(id => !leases.ContainsKey(id)).ToArray();
            if (missed.Length > 0)
                using (var reader = w.Command("SELECT id, lease_until FROM conversations WHERE id = ANY(@ids)").With("@ids", missed).ExecuteReader())
                    while (reader.Read()) heldUntil[reader.GetInt64(0)] = reader.Int64OrNull(1);

            var results = new List<(Claim?, DateTimeOffset?)>(items.Count);
            var handedOut = new HashSet<long>();
            foreach (var id in items)
            {
                if (leases.TryGetValue(id, out var lease) && handedOut.Add(id))
                    results.Add(served.TryGetValue(id, out var s)
                        ? (new Claim(lease.Token, s.Watermark, s.Oldest.FromUnixMs()) { Restarts = lease.Restarts }, null)
                        : (null, null));
                else if (leases.ContainsKey(id))
                    results.Add((null, until.FromUnixMs()));   // the same conversation twice in one batch: the first claim holds it
                else
                    results.Add((null, heldUntil.GetValueOrDefault(id) is { } u && u > now ? u.FromUnixMs() : (now + 1000).FromUnixMs()));
            }
            return results;
        }
    }

    /// <summary>One claim, without array parameters (SQLite: the single writer serializes them; nobody races it).</summary>
    static (Claim?, DateTimeOffset?) ClaimOne(WriteQueue.Writer w, long conversationId, string owner, long now, long until)
    {
        using (var claimed = w.Command("""
                   UPDATE conversations SET lease_owner = @owner, lease_until = @until, lease_token = lease_token + 1
                   WHERE id = @id AND (lease_until IS NULL OR lease_until <= @now OR lease_owner = @owner)
                   RETURNING lease_token, restarts
                   """).With("@owner", owner).With("@until", until).With("@id", conversationId).With("@now", now).ExecuteReader())
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
                    return (new Claim(token, reader.GetInt64(0), reader.GetInt64(1).FromUnixMs()) { Restarts = restarts }, null);
                reader.Close();
                Release(w, conversationId, token);
                return (null, null);
            }
        }
        var leaseUntil = w.Command("SELECT lease_until FROM conversations WHERE id = @id").With("@id", conversationId).ExecuteScalar().AsInt64();
        return (null, leaseUntil > now ? leaseUntil.Value.FromUnixMs() : (now + 1000).FromUnixMs());
    }

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

    /// <summary>Gives the lease back after a newer enqueue cancelled the run, counting the restart for whichever node runs next.</summary>
    public Task ReleaseForRestartAsync(long conversationId, long leaseToken) =>
        writes.WriteAsync(w => w.Command("UPDATE conversations SET lease_owner = NULL, lease_until = NULL, restarts = restarts + 1 WHERE id = @id AND lease_token = @t")
            .With("@id", conversationId).With("@t", leaseToken).ExecuteNonQuery());

    /// <summary>Keys by conversation id, for notices from other nodes (a key never changes); bounded like <see cref="conversationIds"/>.</summary>
    readonly ConcurrentDictionary<long, ConversationKey> conversationKeys = new();

    /// <summary>The key of a conversation another node announced (null if unknown): from memory after the first read.</summary>
    public ConversationKey? FindKey(long conversationId)
    {
        if (conversationKeys.TryGetValue(conversationId, out var known)) return known;
        using var connection = database.Open();
        using var reader = connection.Sql("SELECT project_id, user_profile_id, persona_profile_id FROM conversations WHERE id = @id")
            .With("@id", conversationId).ExecuteReader();
        if (!reader.Read()) return null;
        var key = new ConversationKey(reader.GetString(0), reader.GetString(1), reader.GetString(2));
        if (conversationKeys.Count >= MaxCachedConversations) conversationKeys.Clear();
        conversationKeys[conversationId] = key;
        return key;
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

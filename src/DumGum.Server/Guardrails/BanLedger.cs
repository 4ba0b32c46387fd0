using System.Collections.Concurrent;
using DumGum.Http;
using DumGum.Storage;
using System.Data.Common;

namespace DumGum.Guardrails;

/// <summary>The result of recording one offence: which offence it was and the ban it earned.</summary>
/// <param name="Reason">Canonical stop reason.</param>
/// <param name="Offence">1 for the first offence of this reason on this conversation (since the last reset), 2 for the second, …</param>
/// <param name="Permanent">True when the conversation is stopped for good (<c>conversationStoppedUntil: null</c>).</param>
/// <param name="StoppedUntil">End of a progressive ban (the answer's <c>conversationStoppedUntil</c>); null when permanent.</param>
public sealed record BanOutcome(string Reason, int Offence, bool Permanent, DateTimeOffset? StoppedUntil);

/// <summary>The ban in force on a conversation: the strongest across reasons.</summary>
public sealed record ActiveBan(string Reason, bool Permanent, DateTimeOffset? StoppedUntil);

/// <summary>
/// Bans per conversation (project, user, persona) and per stop reason (docs/behaviour.md, "Guardrails, stop reasons and
/// bans"). Each reason has its own offence
/// counter, which starts again at 1 once the previous offence is <see cref="CounterReset"/> old; the n-th offence earns
/// <c>banDurations[n-1]</c> minutes, or a permanent stop past the end of the list or for a 0 entry. A permanent stop is
/// never lifted by the reset. <see cref="Find"/> runs on every enqueue, so each conversation's strongest ban (or "none")
/// is cached in memory after its first read and replaced by every write through this ledger. With several nodes
/// (PostgreSQL) a ban written by another node arrives with its commit's notification (cached entries are also read
/// again after 60 s, should a notification be lost).
/// </summary>
public sealed class BanLedger : IFollowsChangeStamps
{
    string IFollowsChangeStamps.ChangeKind => ChangeStamps.Bans;

    void IFollowsChangeStamps.Refresh() => ForgetAll();

    /// <summary>An offence counter starts again after this long without an offence of its reason.</summary>
    public static readonly TimeSpan CounterReset = TimeSpan.FromDays(30);

    /// <summary>Past this many cached conversations, further reads go to the database instead of growing the cache.</summary>
    public const int MaxCachedConversations = 1_000_000;

    readonly Database database;
    readonly WriteQueue writes;
    readonly ConcurrentDictionary<Key, Cached> cache = new();
    long writeSequence;

    readonly record struct Key(string ProjectId, string User, string Persona);

    /// <summary>A conversation's strongest ban (null = none). Sequence −1 = read from the database; otherwise the write that set it. ReadAt: the clock's timestamp.</summary>
    sealed record Cached(ActiveBan? Strongest, long Sequence, long ReadAt);

    /// <summary>
    /// With several nodes (PostgreSQL) a ban written elsewhere arrives as a notice (<see cref="Forget"/>); should a notice
    /// be lost, a cached entry is read again after this long anyway.
    /// </summary>
    static readonly TimeSpan Revalidate = TimeSpan.FromSeconds(60);

    public BanLedger(Database database, WriteQueue writes, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(writes);
        ArgumentNullException.ThrowIfNull(clock);
        this.database = database;
        this.writes = writes;
        this.clock = clock;
    }

    readonly TimeProvider clock;

    bool Stale(Cached cached) => clock.GetElapsedTime(cached.ReadAt) > Revalidate;

    /// <summary>
    /// Records an offence of <paramref name="reason"/> (any accepted spelling) on the conversation and returns the ban it
    /// earns. Completes once the write is durable. <paramref name="banDurations"/> null → the reason's built-in ladder.
    /// </summary>
    public async Task<BanOutcome> RecordOffenceAsync(string projectId, string user, string persona, string reason,
        IReadOnlyList<int>? banDurations, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(projectId);
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentException.ThrowIfNullOrEmpty(persona);
        var canonical = StopReasons.Canonicalize(reason);
        var ladder = banDurations ?? StopReasons.DefaultBanDurations(canonical);
        var key = new Key(projectId, user, persona);
        var (outcome, strongest, sequence) = await writes.WriteAsync(w =>
        {
            var nowMs = now.ToUnixMs();
            int previous = 0;
            long lastAt = 0;
            long? until = null;
            var wasPermanent = false;
            using (var reader = w.Command("""
                    SELECT offences, last_offence_at, stopped_until, permanent FROM bans
                    WHERE project_id = @p AND user_profile_id = @u AND persona_profile_id = @s AND reason = @r
                    """)
                .With("@p", projectId).With("@u", user).With("@s", persona).With("@r", canonical).ExecuteReader())
            {
                if (reader.Read())
                {
                    previous = (int)reader.GetInt64(0);
                    lastAt = reader.GetInt64(1);
                    until = reader.Int64OrNull(2);
                    wasPermanent = reader.GetInt64(3) != 0;
                }
            }
            var offence = previous == 0 || nowMs - lastAt >= (long)CounterReset.TotalMilliseconds ? 1 : previous + 1;
            var minutes = offence - 1 < ladder.Count ? ladder[offence - 1] : 0;
            var permanent = wasPermanent || minutes <= 0;
            long? stoppedUntil = permanent ? null : Math.Max(nowMs + (long)minutes * 60_000, until ?? 0);
            w.Command("""
                    INSERT INTO bans(project_id, user_profile_id, persona_profile_id, reason, offences, last_offence_at, stopped_until, permanent)
                    VALUES(@p, @u, @s, @r, @n, @now, @until, @permanent)
                    ON CONFLICT(project_id, user_profile_id, persona_profile_id, reason) DO UPDATE SET
                        offences = excluded.offences, last_offence_at = excluded.last_offence_at,
                        stopped_until = excluded.stopped_until, permanent = excluded.permanent
                    """)
                .With("@p", projectId).With("@u", user).With("@s", persona).With("@r", canonical).With("@n", offence)
                .With("@now", nowMs).With("@until", stoppedUntil).With("@permanent", permanent ? 1 : 0).ExecuteNonQuery();
            var strongest = Strongest(w.Command(SelectConversation), key);
            w.Notice(ClusterNotice.Banned(projectId, user, persona));
            ChangeStamps.Stamp(w, ChangeStamps.Bans);
            return (new BanOutcome(canonical, offence, permanent, stoppedUntil?.FromUnixMs()), strongest, Interlocked.Increment(ref writeSequence));
        });
        // Writes replace whatever a read cached; between two writes of the conversation the later one wins.
        cache.AddOrUpdate(key, new Cached(strongest, sequence, clock.GetTimestamp()),
            (_, existing) => existing.Sequence > sequence ? existing : new Cached(strongest, sequence, clock.GetTimestamp()));
        return outcome;
    }

    /// <summary>
    /// Lifts the ban of one reason on the conversation: its row is deleted, so the reason's offence counter starts
    /// again at 1 (docs/behaviour.md, "Guardrails, stop reasons and bans"). Takes effect at once on this node (the cache
    /// is replaced in the same way as by <see cref="RecordOffenceAsync"/>) and, with several nodes, on the others through
    /// the conversation's <see cref="ClusterNotice.BanRecorded"/> notice. False when there is no such row.
    /// </summary>
    public async Task<bool> LiftAsync(string projectId, string user, string persona, string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(projectId);
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentException.ThrowIfNullOrEmpty(persona);
        ArgumentException.ThrowIfNullOrEmpty(reason);
        var key = new Key(projectId, user, persona);
        var (lifted, strongest, sequence) = await writes.WriteAsync(w =>
        {
            var deleted = w.Command("""
                    DELETE FROM bans
                    WHERE project_id = @p AND user_profile_id = @u AND persona_profile_id = @s AND reason = @r
                    """)
                .With("@p", projectId).With("@u", user).With("@s", persona).With("@r", reason).ExecuteNonQuery();
            if (deleted == 0) return (false, (ActiveBan?)null, 0L);
            // Another reason may still stop the conversation: the cache takes whatever remains.
            var strongest = Strongest(w.Command(SelectConversation), key);
            w.Notice(ClusterNotice.Banned(projectId, user, persona));
            ChangeStamps.Stamp(w, ChangeStamps.Bans);
            return (true, strongest, Interlocked.Increment(ref writeSequence));
        });
        if (lifted)
            cache.AddOrUpdate(key, new Cached(strongest, sequence, clock.GetTimestamp()),
                (_, existing) => existing.Sequence > sequence ? existing : new Cached(strongest, sequence, clock.GetTimestamp()));
        return lifted;
    }

    /// <summary>Another node recorded or lifted a ban on the conversation: the next <see cref="Find"/> reads it from the database.</summary>
    public void Forget(string projectId, string user, string persona) => cache.TryRemove(new Key(projectId, user, persona), out _);

    /// <summary>
    /// Bans were written elsewhere (<see cref="ChangeWatcher"/>: another process on the same SQLite file, another node):
    /// every cached conversation is read again on its next <see cref="Find"/>.
    /// </summary>
    public void ForgetAll() => cache.Clear();

    /// <summary>
    /// The ban in force on the conversation at <paramref name="now"/>, or null. Across reasons the strongest wins: a
    /// permanent stop, else the progressive ban that ends last (ties by <see cref="StopReasons.Priority"/>).
    /// </summary>
    public ActiveBan? Find(string projectId, string user, string persona, DateTimeOffset now)
    {
        var key = new Key(projectId, user, persona);
        if (!cache.TryGetValue(key, out var cached)
            || (database.IsCluster && Stale(cached)))
        {
            ActiveBan? strongest;
            using (var connection = database.Open())
            using (var command = connection.Sql(SelectConversation))
                strongest = Strongest(command, key);
            cached = new Cached(strongest, -1, clock.GetTimestamp());
            // Add only if still absent: a write that committed meanwhile has stored the newer state, which must win.
            if (cache.Count < MaxCachedConversations)
                cached = cache.AddOrUpdate(key, cached, (_, existing) => existing.Sequence >= 0 && !Stale(existing) ? existing : cached);
        }
        return cached.Strongest switch
        {
            null => null,
            { Permanent: true } ban => ban,
            { StoppedUntil: { } until } ban when until > now => ban,
            _ => null,
        };
    }

    const string SelectConversation =
        "SELECT reason, stopped_until, permanent FROM bans WHERE project_id = @p AND user_profile_id = @u AND persona_profile_id = @s";

    static ActiveBan? Strongest(DbCommand command, Key key)
    {
        using var reader = command.With("@p", key.ProjectId).With("@u", key.User).With("@s", key.Persona).ExecuteReader();
        ActiveBan? best = null;
        while (reader.Read())
        {
            var reason = StopReasons.TryCanonicalize(reader.GetString(0), out var c) ? c : reader.GetString(0);
            var permanent = reader.GetInt64(2) != 0;
            var candidate = new ActiveBan(reason, permanent, permanent ? null : reader.Int64OrNull(1)?.FromUnixMs());
            if (!permanent && candidate.StoppedUntil is null) continue;
            if (best is null || Stronger(candidate, best)) best = candidate;
        }
        return best;
    }

    static bool Stronger(ActiveBan a, ActiveBan b)
    {
        if (a.Permanent != b.Permanent) return a.Permanent;
        if (!a.Permanent && a.StoppedUntil != b.StoppedUntil) return a.StoppedUntil > b.StoppedUntil;
        return StopReasons.Rank(a.Reason) < StopReasons.Rank(b.Reason);
    }

    /// <summary>
    /// The 409 answered to an enqueue on a stopped conversation: problem+json with the extensions
    /// <c>stopReason</c> and <c>stoppedUntil</c> (ISO-8601 UTC <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>, null when permanent).
    /// </summary>
    public static Problem ToProblem(ActiveBan ban)
    {
        ArgumentNullException.ThrowIfNull(ban);
        var until = ban.Permanent || ban.StoppedUntil is not { } u ? null : DumGum.Webhooks.Events.FormatInstant(u);
        return new Problem
        {
            Status = 409,
            Slug = "conversation-stopped",
            Title = "The conversation is stopped",
            Detail = until is null
                ? $"This conversation was stopped permanently ({ban.Reason}); do not enqueue it again."
                : $"This conversation is stopped until {until} ({ban.Reason}); enqueue it again after that instant.",
            Extensions = new Dictionary<string, object?> { ["stopReason"] = ban.Reason, ["stoppedUntil"] = until },
        };
    }
}
